//! The backend of the `shonen xp` CLI: strength session XP (§3) from a JSON document,
//! answered as JSON. Never panics; every failure is a [`CalcError`] with a code.

use crate::error::RuleError;
use crate::strength::{self, Set, StrengthInput, StrengthOptions};
use serde_json::{Map, Value, json};

/// A refused calculation, shaped like the API's error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalcError {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl CalcError {
    fn new(code: &str, message: impl Into<String>, field: Option<&str>) -> Self {
        CalcError {
            code: code.to_string(),
            message: message.into(),
            field: field.map(str::to_string),
        }
    }

    /// `{"error": {"code", "message", "details": {"field"}?}}`.
    pub fn to_json(&self) -> Value {
        // The contract's error body: `details` always present, naming the field when
        // there is one.
        let details = match &self.field {
            Some(field) => json!({ "field": field }),
            None => json!({}),
        };
        json!({ "error": { "code": self.code, "message": self.message, "details": details } })
    }
}

impl std::fmt::Display for CalcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for CalcError {}

impl From<RuleError> for CalcError {
    fn from(e: RuleError) -> Self {
        CalcError {
            code: e.code.as_str().to_string(),
            message: e.message,
            field: e.field,
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> CalcError {
    CalcError::new("invalid_field", message, Some(field))
}

fn number(obj: &Map<String, Value>, field: &str, path: &str) -> Result<Option<f64>, CalcError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| invalid(path, format!("{path} must be a number"))),
    }
}

/// A whole number in `0..=max` (`12` and `12.0` both work).
fn whole(
    obj: &Map<String, Value>,
    field: &str,
    path: &str,
    max: u64,
) -> Result<Option<u64>, CalcError> {
    let Some(x) = number(obj, field, path)? else {
        return Ok(None);
    };
    if x.fract() != 0.0 || x < 0.0 || x > max as f64 {
        return Err(invalid(
            path,
            format!("{path} must be a whole number from 0 to {max}, got {x}"),
        ));
    }
    Ok(Some(x as u64))
}

fn parse_input(input_json: &str) -> Result<StrengthInput, CalcError> {
    let doc: Value = serde_json::from_str(input_json).map_err(|e| {
        CalcError::new(
            "malformed_json",
            format!("input is not valid JSON: {e}"),
            None,
        )
    })?;
    let obj = doc
        .as_object()
        .ok_or_else(|| CalcError::new("malformed_json", "input must be a JSON object", None))?;
    let raw_sets = obj.get("sets").and_then(Value::as_array).ok_or_else(|| {
        invalid(
            "sets",
            "sets must be an array of {exercise, weight_kg, reps}",
        )
    })?;
    let mut sets = Vec::with_capacity(raw_sets.len().min(strength::MAX_SETS + 1));
    for (i, raw) in raw_sets.iter().enumerate().take(strength::MAX_SETS + 1) {
        let path = |f: &str| format!("sets[{i}].{f}");
        let set = raw
            .as_object()
            .ok_or_else(|| invalid(&format!("sets[{i}]"), "each set must be an object"))?;
        let exercise = match set.get("exercise") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(invalid(&path("exercise"), "exercise must be a string")),
        };
        let weight_kg = number(set, "weight_kg", &path("weight_kg"))?
            .ok_or_else(|| invalid(&path("weight_kg"), "weight_kg is required"))?;
        let reps = whole(set, "reps", &path("reps"), u64::from(u32::MAX))?
            .ok_or_else(|| invalid(&path("reps"), "reps is required"))?;
        sets.push(Set {
            exercise,
            weight_kg,
            reps: u32::try_from(reps).unwrap_or(u32::MAX),
        });
    }
    let duration_min = number(obj, "duration_min", "duration_min")?
        .ok_or_else(|| invalid("duration_min", "duration_min is required"))?;
    let fatigue = whole(obj, "fatigue", "fatigue", 100)?.unwrap_or(0);
    // `n` is the spec's own name for it (game rules §3).
    let sessions = match whole(
        obj,
        "sessions_last_7d",
        "sessions_last_7d",
        u64::from(u32::MAX),
    )? {
        Some(n) => Some(n),
        None => whole(obj, "n", "n", u64::from(u32::MAX))?,
    }
    .unwrap_or(0);
    let edited = match obj.get("edited") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("edited", "edited must be true or false")),
    };
    Ok(StrengthInput {
        sets,
        duration_min,
        // Both bounded above, so the conversions cannot fail.
        fatigue: u8::try_from(fatigue).unwrap_or(100),
        sessions_last_7d: u32::try_from(sessions).unwrap_or(u32::MAX),
        edited,
    })
}

