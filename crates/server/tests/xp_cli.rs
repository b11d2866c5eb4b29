//! `shonen xp`: the strength-session calculator, through the real binary.

use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};

fn xp(input: &str) -> (bool, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shonen"))
        .arg("xp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run shonen xp");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    (out.status.success(), value)
}

fn session(sets: usize, kg: f64, reps: u32, minutes: f64, fatigue: u32) -> String {
    let sets: Vec<Value> = (0..sets)
        .map(|_| json!({"exercise": "squat", "weight_kg": kg, "reps": reps}))
        .collect();
    json!({"sets": sets, "duration_min": minutes, "fatigue": fatigue, "sessions_last_7d": 0, "edited": false})
        .to_string()
}

#[test]
fn seed_scenarios() {
    let (ok, light) = xp(&session(4, 10.0, 15, 25.0, 0));
    assert!(ok);
    assert_eq!(light["session_xp"], 23);
    for field in [
        "volume",
        "intensity",
        "density",
        "base",
        "fatigue_modifier",
        "consistency_multiplier",
        "message",
    ] {
        assert!(light.get(field).is_some(), "missing {field}");
    }
    assert_eq!(light["volume"], 600.0);
    let (ok, heavy) = xp(&session(12, 100.0, 5, 70.0, 0));
    assert!(ok);
    assert_eq!(heavy["session_xp"], 98);
    let (ok, exhausted) = xp(&session(12, 100.0, 5, 70.0, 85));
    assert!(ok);
    assert_eq!(exhausted["session_xp"], 54);
    assert!(
        exhausted["message"]
            .as_str()
            .unwrap()
            .contains("Training while exhausted is less effective. Consider rest.")
    );
    let (ok, spam) = xp(&session(50, 0.0, 10, 60.0, 0));
    assert!(!ok, "rejected sessions exit non-zero");
    assert_eq!(spam["error"]["code"], "volume_zero");
    assert!(spam["error"]["message"].as_str().is_some());
    // The weekly count by the spec's own name, `n`: 5 sessions → ×1.25.
    let sets = vec![json!({"exercise": "squat", "weight_kg": 100, "reps": 5}); 12];
    let with_n = json!({"sets": sets, "duration_min": 70, "n": 5}).to_string();
    let (ok, counted) = xp(&with_n);
    assert!(ok, "{counted}");
    assert_eq!(counted["consistency_multiplier"], 1.25, "{counted}");
}

#[test]
fn bad_input_is_a_json_error_not_a_panic() {
    for input in [
        "",
        "{",
        "[]",
        "{\"sets\": []}",
        "{\"sets\": [{\"exercise\": \"x\", \"weight_kg\": -5, \"reps\": 5}], \"duration_min\": 30}",
    ] {
        let (ok, v) = xp(input);
        assert!(!ok, "{input:?} accepted");
        assert!(v["error"]["code"].as_str().is_some(), "{input:?} → {v}");
    }
}
