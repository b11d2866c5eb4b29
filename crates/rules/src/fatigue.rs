//! Fatigue (§5): recovery over time, the gain after training, and the XP modifier
//! (§3 step 5) with the Tenacity variant.

use crate::kind::ActivityKind;
use chrono::{DateTime, Utc};

/// Fatigue never exceeds this.
pub const MAX: u8 = 100;
/// Points recovered per 24 h.
pub const RECOVERY_PER_DAY: i64 = 15;
/// The largest gain a single strength session or run can add.
pub const MAX_GAIN_PER_SESSION: u8 = 25;
/// Gain of a martial arts session.
pub const MARTIAL_ARTS_GAIN: u8 = 10;

/// Current fatigue: `max(0, stored − floor(elapsed_seconds × 15 / 86400))`.
/// A `now` before `set_at` (clock skew) recovers nothing rather than adding fatigue.
pub fn recover(stored: u8, set_at: DateTime<Utc>, now: DateTime<Utc>) -> u8 {
    let elapsed = (now - set_at).num_seconds().max(0);
    let recovered = elapsed.saturating_mul(RECOVERY_PER_DAY) / 86_400;
    let current = i64::from(stored.min(MAX)) - recovered;
    // In 0..=100 after the max, so the cast is lossless.
    current.max(0) as u8
}

/// Fatigue a completed activity adds: strength `min(25, floor(session_xp / 5))`,
/// run `min(25, floor(2 × km))`, martial arts 10, study and wake-up 0.
/// `session_xp` is read only for strength and `distance_km` only for runs.
pub fn gain(kind: ActivityKind, session_xp: i64, distance_km: f64) -> u8 {
    let capped = |x: i64| x.clamp(0, i64::from(MAX_GAIN_PER_SESSION)) as u8;
    match kind {
        ActivityKind::Strength => capped(session_xp.max(0) / 5),
        ActivityKind::Run => {
            let doubled = (2.0 * distance_km).floor();
            if doubled.is_finite() {
                capped(doubled as i64)
            } else {
                0
            }
        }
        ActivityKind::MartialArts => MARTIAL_ARTS_GAIN,
        ActivityKind::Study | ActivityKind::WakeUp => 0,
    }
}

/// Adds a gain to the (already recovered) current fatigue, capped at 100.
pub fn apply_gain(current: u8, gain: u8) -> u8 {
    current.saturating_add(gain).min(MAX)
}

/// §3 step 5: < 40 → 1.00 · 40–59 → 0.85 · 60–79 → 0.70 · ≥ 80 → 0.55.
pub fn modifier(fatigue: u8) -> f64 {
    match fatigue {
        0..=39 => 1.00,
        40..=59 => 0.85,
        60..=79 => 0.70,
        _ => 0.55,
    }
}

/// The Tenacity skill halves the penalty: `1 − (1 − modifier) / 2`.
pub fn with_tenacity(modifier: f64) -> f64 {
    1.0 - (1.0 - modifier) / 2.0
}

/// The modifier actually used, with or without Tenacity.
pub fn effective_modifier(fatigue: u8, tenacity: bool) -> f64 {
    let m = modifier(fatigue);
    if tenacity { with_tenacity(m) } else { m }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn modifier_boundaries() {
        assert_eq!(modifier(0), 1.0);
        assert_eq!(modifier(39), 1.0);
        assert_eq!(modifier(40), 0.85);
        assert_eq!(modifier(59), 0.85);
        assert_eq!(modifier(60), 0.70);
        assert_eq!(modifier(79), 0.70);
        assert_eq!(modifier(80), 0.55);
        assert_eq!(modifier(100), 0.55);
    }

    #[test]
    fn tenacity_halves_the_penalty() {
        assert!((with_tenacity(0.55) - 0.775).abs() < 1e-12);
        assert!((with_tenacity(0.70) - 0.85).abs() < 1e-12);
        assert!((with_tenacity(0.85) - 0.925).abs() < 1e-12);
        assert_eq!(with_tenacity(1.0), 1.0);
        assert_eq!(effective_modifier(10, true), 1.0);
    }

    #[test]
    fn recovery_is_fifteen_a_day_floored() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(recover(50, t0, t0), 50);
        assert_eq!(recover(50, t0, t0 + Duration::hours(24)), 35);
        // 5759 s × 15 / 86400 = 0.99... → nothing yet; 5760 s → 1.
        assert_eq!(recover(50, t0, t0 + Duration::seconds(5759)), 50);
        assert_eq!(recover(50, t0, t0 + Duration::seconds(5760)), 49);
        assert_eq!(recover(50, t0, t0 + Duration::days(10)), 0);
        assert_eq!(recover(50, t0, t0 - Duration::hours(5)), 50);
        assert_eq!(recover(200, t0, t0), 100);
    }

    #[test]
    fn gains_per_kind() {
        assert_eq!(gain(ActivityKind::Strength, 98, 0.0), 19);
        assert_eq!(gain(ActivityKind::Strength, 150, 0.0), 25);
        assert_eq!(gain(ActivityKind::Strength, 23, 0.0), 4);
        assert_eq!(gain(ActivityKind::Run, 0, 5.4), 10);
        assert_eq!(gain(ActivityKind::Run, 0, 30.0), 25);
        assert_eq!(gain(ActivityKind::Run, 0, f64::NAN), 0);
        assert_eq!(gain(ActivityKind::MartialArts, 0, 0.0), 10);
        assert_eq!(gain(ActivityKind::Study, 0, 0.0), 0);
        assert_eq!(gain(ActivityKind::WakeUp, 0, 0.0), 0);
        assert_eq!(apply_gain(90, 25), 100);
        assert_eq!(apply_gain(10, 19), 29);
    }
}
