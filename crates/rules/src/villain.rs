//! Weekly boss battles (§9): the procedural villain of an ISO week (same for everyone),
//! its three objectives scaled to a player's level, boss HP from a week's progress,
//! and the rewards, badge and escape cutscene.
//!
//! The generator is procedural and deterministic. An optional text-generation villain
//! belongs in the server, behind its own interface, falling back to [`generate`].

use crate::error::RuleError;
use crate::rng::{SplitMix64, fnv1a};
use crate::stat::Stat;
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

pub const HP_MAX: i64 = 300;
/// Each of the three objectives is a third of the HP.
pub const HP_PER_OBJECTIVE: i64 = 100;
/// XP to the weakness stat for a defeat.
pub const DEFEAT_XP: i64 = 150;
/// Penalty when the boss is alive at week's end.
pub const ESCAPE_PENALTY: i64 = 75;

const VICES: [&str; 26] = [
    "Laziness",
    "Procrastination",
    "Doomscroll",
    "Snooze Button",
    "Excuse",
    "Couch",
    "Junk Food",
    "Slacking",
    "Distraction",
    "Complacency",
    "Sloth",
    "Hesitation",
    "Burnout",
    "Self-Doubt",
    "Binge-Watch",
    "Midnight Snack",
    "Skip Day",
    "Comfort Zone",
    "Overthinking",
    "Sugar Rush",
    "Half-Rep",
    "Tomorrow",
    "Notification",
    "Cheat Day",
    "Elevator",
    "Blanket",
];

const TITLES: [&str; 20] = [
    "Demon",
    "Overlord",
    "Phantom",
    "Tyrant",
    "Warlord",
    "Specter",
    "Titan",
    "Shogun",
    "Hydra",
    "Golem",
    "Emperor",
    "Wraith",
    "Behemoth",
    "Sorcerer",
    "Ogre",
    "Kaiser",
    "Leviathan",
    "Oni",
    "Baron",
    "Colossus",
];

const EPITHETS: [&str; 16] = [
    "Devourer of Mornings",
    "the Couch-Bound",
    "Keeper of Unfinished Sets",
    "Lord of the Lazy Sunday",
    "the Whisperer of 'Just Five More Minutes'",
    "Breaker of Streaks",
    "the Unwashed Gym Bag",
    "Herald of Tomorrow",
    "the Endless Scroll",
    "Sovereign of the Snack Drawer",
    "the Skipped Leg Day",
    "Warden of the Comfort Zone",
    "the Soft Pillow Menace",
    "Eater of Good Intentions",
    "the Yawning Abyss",
    "King of 'I'll Start Monday'",
];

const TAUNTS: [&str; 10] = [
    "Your training arc ends here, side character.",
    "Rest a little longer. You've earned it... haven't you?",
    "Heroes train. You scroll.",
    "I've watched a hundred of you quit by Wednesday.",
    "Your streak is a rumour, and I am its ending.",
    "Come at me when your legs stop shaking.",
    "Even your alarm clock has given up on you.",
    "Every skipped day feeds me. I am SO full.",
    "Power-up music won't save you this time.",
    "Go ahead, open the app. Then close it again.",
];

const CUTSCENES: [&str; 6] = [
    "{villain} strolls off your screen eating your protein bar. \"Same time next week, {weakness} weakling?\" The credits roll over a montage of your unused running shoes.",
    "A narrator sighs: \"And so {villain} escaped, because our hero chose the couch.\" The camera zooms in on a half-finished to-do list.",
    "{villain} poses on a rooftop. Your rival walks past, shakes their head, and buys the villain a drink. Your {weakness} stat hides in shame.",
    "The dojo doors slam. {villain} has taped a note to your locker: \"Thanks for the free week. -V\". The whole class saw it.",
    "Flashback episode! Everyone remembers the week {villain} got away. Nobody remembers you. Not even the narrator.",
    "{villain} laughs for a full 22-minute episode. Filler arc confirmed. Your {weakness} training was the filler.",
];

/// The objective templates a villain draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveKind {
    RunKm,
    StrengthSessions,
    StudyHours,
    MartialArtsSessions,
    WakeUps,
    TrainingDays,
}

impl ObjectiveKind {
    const ALL: [ObjectiveKind; 6] = [
        ObjectiveKind::RunKm,
        ObjectiveKind::StrengthSessions,
        ObjectiveKind::StudyHours,
        ObjectiveKind::MartialArtsSessions,
        ObjectiveKind::WakeUps,
        ObjectiveKind::TrainingDays,
    ];

