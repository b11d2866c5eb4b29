//! The single rounding rule of the game: to the nearest integer, halves away from zero.
//! Every XP computation rounds exactly once, through this function.

/// Rounds to the nearest integer with halves away from zero (2.5 → 3, −2.5 → −3).
///
/// Non-finite input cannot come from validated rules input; it maps to 0 rather than
/// panicking, and huge values saturate, because `as` casts from f64 saturate.
pub fn round_half_away(x: f64) -> i64 {
    if x.is_nan() {
        return 0;
    }
    // f64::round already rounds halves away from zero; naming it keeps the rule visible.
    x.round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_go_away_from_zero() {
        assert_eq!(round_half_away(0.5), 1);
        assert_eq!(round_half_away(1.5), 2);
        assert_eq!(round_half_away(2.5), 3);
        assert_eq!(round_half_away(-0.5), -1);
        assert_eq!(round_half_away(-2.5), -3);
        assert_eq!(round_half_away(22.49), 22);
        assert_eq!(round_half_away(22.51), 23);
        assert_eq!(round_half_away(97.78), 98);
        assert_eq!(round_half_away(0.0), 0);
    }

    #[test]
    fn non_finite_never_panics() {
        assert_eq!(round_half_away(f64::NAN), 0);
        assert_eq!(round_half_away(f64::INFINITY), i64::MAX);
        assert_eq!(round_half_away(f64::NEG_INFINITY), i64::MIN);
    }
}