/// Computes a strength session's XP from JSON such as
/// `{"sets": [{"exercise": "squat", "weight_kg": 100, "reps": 5}], "duration_min": 70,
/// "fatigue": 0, "sessions_last_7d": 0, "edited": false}` (the last three optional).
/// The answer carries every intermediate number of §3 (no class or skill multipliers).
pub fn run(input_json: &str) -> Result<Value, CalcError> {
    let input = parse_input(input_json)?;
    let b = strength::session_xp(&input, StrengthOptions::default())?;
    Ok(json!({
        "volume": b.volume,
        "intensity": b.intensity,
        "density": b.density,
        "base": b.base,
        "fatigue": b.fatigue,
        "fatigue_modifier": b.fatigue_modifier,
        "sessions_last_7d": b.sessions_last_7d,
        "consistency_multiplier": b.consistency_multiplier,
        "edit_multiplier": b.edit_multiplier,
        "raw": b.raw,
        "session_xp": b.session_xp,
        "message": b.message,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(count: usize, w: f64, reps: u32, duration: f64, extra: &str) -> String {
        let sets: Vec<String> = (0..count)
            .map(|_| format!(r#"{{"exercise":"squat","weight_kg":{w},"reps":{reps}}}"#))
            .collect();
        format!(
            r#"{{"sets":[{}],"duration_min":{duration}{extra}}}"#,
            sets.join(",")
        )
    }

    fn xp(json: &str) -> i64 {
        run(json).unwrap()["session_xp"].as_i64().unwrap()
    }

    #[test]
    fn the_four_seed_scenarios() {
        assert_eq!(xp(&body(4, 10.0, 15, 25.0, "")), 23);
        assert_eq!(xp(&body(12, 100.0, 5, 70.0, "")), 98);
        let err = run(&body(50, 0.0, 10, 60.0, "")).unwrap_err();
        assert_eq!(err.code, "volume_zero");
        assert_eq!(xp(&body(12, 100.0, 5, 70.0, r#","fatigue":85"#)), 54);
        let out = run(&body(12, 100.0, 5, 70.0, r#","fatigue":85"#)).unwrap();
        assert_eq!(out["fatigue_modifier"], 0.55);
        assert_eq!(out["consistency_multiplier"], 0.8);
        assert_eq!(out["volume"], 6000.0);
        assert!(out["message"].as_str().unwrap().ends_with("Consider rest."));
        for key in [
            "volume",
            "intensity",
            "density",
            "base",
            "fatigue_modifier",
            "consistency_multiplier",
            "session_xp",
            "message",
        ] {
            assert!(out.get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn optional_fields() {
        assert_eq!(
            xp(&body(
                12,
                100.0,
                5,
                70.0,
                r#","sessions_last_7d":1,"edited":false"#
            )),
            110
        );
        assert_eq!(xp(&body(12, 100.0, 5, 70.0, r#","edited":true"#)), 78);
        assert_eq!(xp(&body(12, 100.0, 5, 70.0, r#","fatigue":null"#)), 98);
    }

    #[test]
    fn errors_have_codes_and_never_panic() {
        let cases = [
            ("{not json", "malformed_json"),
            ("[]", "malformed_json"),
            ("", "malformed_json"),
            (r#"{"duration_min": 30}"#, "invalid_field"),
            (r#"{"sets": [], "duration_min": 30}"#, "invalid_field"),
            (
                r#"{"sets": [{"weight_kg": 10}], "duration_min": 30}"#,
                "invalid_field",
            ),
            (
                r#"{"sets": [{"weight_kg": "ten", "reps": 5}], "duration_min": 30}"#,
                "invalid_field",
            ),
            (
                r#"{"sets": [{"weight_kg": 10, "reps": 5.5}], "duration_min": 30}"#,
                "invalid_field",
            ),
            (
                r#"{"sets": [{"weight_kg": 10, "reps": -1}], "duration_min": 30}"#,
                "invalid_field",
            ),
            (
                r#"{"sets": [{"weight_kg": 10, "reps": 5}]}"#,
                "invalid_field",
            ),
            (
                r#"{"sets": [{"weight_kg": 10, "reps": 5}], "duration_min": 19}"#,
                "duration_too_short",
            ),
            (
                r#"{"sets": [{"weight_kg": 10, "reps": 5}], "duration_min": 30, "fatigue": 101}"#,
                "invalid_field",
            ),
            (
                r#"{"sets": [{"weight_kg": 10, "reps": 5}], "duration_min": 30, "edited": "yes"}"#,
                "invalid_field",
            ),
            (
                r#"{"sets": [{"weight_kg": 1e400, "reps": 5}], "duration_min": 30}"#,
                "malformed_json",
            ),
            (
                r#"{"sets": [{"weight_kg": 10, "reps": 1e30}], "duration_min": 30}"#,
                "invalid_field",
            ),
        ];
        for (input, code) in cases {
            let err = run(input).unwrap_err();
            assert_eq!(err.code, code, "{input}");
            let j = err.to_json();
            assert_eq!(j["error"]["code"], code);
            assert!(j["error"]["message"].is_string());
            assert!(j["error"]["details"].is_object(), "{j}");
        }
        let too_many = body(101, 10.0, 5, 30.0, "");
        assert_eq!(run(&too_many).unwrap_err().field.as_deref(), Some("sets"));
    }
}
