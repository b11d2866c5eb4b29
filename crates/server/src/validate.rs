//! The text check every request passes through (`text`, `json_text`). (Account
//! fields are parsed by their domain types in `accounts::model`.)

use crate::error::ApiError;
use serde_json::Value;

/// Text the service accepts anywhere: no NUL and no other C0 control character
/// except tab, line feed and carriage return. (PostgreSQL refuses NUL in text
/// while SQLite stores it, so without this the two backends would disagree.)
pub fn is_clean_text(s: &str) -> bool {
    !s.chars()
        .any(|c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
}

/// `is_clean_text` as a JSON Schema pattern, for the OpenAPI document's free-text
/// request fields (`http::openapi`).
pub const CLEAN_TEXT_PATTERN: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]*$";

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
}
