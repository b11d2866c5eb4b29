//! Accounts' domain types and results. Each type is parsed once from what a client
//! sent and is valid by construction (parse, don't validate): a `Username` is 3–32 of
//! `a–z 0–9 _ -` (letters taken in any case, kept lowercase), a `Timezone` an IANA zone, and so on; each parser names the field it
//! refuses. Beside them, the request bodies as they arrive (their OpenAPI schemas
//! are the contract's) and the typed results of the use cases.

use super::error::AccountsError;
use crate::model::Player;
use crate::storage::PlayerRow;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use shonen_rules::{Change, Class, Goals, Weekday};

// ---------------------------------------------------------------------------
// Request bodies, as the client sends them (REST JSON; gRPC requests are read as
// the same JSON).

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct GoalsInput {
    #[schema(minimum = 0, maximum = 10)]
    pub strength: i64,
    #[schema(minimum = 0, maximum = 10)]
    pub agility: i64,
    #[schema(minimum = 0, maximum = 10)]
    pub intelligence: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterInput {
    /// 3–32 characters of letters a–z (either case: kept lowercase, so `Goku` is
    /// `goku`), digits, `_` and `-`.
    #[schema(pattern = "^[A-Za-z0-9_-]{3,32}$")]
    pub username: String,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// 10 to 256 characters.
    #[schema(
        min_length = 10,
        max_length = 256,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]*$"
    )]
    pub password: String,
    /// An IANA time zone name such as `Europe/Berlin` (default `UTC`).
    #[schema(value_type = Option<crate::model::TimezoneName>)]
    pub timezone: Option<String>,
    #[serde(deserialize_with = "crate::extract::object")]
    pub goals: GoalsInput,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginInput {
    /// The username or the email address (either case; surrounding spaces ignored).
    #[schema(max_length = 256)]
    pub username: String,
    /// Text without control characters (tab and line breaks aside).
    #[schema(pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]*$")]
    pub password: String,
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct SettingsInput {
    /// An IANA time zone name such as `Europe/Berlin`.
    #[schema(value_type = Option<crate::model::TimezoneName>)]
    pub timezone: Option<String>,
    /// At least one day (a schedule without training days would never be judged).
    #[schema(value_type = Option<Vec<crate::model::WeekdayName>>, min_items = 1)]
    pub training_days: Option<Vec<String>>,
    #[schema(minimum = 1, maximum = 7)]
    pub weekly_goal: Option<i64>,
    /// Local `HH:MM` from 04:00 to 09:00.
    #[schema(pattern = "^(0[4-8]:[0-5][0-9]|09:00)$")]
    pub wake_target: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReclassifyInput {
    #[serde(deserialize_with = "crate::extract::object")]
    pub goals: GoalsInput,
}

/// `{token, player}` from register and login.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub token: String,
    pub player: Player,
}

// ---------------------------------------------------------------------------
// Domain types.

/// 3–32 characters of `a–z`, `0–9`, `_` and `-`: letters are taken in either case
/// and kept lowercase (one account per name, whatever the case), surrounding spaces
/// dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MAX_LEN: usize = 32;

    pub fn parse(s: &str) -> Result<Username, AccountsError> {
        let s = s.trim();
        let ok = (3..=Self::MAX_LEN).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(Username(s.to_ascii_lowercase()))
        } else {
            Err(AccountsError::invalid(
                "username",
                "invalid_username",
                "username must be 3–32 characters of letters a–z, digits, _ and -",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, trimmed and lowercased: one `@`, a sane local part, and a domain
/// of at least two dot-separated labels (letters, digits, hyphens; no leading or
/// trailing hyphen) ending in an alphabetic top-level label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Email, AccountsError> {
        let bad = || {
            AccountsError::invalid(
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
            Ok(Email(s))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 10 to 256 characters (so at most 1 KiB of UTF-8), as the
/// OpenAPI document says. Never printed.
#[derive(Clone)]
pub struct Password(String);

/// The longest password, in characters (`RegisterInput`'s `maxLength`).
const PASSWORD_MAX_CHARS: usize = 256;

impl Password {
    pub fn parse(s: &str) -> Result<Password, AccountsError> {
        let chars = s.chars().count();
        if chars < 10 {
            Err(AccountsError::invalid(
                "password",
                "password_too_short",
                "password must be at least 10 characters",
            ))
        } else if chars > PASSWORD_MAX_CHARS {
            Err(AccountsError::invalid(
                "password",
                "password_too_long",
                "password must be at most 256 characters",
            ))
        } else {
            Ok(Password(s.to_string()))
        }
    }

    pub(super) fn into_secret(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// An IANA time zone, such as `Europe/Berlin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timezone(Tz);

impl Timezone {
    pub fn parse(s: &str) -> Result<Timezone, AccountsError> {
        s.parse::<Tz>().map(Timezone).map_err(|_| {
            AccountsError::invalid(
                "timezone",
                "invalid_timezone",
                format!("{s:?} is not an IANA timezone such as \"Europe/Berlin\""),
            )
        })
    }

    pub fn tz(self) -> Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The local date at `at` in this zone.
    pub fn date_at(self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.0).date_naive()
    }
}

/// The days a player plans to train: distinct, Monday first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingDays(Vec<Weekday>);

impl TrainingDays {
    /// Day names (`mon` … `sun`), in any order, repeats allowed.
    pub fn parse<S: AsRef<str>>(days: &[S]) -> Result<TrainingDays, AccountsError> {
        let mut parsed = Vec::new();
        for d in days {
            let d = d.as_ref();
            let day = crate::player::parse_weekday(d).ok_or_else(|| {
                AccountsError::invalid(
                    "training_days",
                    "invalid_training_days",
                    format!("{d:?} is not one of mon tue wed thu fri sat sun"),
                )
            })?;
            if !parsed.contains(&day) {
                parsed.push(day);
            }
        }
        if parsed.is_empty() {
            return Err(AccountsError::invalid(
                "training_days",
                "invalid_training_days",
                "choose at least one training day",
            ));
        }
        parsed.sort_by_key(|d| d.number_from_monday());
        Ok(TrainingDays(parsed))
    }

    /// The stored form: `"mon,thu,fri"`.
    pub fn as_text(&self) -> String {
        self.0
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Training days a week the player aims for: 1–7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeeklyGoal(u8);

impl WeeklyGoal {
    pub fn parse(n: i64) -> Result<WeeklyGoal, AccountsError> {
        u8::try_from(n)
            .ok()
            .filter(|n| (1..=7).contains(n))
            .map(WeeklyGoal)
            .ok_or_else(|| {
                AccountsError::invalid(
                    "weekly_goal",
                    "invalid_weekly_goal",
                    "weekly_goal must be 1–7",
                )
            })
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// A wake target: local `"HH:MM"` from 04:00 to 09:00 (game rules §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WakeTarget(NaiveTime);

impl WakeTarget {
    pub fn parse(s: &str) -> Result<WakeTarget, AccountsError> {
        let invalid = || {
            AccountsError::invalid(
                "wake_target",
                "invalid_wake_target",
                "wake_target must be \"HH:MM\" between 04:00 and 09:00",
            )
        };
        let t = shonen_rules::parse_hhmm("wake_target", s).map_err(|_| invalid())?;
        let (earliest, latest) = (
            NaiveTime::from_hms_opt(4, 0, 0),
            NaiveTime::from_hms_opt(9, 0, 0),
        );
        if earliest.is_some_and(|e| t < e) || latest.is_some_and(|l| t > l) {
            return Err(invalid());
        }
        Ok(WakeTarget(t))
    }

    /// The stored and shown form, `"06:30"`.
    pub fn as_text(self) -> String {
        self.0.format("%H:%M").to_string()
    }
}

impl GoalsInput {
    /// The classification answers; the rules check them and name the field
    /// (`goals.agility`).
    pub fn parse(&self) -> Result<Goals, AccountsError> {
        Goals::new(self.strength, self.agility, self.intelligence).map_err(|e| {
            let field = match e.field.as_deref() {
                Some(f) if f.starts_with("goals.") => f.to_string(),
                Some(f) => format!("goals.{f}"),
                None => "goals".to_string(),
            };
            AccountsError::Invalid {
                field,
                code: e.code.as_str(),
                message: e.message,
            }
        })
    }
}

/// A registration, every field parsed.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: Username,
    pub email: Email,
    pub password: Password,
    pub timezone: Timezone,
    pub goals: Goals,
}

impl NewAccount {
    /// Parses the fields in the order the client reads them: the first bad one is
    /// the one reported.
    pub fn parse(input: &RegisterInput) -> Result<NewAccount, AccountsError> {
        Ok(NewAccount {
            username: Username::parse(&input.username)?,
            email: Email::parse(&input.email)?,
            password: Password::parse(&input.password)?,
            timezone: Timezone::parse(input.timezone.as_deref().unwrap_or("UTC"))?,
            goals: input.goals.parse()?,
        })
    }
}

/// A settings change (`PATCH /me`): the fields given, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsChange {
    pub timezone: Option<Timezone>,
    pub training_days: Option<TrainingDays>,
    pub weekly_goal: Option<WeeklyGoal>,
    pub wake_target: Option<WakeTarget>,
}

impl SettingsChange {
    pub fn parse(input: &SettingsInput) -> Result<SettingsChange, AccountsError> {
        Ok(SettingsChange {
            timezone: input.timezone.as_deref().map(Timezone::parse).transpose()?,
            training_days: input
                .training_days
                .as_deref()
                .map(TrainingDays::parse)
                .transpose()?,
            weekly_goal: input.weekly_goal.map(WeeklyGoal::parse).transpose()?,
            wake_target: input
                .wake_target
                .as_deref()
                .map(WakeTarget::parse)
                .transpose()?,
        })
    }

    /// The change as the rules' calendar takes it.
    pub fn to_rules(&self) -> Change {
        Change {
            timezone: self.timezone.map(|t| t.name().to_string()),
            training_days: self.training_days.as_ref().map(TrainingDays::as_text),
            weekly_goal: self.weekly_goal.map(WeeklyGoal::get),
            wake_target: self.wake_target.map(WakeTarget::as_text),
        }
    }
}

// ---------------------------------------------------------------------------
// Results of the use cases.

/// A player signed in (registered or logged in) and their new bearer token.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub player: PlayerRow,
}

/// A classification re-taken: the class before and the class now.
#[derive(Debug, Clone)]
pub struct Reclassified {
    /// As stored before (the leaderboards file the player under it).
    pub previous_class: String,
    pub class: Class,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The field, code and message a parser refused with.
    fn refusal<T: std::fmt::Debug>(r: Result<T, AccountsError>) -> (String, &'static str) {
        match r {
            Err(AccountsError::Invalid { field, code, .. }) => (field, code),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(Username::parse("goku_99").unwrap().as_str(), "goku_99");
        assert_eq!(Username::parse(" Goku-99 ").unwrap().as_str(), "goku-99");
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        assert!(Username::parse("abc").is_ok());
        for bad in [
            "ab",
            " ab ",
            "goku 99",
            "gökü",
            "goku.99",
            "",
            &"a".repeat(33),
        ] {
            assert_eq!(
                refusal(Username::parse(bad)),
                ("username".to_string(), "invalid_username"),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Goku@Capsule.Corp ").unwrap().as_str(),
            "goku@capsule.corp"
        );
        assert!(Email::parse("a.b+c@mail.example.co").is_ok());
        let long_local = format!("{}@a.jp", "a".repeat(65));
        let long = format!("{}@{}.jp", "a".repeat(60), "b".repeat(200));
        for bad in [
            "goku",
            "goku@",
            "@corp.jp",
            "goku@corp",
            "go..ku@a.jp",
            ".goku@a.jp",
            "goku.@a.jp",
            "g@-a.jp",
            "g@a-.jp",
            "g@a..jp",
            "g@a.j1",
            "g@a.j",
            "a b@c.de",
            "a@b@c.de",
            long_local.as_str(),
            long.as_str(),
        ] {
            assert_eq!(
                refusal(Email::parse(bad)),
                ("email".to_string(), "invalid_email"),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn passwords() {
        assert!(Password::parse("1234567890").is_ok());
        // Characters, not bytes: ten accented letters are enough.
        assert!(Password::parse("éééééééééé").is_ok());
        assert_eq!(
            refusal(Password::parse("123456789")),
            ("password".to_string(), "password_too_short")
        );
        // At most 256 characters, whatever their width (the schema's maxLength).
        assert_eq!(
            refusal(Password::parse(&"x".repeat(257))),
            ("password".to_string(), "password_too_long")
        );
        assert!(Password::parse(&"x".repeat(256)).is_ok());
        assert!(Password::parse(&"\u{1F525}".repeat(256)).is_ok());
        assert_eq!(
            refusal(Password::parse(&"\u{1F525}".repeat(257))),
            ("password".to_string(), "password_too_long")
        );
        // A password never shows in logs.
        let p = Password::parse("hunter2hunter2").unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn timezones() {
        let berlin = Timezone::parse("Europe/Berlin").unwrap();
        assert_eq!(berlin.name(), "Europe/Berlin");
        let late = DateTime::parse_from_rfc3339("2026-11-22T23:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(berlin.date_at(late).to_string(), "2026-11-23");
        for bad in ["Mars/Base", "", "europe/berlin ", "+02:00"] {
            assert_eq!(
                refusal(Timezone::parse(bad)),
                ("timezone".to_string(), "invalid_timezone"),
                "{bad:?} accepted"
            );
        }
    }

    /// The OpenAPI document lists the zones a request may name: every one of them
    /// is accepted, so schema-valid data is never refused for its zone.
    #[test]
    fn every_documented_timezone_is_accepted() {
        let names: Vec<&str> = crate::model::TimezoneName::all().collect();
        assert!(names.len() > 400, "only {} zones", names.len());
        for name in ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"] {
            assert!(names.contains(&name), "{name} not listed");
        }
        for name in names {
            assert_eq!(Timezone::parse(name).unwrap().name(), name);
        }
    }

    #[test]
    fn training_days() {
        let days = TrainingDays::parse(&["fri", "mon", "fri"]).unwrap();
        assert_eq!(days.as_text(), "mon,fri");
        for bad in [&["funday"][..], &["mon", "Tue"], &["monday"], &[""], &[]] {
            assert_eq!(
                refusal(TrainingDays::parse(bad)),
                ("training_days".to_string(), "invalid_training_days"),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn weekly_goals() {
        assert_eq!(WeeklyGoal::parse(1).unwrap().get(), 1);
        assert_eq!(WeeklyGoal::parse(7).unwrap().get(), 7);
        for bad in [0, 8, -1, 256 + 3, i64::MAX] {
            assert_eq!(
                refusal(WeeklyGoal::parse(bad)),
                ("weekly_goal".to_string(), "invalid_weekly_goal"),
                "{bad} accepted"
            );
        }
    }

    #[test]
    fn wake_targets() {
        assert_eq!(WakeTarget::parse("06:30").unwrap().as_text(), "06:30");
        assert_eq!(WakeTarget::parse("04:00").unwrap().as_text(), "04:00");
        assert_eq!(WakeTarget::parse("09:00").unwrap().as_text(), "09:00");
        for bad in ["25:00", "03:59", "09:01", "6:30pm", "", "noon"] {
            assert_eq!(
                refusal(WakeTarget::parse(bad)),
                ("wake_target".to_string(), "invalid_wake_target"),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn goals_name_their_field() {
        let g = GoalsInput {
            strength: 3,
            agility: 11,
            intelligence: 0,
        };
        let (field, _) = refusal(g.parse());
        assert_eq!(field, "goals.agility");
        let g = GoalsInput {
            strength: 10,
            agility: 0,
            intelligence: 5,
        };
        assert_eq!(g.parse().unwrap().strength(), 10);
    }

    fn registration() -> RegisterInput {
        RegisterInput {
            username: "goku".into(),
            email: "goku@capsule.corp".into(),
            password: "kamehameha!".into(),
            timezone: None,
            goals: GoalsInput {
                strength: 5,
                agility: 5,
                intelligence: 5,
            },
        }
    }

    #[test]
    fn a_registration_reports_its_first_bad_field() {
        let ok = NewAccount::parse(&registration()).unwrap();
        assert_eq!(ok.timezone.name(), "UTC");
        let mut two_bad = registration();
        two_bad.email = "nope".into();
        two_bad.timezone = Some("Mars/Base".into());
        assert_eq!(refusal(NewAccount::parse(&two_bad)).0, "email");
        let mut tz_bad = registration();
        tz_bad.timezone = Some("Mars/Base".into());
        assert_eq!(refusal(NewAccount::parse(&tz_bad)).0, "timezone");
    }

    #[test]
    fn a_settings_change_keeps_what_is_absent_absent() {
        let none = SettingsChange::parse(&SettingsInput::default()).unwrap();
        assert_eq!(none.to_rules(), Change::default());
        let some = SettingsChange::parse(&SettingsInput {
            timezone: Some("Asia/Tokyo".into()),
            training_days: Some(vec!["sun".into(), "mon".into()]),
            weekly_goal: Some(3),
            wake_target: Some("05:45".into()),
        })
        .unwrap()
        .to_rules();
        assert_eq!(some.timezone.as_deref(), Some("Asia/Tokyo"));
        assert_eq!(some.training_days.as_deref(), Some("mon,sun"));
        assert_eq!(some.weekly_goal, Some(3));
        assert_eq!(some.wake_target.as_deref(), Some("05:45"));
        let bad = SettingsInput {
            weekly_goal: Some(9),
            ..Default::default()
        };
        assert_eq!(refusal(SettingsChange::parse(&bad)).0, "weekly_goal");
    }

    proptest! {
        /// Whatever a parser accepts is in the type's language.
        #[test]
        fn accepted_usernames_are_in_the_alphabet(s in "\\PC{0,36}") {
            if let Ok(u) = Username::parse(&s) {
                prop_assert!((3..=Username::MAX_LEN).contains(&u.as_str().len()));
                prop_assert!(u.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'));
                prop_assert_eq!(Username::parse(u.as_str()).unwrap(), u.clone());
            }
        }

        #[test]
        fn accepted_emails_are_normalised_and_reparse_to_themselves(s in "[A-Za-z0-9._@ -]{0,30}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(e.as_str(), e.as_str().trim().to_lowercase());
                prop_assert_eq!(e.as_str().matches('@').count(), 1);
                prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e);
            }
        }

        #[test]
        fn accepted_wake_targets_are_within_the_window(h in 0u32..30, m in 0u32..70) {
            let s = format!("{h:02}:{m:02}");
            match WakeTarget::parse(&s) {
                Ok(w) => {
                    prop_assert_eq!(w.as_text(), s);
                    prop_assert!((4..9).contains(&h) && m < 60 || (h == 9 && m == 0));
                }
                Err(_) => prop_assert!(!((4..9).contains(&h) && m < 60 || (h == 9 && m == 0))),
            }
        }
    }
}
