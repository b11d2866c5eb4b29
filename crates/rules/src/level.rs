//! Levels and titles (§6): the XP curve `round(50 × L^1.5)` per level, the level of a
//! total, and progress within a level.

use crate::round::round_half_away;
use std::sync::OnceLock;

pub const MAX_LEVEL: u32 = 100;

/// XP needed to go from `level` to `level + 1`: `round(50 × L^1.5)`.
/// Returns 0 at and above the max level (there is no next level) and for level 0.
pub fn xp_to_next(level: u32) -> i64 {
    if level == 0 || level >= MAX_LEVEL {
        return 0;
    }
    round_half_away(50.0 * f64::from(level).powf(1.5))
}

/// Total XP at which each level starts, index = level (index 0 unused).
fn table() -> &'static [i64; MAX_LEVEL as usize + 1] {
    static TABLE: OnceLock<[i64; MAX_LEVEL as usize + 1]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [0i64; MAX_LEVEL as usize + 1];
        for level in 2..=MAX_LEVEL {
            let l = level as usize;
            t[l] = t[l - 1] + xp_to_next(level - 1);
        }
        t
    })
}

/// Total XP at which `level` starts (level 1 → 0). Levels are clamped to 1..=100.
pub fn xp_at_level(level: u32) -> i64 {
    table()[level.clamp(1, MAX_LEVEL) as usize]
}

/// The level of a total XP (1..=100); negative totals are level 1.
pub fn level_for_xp(total_xp: i64) -> u32 {
    let t = table();
    // The table is increasing, so the level is the count of starts at or below the total.
    let reached = t[1..].partition_point(|&start| start <= total_xp);
    (reached as u32).clamp(1, MAX_LEVEL)
}

/// XP earned since the current level started.
pub fn xp_into_level(total_xp: i64) -> i64 {
    total_xp.max(0) - xp_at_level(level_for_xp(total_xp))
}

/// The size of the current level (XP from its start to the next level's start);
/// 0 at the max level. A progress bar is `xp_into_level / xp_for_next_level`.
pub fn xp_for_next_level(total_xp: i64) -> i64 {
    xp_to_next(level_for_xp(total_xp))
}

/// Titles: 1–4 Side Character · 5–9 Supporting Cast · 10–14 Rival ·
/// 15–24 Main Character · 25–39 Hero · 40+ Legend.
pub fn title(level: u32) -> &'static str {
    match level {
        0..=4 => "Side Character",
        5..=9 => "Supporting Cast",
        10..=14 => "Rival",
        15..=24 => "Main Character",
        25..=39 => "Hero",
        _ => "Legend",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_from_the_spec() {
        assert_eq!(xp_at_level(1), 0);
        assert_eq!(xp_at_level(2), 50);
        assert_eq!(xp_at_level(3), 191);
        assert_eq!(xp_at_level(5), 851);
        assert_eq!(xp_at_level(10), 5552);
        assert_eq!(xp_at_level(15), 15998);
        assert_eq!(xp_at_level(20), 33567);
    }

    #[test]
    fn level_boundaries() {
        for (level, start) in [
            (2, 50),
            (3, 191),
            (5, 851),
            (10, 5552),
            (15, 15998),
            (20, 33567),
        ] {
            assert_eq!(level_for_xp(start), level);
            assert_eq!(level_for_xp(start - 1), level - 1);
        }
        assert_eq!(level_for_xp(0), 1);
        assert_eq!(level_for_xp(-40), 1);
        assert_eq!(level_for_xp(i64::MAX), 100);
        assert_eq!(level_for_xp(xp_at_level(100)), 100);
        assert_eq!(level_for_xp(xp_at_level(100) - 1), 99);
    }

    #[test]
    fn progress_within_a_level() {
        assert_eq!(xp_into_level(60), 10);
        assert_eq!(xp_for_next_level(60), 141);
        assert_eq!(xp_into_level(0), 0);
        assert_eq!(xp_for_next_level(0), 50);
        assert_eq!(xp_for_next_level(i64::MAX), 0);
        assert_eq!(xp_to_next(1), 50);
        assert_eq!(xp_to_next(4), 400);
    }

    #[test]
    fn titles() {
        let expect = [
            (1, "Side Character"),
            (4, "Side Character"),
            (5, "Supporting Cast"),
            (9, "Supporting Cast"),
            (10, "Rival"),
            (14, "Rival"),
            (15, "Main Character"),
            (24, "Main Character"),
            (25, "Hero"),
            (39, "Hero"),
            (40, "Legend"),
            (100, "Legend"),
        ];
        for (level, t) in expect {
            assert_eq!(title(level), t, "level {level}");
        }
    }
}

/// A level change caused by one ledger entry, as in the API's `award.level_up`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LevelUp {
    pub from: u32,
    pub to: u32,
    pub title: String,
}

/// The level-up between two totals, if the level rose (a fall returns `None`).
pub fn level_up(old_total: i64, new_total: i64) -> Option<LevelUp> {
    let (from, to) = (level_for_xp(old_total), level_for_xp(new_total));
    (to > from).then(|| LevelUp {
        from,
        to,
        title: title(to).to_string(),
    })
}

#[cfg(test)]
mod level_up_tests {
    use super::*;

    #[test]
    fn level_up_only_when_rising() {
        assert_eq!(
            level_up(840, 900),
            Some(LevelUp {
                from: 4,
                to: 5,
                title: "Supporting Cast".into()
            })
        );
        assert_eq!(level_up(900, 840), None);
        assert_eq!(level_up(60, 70), None);
        assert_eq!(level_up(0, 5552).map(|l| l.to), Some(10));
    }
}