    /// The template that trains a stat (so the villain's weakness is always reachable).
    fn for_stat(stat: Stat) -> ObjectiveKind {
        match stat {
            Stat::Strength => ObjectiveKind::StrengthSessions,
            Stat::Agility => ObjectiveKind::RunKm,
            Stat::Intelligence => ObjectiveKind::StudyHours,
            Stat::Fighting => ObjectiveKind::MartialArtsSessions,
            Stat::Discipline => ObjectiveKind::WakeUps,
        }
    }

    /// The target for a player level (clamped to 1..=100): grows with level, capped.
    pub fn target(self, level: u32) -> f64 {
        let l = level.clamp(1, 100);
        let t = match self {
            ObjectiveKind::RunKm => (10 + l / 2).min(60),
            ObjectiveKind::StrengthSessions => (2 + l / 15).min(6),
            ObjectiveKind::StudyHours => (3 + l / 8).min(15),
            ObjectiveKind::MartialArtsSessions => (1 + l / 15).min(5),
            ObjectiveKind::WakeUps => (3 + l / 20).min(7),
            ObjectiveKind::TrainingDays => (3 + l / 25).min(7),
        };
        f64::from(t)
    }

    fn text(self, target: f64) -> String {
        // "1 session", "2 sessions".
        let s = if target == 1.0 { "" } else { "s" };
        match self {
            ObjectiveKind::RunKm => format!("Run {target} km"),
            ObjectiveKind::StrengthSessions => format!("Complete {target} strength session{s}"),
            ObjectiveKind::StudyHours => format!("Study {target} hour{s}"),
            ObjectiveKind::MartialArtsSessions => {
                format!("Finish {target} martial arts session{s}")
            }
            ObjectiveKind::WakeUps => {
                if target == 1.0 {
                    "Wake up on target once".to_string()
                } else {
                    format!("Wake up on target {target} times")
                }
            }
            ObjectiveKind::TrainingDays => format!("Train on {target} different day{s}"),
        }
    }

    fn progress(self, week: &WeekSummary) -> f64 {
        let v = match self {
            ObjectiveKind::RunKm => week.run_km,
            ObjectiveKind::StrengthSessions => f64::from(week.strength_sessions),
            ObjectiveKind::StudyHours => week.study_minutes / 60.0,
            ObjectiveKind::MartialArtsSessions => f64::from(week.martial_arts_sessions),
            ObjectiveKind::WakeUps => f64::from(week.wake_ups),
            ObjectiveKind::TrainingDays => f64::from(week.training_days),
        };
        if v.is_finite() { v.max(0.0) } else { 0.0 }
    }
}

/// One objective for one player.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    pub kind: ObjectiveKind,
    pub text: String,
    pub target: f64,
}

/// The week's villain, the same for every player.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Villain {
    /// `"2025-W03"`.
    pub week: String,
    pub iso_year: i32,
    pub iso_week: u32,
    pub name: String,
    pub epithet: String,
    pub taunt: String,
    pub weakness: Stat,
    pub objective_kinds: Vec<ObjectiveKind>,
    /// The rare reward for defeating it.
    pub badge: String,
    /// The scene shown once if it escapes.
    pub cutscene: String,
}

impl Villain {
    /// The three objectives with targets scaled to `level`.
    pub fn objectives_for(&self, level: u32) -> Vec<Objective> {
        self.objective_kinds
            .iter()
            .map(|kind| {
                let target = kind.target(level);
                Objective {
                    kind: *kind,
                    text: kind.text(target),
                    target,
                }
            })
            .collect()
    }
}

/// What a player did in the villain's week (local time), summed by the server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WeekSummary {
    pub run_km: f64,
    pub strength_sessions: u32,
    pub study_minutes: f64,
    pub martial_arts_sessions: u32,
    /// Accepted wake-ups (each on target by construction).
    pub wake_ups: u32,
    /// Distinct local dates with training.
    pub training_days: u32,
}

/// An objective with the player's progress, as in the API's `boss.objectives`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveProgress {
    pub text: String,
    pub target: f64,
    pub progress: f64,
    pub done: bool,
}

