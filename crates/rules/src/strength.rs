//! Strength session XP (§3): volume, intensity, density, the base formula, the fatigue,
//! consistency and edit multipliers, the clamp, and the system message.

use crate::error::{ErrorCode, RuleError, check_range};
use crate::fatigue;
use crate::round::round_half_away;
use serde::{Deserialize, Serialize};

/// The lowest session XP of an accepted session.
pub const FLOOR: i64 = 20;
/// The normal ceiling.
pub const CEILING: i64 = 120;
/// The ceiling with Limit Breaker (Brawler, level 20).
pub const LIMIT_BREAKER_CEILING: i64 = 150;
/// A session shorter than this is rejected.
pub const MIN_DURATION_MIN: f64 = 20.0;
/// A single session cannot last more than a day (the spec is silent; see docs/rules.md).
pub const MAX_DURATION_MIN: f64 = 1440.0;
pub const MAX_SETS: usize = 100;
pub const MAX_WEIGHT_KG: f64 = 500.0;
pub const MAX_REPS: u32 = 100;
/// Multiplier of an edited session (§3 step 7).
pub const EDIT_MULTIPLIER: f64 = 0.8;

const MSG_EXCEPTIONAL: &str = "Exceptional output. Limits are being rewritten.";
const MSG_SIGNIFICANT: &str = "Significant training load registered. Adaptation in progress.";
const MSG_STRESS: &str = "Training stress registered. Growth has begun.";
const MSG_RECOVERY: &str = "Recovery session logged. Rest is also training.";
const MSG_EXHAUSTED: &str = "Training while exhausted is less effective. Consider rest.";

/// One set of an exercise. `weight_kg` 0 means bodyweight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Set {
    pub exercise: String,
    pub weight_kg: f64,
    pub reps: u32,
}

/// Everything §3 needs about one session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrengthInput {
    pub sets: Vec<Set>,
    pub duration_min: f64,
    /// Current fatigue after recovery, 0–100.
    pub fatigue: u8,
    /// Strength sessions completed in the 7×24 h before this one.
    pub sessions_last_7d: u32,
    pub edited: bool,
}

/// The skills that change §3: Limit Breaker raises the ceiling, Tenacity halves the
/// fatigue penalty. `Default` is a player with neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrengthOptions {
    pub ceiling: i64,
    pub tenacity: bool,
}

impl Default for StrengthOptions {
    fn default() -> Self {
        StrengthOptions {
            ceiling: CEILING,
            tenacity: false,
        }
    }
}

/// Every intermediate number of §3, so the award can show its working.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrengthBreakdown {
    pub volume: f64,
    pub intensity: f64,
    pub density: f64,
    /// Step 4, before any multiplier.
    pub base: f64,
    /// The fatigue input (kept so an edit can recompute with the same value).
    pub fatigue: u8,
    /// The modifier applied in step 5 (after Tenacity, when active).
    pub fatigue_modifier: f64,
    /// Whether Tenacity halved the fatigue penalty.
    pub tenacity: bool,
    /// `n`, kept so an edit can recompute with the same value.
    pub sessions_last_7d: u32,
    pub consistency_multiplier: f64,
    pub edit_multiplier: f64,
    /// Base × all multipliers, before rounding and clamping.
    pub raw: f64,
    /// The clamp ceiling used (120, or 150 with Limit Breaker).
    pub ceiling: i64,
    pub session_xp: i64,
    pub message: String,
}

/// §3 step 2: intensity factor of a rep count.
pub fn intensity_factor(reps: u32) -> f64 {
    f64::from(intensity_hundredths(reps)) / 100.0
}

/// The intensity table in hundredths: ≤ 5 → 130 · 6–8 → 115 · 9–15 → 100 ·
/// 16–20 → 90 · ≥ 21 → 80.
fn intensity_hundredths(reps: u32) -> u32 {
    match reps {
        0..=5 => 130,
        6..=8 => 115,
        9..=15 => 100,
        16..=20 => 90,
        _ => 80,
    }
}

/// §3 step 6: consistency multiplier by strength sessions in the previous 7×24 h.
pub fn consistency_multiplier(n: u32) -> f64 {
    match n {
        0 => 0.80,
        1 => 0.90,
        2 => 1.00,
        3 => 1.10,
        4 => 1.20,
        _ => 1.25,
    }
}

