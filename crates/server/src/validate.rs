//! Parsers for account input that can only produce valid values (username, email,
//! password, timezone, training days, wake target), and the text check every
//! request passes through (`text`, `json_text`).

use crate::error::ApiError;
use serde_json::Value;

/// Text the service accepts anywhere: no NUL and no other C0 control character
/// except tab, line feed and carriage return. (PostgreSQL refuses NUL in text
/// while SQLite stores it, so without this the two backends would disagree.)
pub fn is_clean_text(s: &str) -> bool {
    !s.chars()
        .any(|c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
}

/// 422 naming `field` when `s` is not clean text.
pub fn text(field: &str, s: &str) -> Result<(), ApiError> {
    if is_clean_text(s) {
        Ok(())
    } else {
        Err(invalid_text(field))
    }
}

pub fn invalid_text(field: &str) -> ApiError {
    ApiError::validation(
        field,
        "invalid_text",
        "text must be valid UTF-8 without NUL or control characters",
    )
}

/// Checks every string (and object key) of a JSON document; the error names the
/// first bad one by its path (`sets[2].exercise`).
pub fn json_text(v: &Value) -> Result<(), ApiError> {
    fn walk(v: &Value, path: &mut String) -> Result<(), ApiError> {
        match v {
            Value::String(s) => text(path, s),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Value::Object(map) => {
                for (k, item) in map {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    if !is_clean_text(k) {
                        return Err(invalid_text(path));
                    }
                    walk(item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(v, &mut String::new())
}

pub fn username(s: &str) -> Result<String, ApiError> {
    let ok = (3..=20).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(s.to_string())
    } else {
        Err(ApiError::validation(
            "username",
            "invalid_username",
            "username must be 3–20 characters of a–z, 0–9 and _",
        ))
    }
}

/// A practical address check: one `@`, a sane local part, and a domain of at least
/// two dot-separated labels (letters, digits, hyphens; no leading or trailing hyphen)
/// ending in an alphabetic top-level label.
pub fn email(s: &str) -> Result<String, ApiError> {
    let bad = || {
        ApiError::validation(
            "email",
            "invalid_email",
            "that is not a valid email address",
        )
    };
    let s = s.trim().to_lowercase();
    if s.len() > 254 {
        return Err(bad());
    }
    let (local, domain) = s.split_once('@').ok_or_else(bad)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if local_ok && domain_ok {
        Ok(s)
    } else {
        Err(bad())
    }
}

pub fn password(s: &str) -> Result<(), ApiError> {
    let n = s.chars().count();
    if n < 10 {
        Err(ApiError::validation(
            "password",
            "password_too_short",
            "password must be at least 10 characters",
        ))
    } else if s.len() > 1024 {
        Err(ApiError::validation(
            "password",
            "password_too_long",
            "password must be at most 1024 bytes",
        ))
    } else {
        Ok(())
    }
}

pub fn timezone(s: &str) -> Result<chrono_tz::Tz, ApiError> {
    s.parse::<chrono_tz::Tz>().map_err(|_| {
        ApiError::validation(
            "timezone",
            "invalid_timezone",
            format!("{s:?} is not an IANA timezone such as \"Europe/Berlin\""),
        )
    })
}

/// A wake target: local `"HH:MM"` from 04:00 to 09:00 (game rules §2).
pub fn wake_target(s: &str) -> Result<String, ApiError> {
    let invalid = || {
        ApiError::validation(
            "wake_target",
            "invalid_wake_target",
            "wake_target must be \"HH:MM\" between 04:00 and 09:00",
        )
    };
    let t = shonen_rules::parse_hhmm("wake_target", s).map_err(|_| invalid())?;
    let (earliest, latest) = (
        chrono::NaiveTime::from_hms_opt(4, 0, 0),
        chrono::NaiveTime::from_hms_opt(9, 0, 0),
    );
    if earliest.is_some_and(|e| t < e) || latest.is_some_and(|l| t > l) {
        return Err(invalid());
    }
    Ok(t.format("%H:%M").to_string())
}

pub fn training_days(days: &[String]) -> Result<String, ApiError> {
    let mut parsed = Vec::new();
    for d in days {
        let day = parse_weekday(d).ok_or_else(|| {
            ApiError::validation(
                "training_days",
                "invalid_training_days",
                format!("{d:?} is not one of mon tue wed thu fri sat sun"),
            )
        })?;
        if !parsed.contains(&day) {
            parsed.push(day);
        }
    }
    parsed.sort_by_key(|d| d.number_from_monday());
    Ok(parsed
        .iter()
        .map(|d| d.as_str())
        .collect::<Vec<_>>()
        .join(","))
}

pub fn parse_weekday(s: &str) -> Option<shonen_rules::Weekday> {
    shonen_rules::Weekday::ALL
        .into_iter()
        .find(|d| d.as_str() == s)
}

pub fn weekly_goal(n: i64) -> Result<i64, ApiError> {
    if (1..=7).contains(&n) {
        Ok(n)
    } else {
        Err(ApiError::validation(
            "weekly_goal",
            "invalid_weekly_goal",
            "weekly_goal must be 1–7",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_checks_name_the_field() {
        assert!(is_clean_text("tab\there\nnew line, ünïcode ✓"));
        assert!(!is_clean_text("ab\0c"));
        assert!(!is_clean_text("bell\u{7}"));
        let v = serde_json::json!({"sets": [{"exercise": "ok"}, {"exercise": "sq\u{0}uat"}]});
        let e = json_text(&v).unwrap_err();
        assert_eq!(e.status, 422);
        assert_eq!(e.details["field"], "sets[1].exercise");
        let v = serde_json::json!({"a\u{0}": 1});
        assert_eq!(json_text(&v).unwrap_err().details["field"], "a\u{0}");
        assert!(json_text(&serde_json::json!({"note": "fine", "n": [1, null]})).is_ok());
    }

    #[test]
    fn usernames() {
        assert!(username("goku_99").is_ok());
        assert!(username("ab").is_err());
        assert!(username("Goku").is_err());
        assert!(username("a".repeat(21).as_str()).is_err());
        assert!(username("a".repeat(20).as_str()).is_ok());
        assert!(username("bad-name").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(email("Goku@Capsule.Corp").unwrap(), "goku@capsule.corp");
        for bad in [
            "goku",
            "goku@",
            "@corp.jp",
            "goku@corp",
            "go..ku@a.jp",
            "g@-a.jp",
            "g@a.j1",
            "a b@c.de",
        ] {
            assert!(email(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn passwords_and_zones() {
        assert!(password("123456789").is_err());
        assert!(password("1234567890").is_ok());
        assert!(timezone("Europe/Berlin").is_ok());
        assert!(timezone("Mars/Base").is_err());
        assert_eq!(
            training_days(&["fri".into(), "mon".into()]).unwrap(),
            "mon,fri"
        );
        assert!(training_days(&["funday".into()]).is_err());
        assert!(weekly_goal(0).is_err() && weekly_goal(8).is_err() && weekly_goal(7).is_ok());
        assert_eq!(wake_target("06:30").unwrap(), "06:30");
        assert!(wake_target("25:00").is_err());
    }
}