/// The boss's state for one player.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BossProgress {
    pub hp: i64,
    pub hp_max: i64,
    pub objectives: Vec<ObjectiveProgress>,
    /// All three objectives done.
    pub defeated: bool,
}

/// Damage is proportional to progress: each objective deals up to 100 HP,
/// `floor(100 × min(progress / target, 1))`.
pub fn progress(objectives: &[Objective], week: &WeekSummary) -> BossProgress {
    let mut damage = 0;
    let rows: Vec<ObjectiveProgress> = objectives
        .iter()
        .map(|o| {
            // Sums of decimals (0.1 + 8.2 + 1.7 km) miss by the last bit of a
            // double: progress counts in millionths, and the share of HP is
            // floored only after that (3.3 km of 10 is 33 HP, not 32).
            let p = (o.kind.progress(week) * 1e6).round() / 1e6;
            let share = if o.target > 0.0 {
                (p * HP_PER_OBJECTIVE as f64 / o.target + 1e-9).min(HP_PER_OBJECTIVE as f64)
            } else {
                HP_PER_OBJECTIVE as f64
            };
            damage += share.floor() as i64;
            ObjectiveProgress {
                text: o.text.clone(),
                target: o.target,
                // Two decimals are plenty for display (km, hours), cut rather than
                // rounded: 9.999 of 10 km shows 9.99, never a full 10 not done.
                progress: ((p * 100.0) + 1e-9).floor() / 100.0,
                done: p >= o.target,
            }
        })
        .collect();
    let hp_max = HP_PER_OBJECTIVE * rows.len() as i64;
    BossProgress {
        hp: (hp_max - damage).max(0),
        hp_max,
        defeated: !rows.is_empty() && rows.iter().all(|r| r.done),
        objectives: rows,
    }
}

/// The ISO (year, week) of a local date.
pub fn iso_week_of(date: NaiveDate) -> (i32, u32) {
    let w = date.iso_week();
    (w.year(), w.week())
}

