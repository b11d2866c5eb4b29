//! The five activity kinds (§2): their inputs, which are training, and the checks every
//! logged activity must pass before it can earn anything (ranges, pace, minimum
//! durations, the `occurred_at` window, wake-up times).

use crate::error::{ErrorCode, RuleError, check_range};
pub use crate::kind::ActivityKind;
use crate::strength::{self, Set};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// Clock skew tolerated for `occurred_at` in the future.
pub const FUTURE_SKEW_SECONDS: i64 = 60;
/// How far back an activity may be logged.
pub const MAX_AGE_HOURS: i64 = 48;
/// Fastest allowed run pace, in minutes per km.
pub const MIN_PACE_MIN_PER_KM: f64 = 2.5;
pub const STUDY_MIN_DURATION_MIN: f64 = 15.0;
pub const MARTIAL_ARTS_MIN_DURATION_MIN: f64 = 30.0;
/// A single activity cannot last more than a day (the spec is silent; see docs/rules.md).
pub const MAX_DURATION_MIN: f64 = 1440.0;
/// Longest single run accepted (a sanity bound; only 50 km a day earn XP anyway).
pub const MAX_RUN_KM: f64 = 500.0;
/// The default wake target, 06:30 local.
pub const DEFAULT_WAKE_TARGET: (u32, u32) = (6, 30);
const MAX_STYLE_CHARS: usize = 100;

/// What the player logged, by kind. Serialized with `kind` as the tag, matching the
/// activity body of the API (`occurred_at` and `note` are the server's business).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActivityInput {
    Run {
        distance_km: f64,
        duration_min: f64,
    },
    Strength {
        sets: Vec<Set>,
        duration_min: f64,
    },
    Study {
        duration_min: f64,
    },
    MartialArts {
        duration_min: f64,
        style: String,
    },
    WakeUp {
        /// Local `"HH:MM"` on the activity's local date.
        woke_at: String,
    },
}

impl ActivityInput {
    pub fn kind(&self) -> ActivityKind {
        match self {
            ActivityInput::Run { .. } => ActivityKind::Run,
            ActivityInput::Strength { .. } => ActivityKind::Strength,
            ActivityInput::Study { .. } => ActivityKind::Study,
            ActivityInput::MartialArts { .. } => ActivityKind::MartialArts,
            ActivityInput::WakeUp { .. } => ActivityKind::WakeUp,
        }
    }

    /// The checks that need no player context: ranges, pace and minimum durations.
    /// (Wake-up target and once-a-day checks need the player: see `award`.)
    pub fn validate(&self) -> Result<(), RuleError> {
        match self {
            ActivityInput::Run {
                distance_km,
                duration_min,
            } => validate_run(*distance_km, *duration_min).map(|_| ()),
            ActivityInput::Strength { sets, duration_min } => {
                strength::validate(sets, *duration_min)
            }
            ActivityInput::Study { duration_min } => {
                validate_min_duration(*duration_min, STUDY_MIN_DURATION_MIN, "a study session")
            }
            ActivityInput::MartialArts {
                duration_min,
                style,
            } => {
                if style.trim().is_empty() || style.chars().count() > MAX_STYLE_CHARS {
                    return Err(RuleError::invalid(
                        "style",
                        "style must be a non-empty name of at most 100 characters",
                    ));
                }
                validate_min_duration(
                    *duration_min,
                    MARTIAL_ARTS_MIN_DURATION_MIN,
                    "a martial arts session",
                )
            }
            ActivityInput::WakeUp { woke_at } => parse_hhmm("woke_at", woke_at).map(|_| ()),
        }
    }
}

/// Validates a run and returns its pace in min/km.
pub(crate) fn validate_run(distance_km: f64, duration_min: f64) -> Result<f64, RuleError> {
    if !distance_km.is_finite() || distance_km <= 0.0 || distance_km > MAX_RUN_KM {
        return Err(RuleError::invalid(
            "distance_km",
            format!("distance_km must be greater than 0 and at most {MAX_RUN_KM}"),
        ));
    }
    if !duration_min.is_finite() || duration_min <= 0.0 || duration_min > MAX_DURATION_MIN {
        return Err(RuleError::invalid(
            "duration_min",
            format!("duration_min must be greater than 0 and at most {MAX_DURATION_MIN}"),
        ));
    }
    let pace = duration_min / distance_km;
    if pace < MIN_PACE_MIN_PER_KM {
        return Err(RuleError::new(
            ErrorCode::PaceTooFast,
            "duration_min",
            format!(
                "a pace of {pace:.2} min/km is faster than the 2.5 min/km limit: check distance and duration"
            ),
        ));
    }
    Ok(pace)
}

fn validate_min_duration(duration_min: f64, min: f64, what: &str) -> Result<(), RuleError> {
    if !duration_min.is_finite() || duration_min < 0.0 {
        return Err(RuleError::invalid(
            "duration_min",
            "duration_min must be a finite, non-negative number",
        ));
    }
    if duration_min < min {
        return Err(RuleError::new(
            ErrorCode::DurationTooShort,
            "duration_min",
            format!("{what} lasts at least {min} minutes, got {duration_min}"),
        ));
    }
    check_range("duration_min", duration_min, min, MAX_DURATION_MIN).map(|_| ())
}