/// The system message for a session XP and fatigue.
pub fn message(session_xp: i64, fatigue: u8) -> String {
    let head = match session_xp {
        x if x >= 100 => MSG_EXCEPTIONAL,
        x if x >= 70 => MSG_SIGNIFICANT,
        x if x >= 45 => MSG_STRESS,
        _ => MSG_RECOVERY,
    };
    if fatigue >= 80 {
        format!("{head} {MSG_EXHAUSTED}")
    } else {
        head.to_string()
    }
}

/// Checks every field of a session; the error names the first offending field.
pub fn validate(sets: &[Set], duration_min: f64) -> Result<(), RuleError> {
    if sets.is_empty() || sets.len() > MAX_SETS {
        return Err(RuleError::invalid(
            "sets",
            format!("a session has 1 to {MAX_SETS} sets, got {}", sets.len()),
        ));
    }
    for (i, set) in sets.iter().enumerate() {
        // The field name is only formatted on failure: this loop is on the hot path.
        if !(0.0..=MAX_WEIGHT_KG).contains(&set.weight_kg) {
            let field = format!("sets[{i}].weight_kg");
            let fallback = RuleError::invalid(&field, "weight_kg is out of range");
            return Err(check_range(&field, set.weight_kg, 0.0, MAX_WEIGHT_KG)
                .err()
                .unwrap_or(fallback));
        }
        if set.reps == 0 || set.reps > MAX_REPS {
            return Err(RuleError::invalid(
                format!("sets[{i}].reps"),
                format!("reps must be between 1 and {MAX_REPS}, got {}", set.reps),
            ));
        }
    }
    if !duration_min.is_finite() || duration_min < 0.0 {
        return Err(RuleError::invalid(
            "duration_min",
            "duration_min must be a finite, non-negative number",
        ));
    }
    if duration_min < MIN_DURATION_MIN {
        return Err(RuleError::new(
            ErrorCode::DurationTooShort,
            "duration_min",
            format!("a strength session lasts at least 20 minutes, got {duration_min}"),
        ));
    }
    check_range(
        "duration_min",
        duration_min,
        MIN_DURATION_MIN,
        MAX_DURATION_MIN,
    )?;
    if volume(sets) <= 0.0 {
        return Err(RuleError::new(
            ErrorCode::VolumeZero,
            "sets",
            "the session has no weighted sets (volume 0), so it earns no XP",
        ));
    }
    Ok(())
}

/// §3 step 1: Σ weight × reps.
pub fn volume(sets: &[Set]) -> f64 {
    sets.iter().map(|s| s.weight_kg * f64::from(s.reps)).sum()
}