/// The villain of an ISO week. Errors only for a week that does not exist.
pub fn generate(iso_year: i32, iso_week: u32) -> Result<Villain, RuleError> {
    let monday = NaiveDate::from_isoywd_opt(iso_year, iso_week, Weekday::Mon).ok_or_else(|| {
        RuleError::invalid(
            "week",
            format!("{iso_year}-W{iso_week:02} is not an ISO week"),
        )
    })?;
    // Consecutive weeks get consecutive indices; a multiplier coprime with 520 then
    // walks all 26 × 20 name pairs before any repeats.
    let week_index = i64::from(monday.num_days_from_ce()).div_euclid(7);
    let idx = (week_index * 337 + 101).rem_euclid(520) as usize;
    let (q, v) = (idx / 26, idx % 26);
    let name = format!("{} {}", VICES[v], TITLES[(27 * q + v) % 20]);

    let mut rng = SplitMix64::new(fnv1a(
        format!("villain:{iso_year}-W{iso_week:02}").as_bytes(),
    ));
    let epithet = EPITHETS[rng.index(EPITHETS.len())].to_string();
    let taunt = TAUNTS[rng.index(TAUNTS.len())].to_string();
    let weakness = Stat::ALL[rng.index(Stat::ALL.len())];
    let mut kinds = vec![ObjectiveKind::for_stat(weakness)];
    let mut others: Vec<ObjectiveKind> = ObjectiveKind::ALL
        .into_iter()
        .filter(|k| !kinds.contains(k))
        .collect();
    while kinds.len() < 3 && !others.is_empty() {
        kinds.push(others.remove(rng.index(others.len())));
    }
    let cutscene = CUTSCENES[rng.index(CUTSCENES.len())]
        .replace("{villain}", &name)
        .replace("{weakness}", weakness.display_name());

    Ok(Villain {
        week: format!("{iso_year}-W{iso_week:02}"),
        iso_year,
        iso_week,
        badge: format!("{name} Slayer"),
        name,
        epithet,
        taunt,
        weakness,
        objective_kinds: kinds,
        cutscene,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn deterministic_per_week() {
        let a = generate(2025, 3).unwrap();
        let b = generate(2025, 3).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.week, "2025-W03");
        assert_eq!(a.objective_kinds.len(), 3);
        let distinct: HashSet<_> = a.objective_kinds.iter().collect();
        assert_eq!(distinct.len(), 3);
        assert_eq!(a.objective_kinds[0], ObjectiveKind::for_stat(a.weakness));
        assert!(a.cutscene.contains(&a.name));
        assert!(a.badge.starts_with(&a.name));
        assert!(generate(2025, 54).is_err());
        assert!(generate(2025, 53).is_err());
        assert!(generate(2026, 53).is_ok());
        assert!(generate(2020, 53).is_ok());
    }

    #[test]
    fn ten_years_of_distinct_names() {
        let mut date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let mut names = HashSet::new();
        let mut weaknesses = HashSet::new();
        for _ in 0..520 {
            let (y, w) = iso_week_of(date);
            let v = generate(y, w).unwrap();
            names.insert(v.name);
            weaknesses.insert(v.weakness);
            date += chrono::Duration::days(7);
        }
        assert_eq!(names.len(), 520);
        assert_eq!(weaknesses.len(), 5);
    }

    #[test]
    fn targets_scale_with_level() {
        let v = generate(2025, 10).unwrap();
        let low = v.objectives_for(1);
        let high = v.objectives_for(40);
        for (l, h) in low.iter().zip(&high) {
            assert!(h.target >= l.target);
        }
        assert_eq!(ObjectiveKind::RunKm.target(1), 10.0);
        assert_eq!(ObjectiveKind::RunKm.target(20), 20.0);
        assert_eq!(ObjectiveKind::RunKm.target(100), 60.0);
        assert_eq!(ObjectiveKind::StudyHours.target(16), 5.0);
        assert_eq!(
            ObjectiveKind::StrengthSessions.text(3.0),
            "Complete 3 strength sessions"
        );
        assert_eq!(
            ObjectiveKind::MartialArtsSessions.text(1.0),
            "Finish 1 martial arts session"
        );
        assert_eq!(ObjectiveKind::StudyHours.text(1.0), "Study 1 hour");
    }

    #[test]
    fn hp_falls_with_progress() {
        let objectives = vec![
            Objective {
                kind: ObjectiveKind::RunKm,
                text: "Run 15 km".into(),
                target: 15.0,
            },
            Objective {
                kind: ObjectiveKind::StrengthSessions,
                text: "Complete 3 strength sessions".into(),
                target: 3.0,
            },
            Objective {
                kind: ObjectiveKind::StudyHours,
                text: "Study 5 hours".into(),
                target: 5.0,
            },
        ];
        let fresh = progress(&objectives, &WeekSummary::default());
        assert_eq!((fresh.hp, fresh.hp_max, fresh.defeated), (300, 300, false));
        let mid = progress(
            &objectives,
            &WeekSummary {
                run_km: 7.5,
                strength_sessions: 1,
                study_minutes: 600.0,
                ..Default::default()
            },
        );
        // 50 + 33 + 100 damage
        assert_eq!(mid.hp, 117);
        assert!(mid.objectives[2].done);
        assert!(!mid.defeated);
        let done = progress(
            &objectives,
            &WeekSummary {
                run_km: 20.0,
                strength_sessions: 3,
                study_minutes: 300.0,
                ..Default::default()
            },
        );
        assert_eq!(done.hp, 0);
        assert!(done.defeated);
    }

    /// Distances summed from decimals land a bit off in binary: 0.1 + 8.2 + 1.7 km
    /// is 9.999999999999998. They count as what the player ran.
    #[test]
    fn decimal_sums_count_as_written() {
        let run = |target: f64| Objective {
            kind: ObjectiveKind::RunKm,
            text: format!("Run {target} km"),
            target,
        };
        let week = |run_km: f64| WeekSummary {
            run_km,
            ..Default::default()
        };
        let ten = progress(&[run(10.0)], &week(0.1 + 8.2 + 1.7));
        assert!(ten.objectives[0].done, "{ten:?}");
        assert_eq!(ten.hp, 0);
        assert!(ten.defeated);
        // 3.3 of 10 km is 33 HP of 100 (3.3 / 10 × 100 floors to 32 in binary).
        assert_eq!(progress(&[run(10.0)], &week(3.3)).hp, 67);
        // Still short by a real amount: not done.
        let short = progress(&[run(10.0)], &week(9.999));
        assert!(!short.objectives[0].done);
        assert_eq!(short.hp, 1);
        assert_eq!(
            short.objectives[0].progress, 9.99,
            "shown short of the target"
        );
        assert_eq!(ten.objectives[0].progress, 10.0);
    }
}
