//! The one error type of the rules layer: a machine code, a human message and the
//! offending field, so the server can answer 422 with `details.field` without guessing.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an input was refused. Serialized in snake_case; the server copies it into the
/// contract's `error.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A field is missing, of the wrong type, not finite, or out of its range.
    InvalidField,
    /// Below the minimum duration of the activity kind (strength 20, study 15, martial arts 30).
    DurationTooShort,
    /// A strength session whose volume is 0 (only bodyweight sets).
    VolumeZero,
    /// A run faster than 2.5 min/km.
    PaceTooFast,
    /// `occurred_at` more than 60 s after now.
    OccurredInFuture,
    /// `occurred_at` more than 48 h before now.
    OccurredTooOld,
    /// `woke_at` later than the player's wake target.
    WakeAfterTarget,
    /// A second wake-up on the same local day.
    AlreadyWokeToday,
    /// `woke_at` later than the player's local time now.
    WakeInFuture,
    /// Editing a strength session more than 24 h after it was completed.
    EditWindowClosed,
    /// Only strength sessions can be edited.
    NotEditable,
}

impl ErrorCode {
    /// The snake_case code, identical to the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidField => "invalid_field",
            ErrorCode::DurationTooShort => "duration_too_short",
            ErrorCode::VolumeZero => "volume_zero",
            ErrorCode::PaceTooFast => "pace_too_fast",
            ErrorCode::OccurredInFuture => "occurred_in_future",
            ErrorCode::OccurredTooOld => "occurred_too_old",
            ErrorCode::WakeAfterTarget => "wake_after_target",
            ErrorCode::AlreadyWokeToday => "already_woke_today",
            ErrorCode::WakeInFuture => "wake_in_future",
            ErrorCode::EditWindowClosed => "edit_window_closed",
            ErrorCode::NotEditable => "not_editable",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused input. Nothing was awarded and nothing should be stored as completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleError {
    pub code: ErrorCode,
    pub message: String,
    /// The offending input field (`"duration_min"`, `"sets[2].reps"`, ...), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl RuleError {
    pub fn new(code: ErrorCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        RuleError {
            code,
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// Shorthand for the commonest refusal: a field out of range or of the wrong shape.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidField, field, message)
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} ({field}): {}", self.code, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

impl std::error::Error for RuleError {}

/// Checks that a number is finite and inside `[min, max]`; the workhorse of validation.
pub(crate) fn check_range(field: &str, value: f64, min: f64, max: f64) -> Result<f64, RuleError> {
    if !value.is_finite() {
        return Err(RuleError::invalid(
            field,
            format!("{field} must be a finite number"),
        ));
    }
    if value < min || value > max {
        return Err(RuleError::invalid(
            field,
            format!("{field} must be between {min} and {max}, got {value}"),
        ));
    }
    Ok(value)
}