/// §3 steps 1–8. Rejects with `duration_too_short` / `volume_zero` / `invalid_field`.
pub fn session_xp(
    input: &StrengthInput,
    options: StrengthOptions,
) -> Result<StrengthBreakdown, RuleError> {
    validate(&input.sets, input.duration_min)?;
    if input.fatigue > fatigue::MAX {
        return Err(RuleError::invalid(
            "fatigue",
            format!("fatigue must be between 0 and 100, got {}", input.fatigue),
        ));
    }
    if options.ceiling < FLOOR {
        return Err(RuleError::invalid(
            "ceiling",
            "the ceiling cannot be below the floor",
        ));
    }

    let volume = volume(&input.sets);
    // Bodyweight sets add nothing to volume, so they are left out of the intensity mean
    // too: otherwise padding a session with easy bodyweight sets would move its XP.
    // Summed in integer hundredths so that, e.g., twelve sets of 1.30 average to
    // exactly 1.30 rather than 1.3000000000000003.
    let (hundredths, count) = input
        .sets
        .iter()
        .filter(|s| s.weight_kg > 0.0)
        .fold((0u32, 0u32), |(sum, count), s| {
            (sum + intensity_hundredths(s.reps), count + 1)
        });
    // validate() guarantees volume > 0, hence at least one weighted set.
    let intensity = f64::from(hundredths) / (100.0 * f64::from(count.max(1)));
    let duration = input.duration_min;
    let density = volume / duration;
    let base = (volume.sqrt() * 0.5 + density * 0.4 + duration * 0.3) * intensity;
    let fatigue_modifier = fatigue::effective_modifier(input.fatigue, options.tenacity);
    let consistency = consistency_multiplier(input.sessions_last_7d);
    let edit_multiplier = if input.edited { EDIT_MULTIPLIER } else { 1.0 };
    let raw = base * fatigue_modifier * consistency * edit_multiplier;
    let session_xp = round_half_away(raw).clamp(FLOOR, options.ceiling);

    Ok(StrengthBreakdown {
        volume,
        intensity,
        density,
        base,
        fatigue: input.fatigue,
        fatigue_modifier,
        tenacity: options.tenacity && fatigue::modifier(input.fatigue) < 1.0,
        sessions_last_7d: input.sessions_last_7d,
        consistency_multiplier: consistency,
        edit_multiplier,
        raw,
        ceiling: options.ceiling,
        session_xp,
        message: message(session_xp, input.fatigue),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn sets(count: usize, weight_kg: f64, reps: u32) -> Vec<Set> {
        (0..count)
            .map(|_| Set {
                exercise: "squat".into(),
                weight_kg,
                reps,
            })
            .collect()
    }

    pub(crate) fn input(sets: Vec<Set>, duration_min: f64, fatigue: u8) -> StrengthInput {
        StrengthInput {
            sets,
            duration_min,
            fatigue,
            sessions_last_7d: 0,
            edited: false,
        }
    }

    fn xp(i: &StrengthInput) -> i64 {
        session_xp(i, StrengthOptions::default())
            .unwrap()
            .session_xp
    }

    #[test]
    fn seed_light_recovery_is_23() {
        let b = session_xp(&input(sets(4, 10.0, 15), 25.0, 0), Default::default()).unwrap();
        assert_eq!(b.volume, 600.0);
        assert_eq!(b.intensity, 1.0);
        assert_eq!(b.density, 24.0);
        assert_eq!(b.session_xp, 23);
        assert_eq!(b.message, MSG_RECOVERY);
    }

    #[test]
    fn seed_heavy_compound_is_98() {
        let b = session_xp(&input(sets(12, 100.0, 5), 70.0, 0), Default::default()).unwrap();
        assert_eq!(b.volume, 6000.0);
        assert_eq!(b.intensity, 1.3);
        assert_eq!(b.session_xp, 98);
        assert_eq!(b.message, MSG_SIGNIFICANT);
    }

    #[test]
    fn seed_volume_spam_is_rejected() {
        let err = session_xp(&input(sets(50, 0.0, 10), 60.0, 0), Default::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::VolumeZero);
        assert_eq!(err.field.as_deref(), Some("sets"));
    }

    #[test]
    fn seed_heavy_while_exhausted_is_54() {
        let b = session_xp(&input(sets(12, 100.0, 5), 70.0, 85), Default::default()).unwrap();
        assert_eq!(b.fatigue_modifier, 0.55);
        assert_eq!(b.session_xp, 54);
        assert_eq!(b.message, format!("{MSG_STRESS} {MSG_EXHAUSTED}"));
    }

    #[test]
    fn short_session_is_rejected() {
        let err = session_xp(&input(sets(4, 50.0, 5), 19.9, 0), Default::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::DurationTooShort);
        assert_eq!(err.field.as_deref(), Some("duration_min"));
        assert!(session_xp(&input(sets(4, 50.0, 5), 20.0, 0), Default::default()).is_ok());
    }

    #[test]
    fn rep_range_boundaries() {
        for (reps, f) in [
            (1, 1.30),
            (5, 1.30),
            (6, 1.15),
            (8, 1.15),
            (9, 1.00),
            (15, 1.00),
            (16, 0.90),
            (20, 0.90),
            (21, 0.80),
            (100, 0.80),
        ] {
            assert_eq!(intensity_factor(reps), f, "reps {reps}");
            let b = session_xp(&input(sets(3, 40.0, reps), 30.0, 0), Default::default()).unwrap();
            assert_eq!(b.intensity, f, "session intensity at reps {reps}");
        }
    }

    #[test]
    fn intensity_is_a_mean_over_weighted_sets_only() {
        let mut s = sets(1, 100.0, 5); // 1.30
        s.extend(sets(1, 100.0, 21)); // 0.80
        s.extend(sets(5, 0.0, 3)); // bodyweight, ignored
        let b = session_xp(&input(s, 40.0, 0), Default::default()).unwrap();
        assert!((b.intensity - 1.05).abs() < 1e-12);
    }

    #[test]
    fn fatigue_boundaries_in_a_session() {
        let at = |f: u8| {
            session_xp(&input(sets(12, 100.0, 5), 70.0, f), Default::default())
                .unwrap()
                .fatigue_modifier
        };
        assert_eq!(at(39), 1.00);
        assert_eq!(at(40), 0.85);
        assert_eq!(at(59), 0.85);
        assert_eq!(at(60), 0.70);
        assert_eq!(at(79), 0.70);
        assert_eq!(at(80), 0.55);
        let err = session_xp(&input(sets(1, 10.0, 5), 30.0, 101), Default::default());
        assert_eq!(err.unwrap_err().field.as_deref(), Some("fatigue"));
    }

    #[test]
    fn exhausted_sentence_starts_at_80() {
        let m79 = session_xp(&input(sets(12, 100.0, 5), 70.0, 79), Default::default()).unwrap();
        let m80 = session_xp(&input(sets(12, 100.0, 5), 70.0, 80), Default::default()).unwrap();
        assert!(!m79.message.contains(MSG_EXHAUSTED));
        assert!(m80.message.ends_with(MSG_EXHAUSTED));
    }

    #[test]
    fn consistency_table() {
        let expected = [0.80, 0.90, 1.00, 1.10, 1.20, 1.25, 1.25];
        for (n, m) in expected.into_iter().enumerate() {
            assert_eq!(consistency_multiplier(n as u32), m, "n = {n}");
        }
        assert_eq!(consistency_multiplier(u32::MAX), 1.25);
        // Heavy compound with n = 2 is the unmultiplied base: 122.22 → 122 → clamped 120.
        let mut i = input(sets(12, 100.0, 5), 70.0, 0);
        let mut xps = vec![];
        for n in 0..=6 {
            i.sessions_last_7d = n;
            xps.push(xp(&i));
        }
        assert_eq!(xps, vec![98, 110, 120, 120, 120, 120, 120]);
        // The light session shows every step: 29.35 × m.
        let mut light = input(sets(4, 10.0, 15), 25.0, 0);
        let mut xps = vec![];
        for n in 0..=6 {
            light.sessions_last_7d = n;
            xps.push(xp(&light));
        }
        assert_eq!(xps, vec![23, 26, 29, 32, 35, 37, 37]);
    }

    #[test]
    fn edit_multiplier_is_point_eight() {
        let mut i = input(sets(12, 100.0, 5), 70.0, 0);
        i.edited = true;
        let b = session_xp(&i, Default::default()).unwrap();
        assert_eq!(b.edit_multiplier, 0.8);
        // 122.22 × 0.8 × 0.8 = 78.22
        assert_eq!(b.session_xp, 78);
    }

    #[test]
    fn clamps_at_20_120_and_150() {
        // A tiny session: 1 × 1 kg × 1 rep in 20 min → raw ≈ 5.5 → 20.
        let tiny = session_xp(&input(sets(1, 1.0, 1), 20.0, 0), Default::default()).unwrap();
        assert!(tiny.raw < 20.0);
        assert_eq!(tiny.session_xp, 20);
        // A monster session: 100 × 500 kg × 5 in 60 min.
        let mut big = input(sets(100, 500.0, 5), 60.0, 0);
        big.sessions_last_7d = 5;
        let b = session_xp(&big, Default::default()).unwrap();
        assert!(b.raw > 150.0);
        assert_eq!(b.session_xp, 120);
        let lb = StrengthOptions {
            ceiling: LIMIT_BREAKER_CEILING,
            tenacity: false,
        };
        assert_eq!(session_xp(&big, lb).unwrap().session_xp, 150);
        // Between the ceilings Limit Breaker lets the rounded value through.
        let mid = input(sets(12, 100.0, 5), 70.0, 0);
        let mut mid = mid;
        mid.sessions_last_7d = 3; // 122.22 × 1.1 = 134.44
        assert_eq!(xp(&mid), 120);
        assert_eq!(session_xp(&mid, lb).unwrap().session_xp, 134);
    }

    #[test]
    fn tenacity_softens_fatigue() {
        let opts = StrengthOptions {
            ceiling: CEILING,
            tenacity: true,
        };
        let b = session_xp(&input(sets(12, 100.0, 5), 70.0, 85), opts).unwrap();
        assert!((b.fatigue_modifier - 0.775).abs() < 1e-12);
        assert!(b.tenacity);
        // 122.22 × 0.775 × 0.8 = 75.78
        assert_eq!(b.session_xp, 76);
    }

    #[test]
    fn validation_names_fields() {
        let cases: Vec<(StrengthInput, &str)> = vec![
            (input(vec![], 30.0, 0), "sets"),
            (input(sets(101, 10.0, 5), 30.0, 0), "sets"),
            (input(sets(2, 500.5, 5), 30.0, 0), "sets[0].weight_kg"),
            (input(sets(2, -1.0, 5), 30.0, 0), "sets[0].weight_kg"),
            (input(sets(2, f64::NAN, 5), 30.0, 0), "sets[0].weight_kg"),
            (input(sets(2, 10.0, 0), 30.0, 0), "sets[0].reps"),
            (input(sets(2, 10.0, 101), 30.0, 0), "sets[0].reps"),
            (input(sets(2, 10.0, 5), f64::INFINITY, 0), "duration_min"),
            (input(sets(2, 10.0, 5), 1441.0, 0), "duration_min"),
        ];
        for (i, field) in cases {
            let err = session_xp(&i, Default::default()).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidField, "{field}");
            assert_eq!(err.field.as_deref(), Some(field));
        }
        assert!(session_xp(&input(sets(100, 500.0, 100), 30.0, 100), Default::default()).is_ok());
    }

    fn arb_set() -> impl Strategy<Value = Set> {
        (0.0f64..=500.0, 1u32..=100).prop_map(|(w, r)| Set {
            exercise: "x".into(),
            weight_kg: w,
            reps: r,
        })
    }

    fn arb_session() -> impl Strategy<Value = StrengthInput> {
        (
            prop::collection::vec(arb_set(), 1..=60),
            20.0f64..=300.0,
            0u8..=100,
            0u32..=10,
            any::<bool>(),
        )
            .prop_map(|(mut sets, d, f, n, e)| {
                // Guarantee a weighted set so the session is valid.
                sets[0].weight_kg = sets[0].weight_kg.max(1.0);
                StrengthInput {
                    sets,
                    duration_min: d,
                    fatigue: f,
                    sessions_last_7d: n,
                    edited: e,
                }
            })
    }

    proptest! {
        #[test]
        fn xp_is_within_floor_and_ceiling(s in arb_session(), lb in any::<bool>(), ten in any::<bool>()) {
            let ceiling = if lb { LIMIT_BREAKER_CEILING } else { CEILING };
            let b = session_xp(&s, StrengthOptions { ceiling, tenacity: ten }).unwrap();
            prop_assert!((FLOOR..=ceiling).contains(&b.session_xp));
        }

        #[test]
        fn bodyweight_sets_change_nothing(s in arb_session(), extra in 1usize..=40, reps in 1u32..=100) {
            prop_assume!(s.sets.len() + extra <= MAX_SETS);
            let before = session_xp(&s, Default::default()).unwrap();
            let mut padded = s.clone();
            padded.sets.extend(sets(extra, 0.0, reps));
            let after = session_xp(&padded, Default::default()).unwrap();
            prop_assert_eq!(before.volume, after.volume);
            prop_assert_eq!(before.intensity, after.intensity);
            prop_assert_eq!(before.density, after.density);
            prop_assert_eq!(before.session_xp, after.session_xp);
        }

        #[test]
        fn more_weight_never_lowers_xp(s in arb_session(), idx in any::<prop::sample::Index>(), add in 0.0f64..=100.0) {
            let before = session_xp(&s, Default::default()).unwrap();
            let mut heavier = s.clone();
            let i = idx.index(heavier.sets.len());
            // Moving a bodyweight set to weighted changes the intensity mean, so only
            // add weight to sets that already carry some.
            prop_assume!(heavier.sets[i].weight_kg > 0.0);
            heavier.sets[i].weight_kg = (heavier.sets[i].weight_kg + add).min(MAX_WEIGHT_KG);
            let after = session_xp(&heavier, Default::default()).unwrap();
            prop_assert!(after.session_xp >= before.session_xp);
            prop_assert!(after.raw >= before.raw);
        }

        #[test]
        fn doubling_sets_less_than_doubles_xp(count in 4usize..=50, w in 20.0f64..=500.0, reps in 1u32..=100, d in 20.0f64..=240.0) {
            let one = session_xp(&input(sets(count, w, reps), d, 0), Default::default()).unwrap();
            let two = session_xp(&input(sets(count * 2, w, reps), d, 0), Default::default()).unwrap();
            prop_assert!(two.raw < 2.0 * one.raw);
            prop_assert!(two.session_xp < 2 * one.session_xp);
            prop_assert!(two.session_xp >= one.session_xp);
        }
    }
}