/// §2: `occurred_at` may be at most 60 s in the future and at most 48 h in the past.
pub fn check_occurred_at(occurred_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), RuleError> {
    if occurred_at > now + Duration::seconds(FUTURE_SKEW_SECONDS) {
        return Err(RuleError::new(
            ErrorCode::OccurredInFuture,
            "occurred_at",
            "occurred_at is in the future",
        ));
    }
    if occurred_at < now - Duration::hours(MAX_AGE_HOURS) {
        return Err(RuleError::new(
            ErrorCode::OccurredTooOld,
            "occurred_at",
            "occurred_at is more than 48 hours in the past",
        ));
    }
    Ok(())
}

/// Parses a local `"HH:MM"` (24-hour, two digits each) such as a wake time or target.
pub fn parse_hhmm(field: &str, s: &str) -> Result<NaiveTime, RuleError> {
    let bad = || {
        RuleError::invalid(
            field,
            format!("{field} must be a time \"HH:MM\", got {s:?}"),
        )
    };
    let bytes = s.as_bytes();
    if bytes.len() != 5 || bytes[2] != b':' {
        return Err(bad());
    }
    let two = |a: u8, b: u8| -> Option<u32> {
        (a.is_ascii_digit() && b.is_ascii_digit())
            .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    };
    let hour = two(bytes[0], bytes[1]).ok_or_else(bad)?;
    let minute = two(bytes[3], bytes[4]).ok_or_else(bad)?;
    NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(bad)
}

/// The default wake target as a time.
pub fn default_wake_target() -> NaiveTime {
    let (h, m) = DEFAULT_WAKE_TARGET;
    // 06:30 is a valid time; the fallback only keeps this free of unwrap.
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<(), RuleError>) -> (ErrorCode, String) {
        let e = r.unwrap_err();
        (e.code, e.field.unwrap_or_default())
    }

    #[test]
    fn training_kinds() {
        assert!(ActivityKind::Run.is_training());
        assert!(ActivityKind::Strength.is_training());
        assert!(ActivityKind::Study.is_training());
        assert!(ActivityKind::MartialArts.is_training());
        assert!(!ActivityKind::WakeUp.is_training());
        assert_eq!(
            serde_json::to_string(&ActivityKind::MartialArts).unwrap(),
            "\"martial_arts\""
        );
        assert_eq!(ActivityKind::parse("wake_up"), Some(ActivityKind::WakeUp));
    }

    #[test]
    fn input_deserializes_from_the_api_body() {
        let run: ActivityInput =
            serde_json::from_str(r#"{"kind":"run","distance_km":5,"duration_min":30}"#).unwrap();
        assert_eq!(run.kind(), ActivityKind::Run);
        let s: ActivityInput = serde_json::from_str(
            r#"{"kind":"strength","duration_min":30,"sets":[{"exercise":"bench","weight_kg":60,"reps":8}]}"#,
        )
        .unwrap();
        assert_eq!(s.kind(), ActivityKind::Strength);
    }

    #[test]
    fn run_rules() {
        let run = |d: f64, t: f64| ActivityInput::Run {
            distance_km: d,
            duration_min: t,
        };
        assert!(run(10.0, 25.0).validate().is_ok()); // exactly 2.5 min/km
        assert_eq!(
            code(run(10.0, 24.9).validate()),
            (ErrorCode::PaceTooFast, "duration_min".into())
        );
        assert_eq!(
            code(run(0.0, 30.0).validate()),
            (ErrorCode::InvalidField, "distance_km".into())
        );
        assert_eq!(
            code(run(5.0, 0.0).validate()),
            (ErrorCode::InvalidField, "duration_min".into())
        );
        assert_eq!(code(run(f64::NAN, 30.0).validate()).1, "distance_km");
    }

    #[test]
    fn minimum_durations() {
        assert!(
            ActivityInput::Study { duration_min: 15.0 }
                .validate()
                .is_ok()
        );
        assert_eq!(
            code(ActivityInput::Study { duration_min: 14.0 }.validate()).0,
            ErrorCode::DurationTooShort
        );
        let ma = |d: f64, s: &str| ActivityInput::MartialArts {
            duration_min: d,
            style: s.into(),
        };
        assert!(ma(30.0, "judo").validate().is_ok());
        assert_eq!(
            code(ma(29.0, "judo").validate()).0,
            ErrorCode::DurationTooShort
        );
        assert_eq!(code(ma(45.0, "  ").validate()).1, "style");
    }

    #[test]
    fn occurred_at_window() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert!(check_occurred_at(now + Duration::seconds(60), now).is_ok());
        assert_eq!(
            code(check_occurred_at(now + Duration::seconds(61), now)).0,
            ErrorCode::OccurredInFuture
        );
        assert!(check_occurred_at(now - Duration::hours(48), now).is_ok());
        assert_eq!(
            code(check_occurred_at(
                now - Duration::hours(48) - Duration::seconds(1),
                now
            ))
            .0,
            ErrorCode::OccurredTooOld
        );
    }

    #[test]
    fn hhmm_parsing() {
        assert_eq!(
            parse_hhmm("woke_at", "06:05").unwrap(),
            NaiveTime::from_hms_opt(6, 5, 0).unwrap()
        );
        for bad in ["6:05", "24:00", "12:60", "ab:cd", "", "06:05:00", "０6:05"] {
            let e = parse_hhmm("woke_at", bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("woke_at"), "{bad}");
        }
        assert_eq!(
            default_wake_target(),
            NaiveTime::from_hms_opt(6, 30, 0).unwrap()
        );
    }
}
