//! The pure rules of Shonen Training Tracker.
//!
//! Everything here is a function of its arguments: no I/O, no clock reads, no
//! randomness of its own. Time arrives as `DateTime<Utc>`/`NaiveDate` arguments and
//! randomness as a `u64` seed, so every rule can be replayed exactly in a test, on the
//! server, or in the battle Lambda. `docs/rules.md` is the player-facing rulebook.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod activity;
pub mod award;
pub mod battle;
pub mod calculator;
pub mod calendar;
pub mod class;
pub mod duel;
pub mod error;
pub mod fatigue;
pub mod kind;
pub mod level;
pub mod moves;
mod rng;
pub mod round;
pub mod schedule;
pub mod skill;
pub mod stat;
pub mod streak;
pub mod strength;
pub mod villain;

#[cfg(test)]
mod doc_examples;

pub use activity::{ActivityInput, check_occurred_at, parse_hhmm};
pub use award::{
    Award, AwardContext, EditCorrection, Factor, FactorName, FactorStage, TodayUsage, award, combo,
    edit_correction, edit_window_open,
};
pub use battle::{Battle, Fighter, Rewards, Round, Side, power, seed_from_duel_id, simulate};
pub use calendar::{Calendar, Change, Era, Pending, Settings};
pub use class::{Class, Goals, affinity, classify};
pub use duel::{DuelInput, Friendly, PAID_WINS_PER_DAY, fight, friendly};
pub use error::{ErrorCode, RuleError};
pub use kind::ActivityKind;
pub use level::{
    LevelUp, level_for_xp, level_up, title, xp_at_level, xp_for_next_level, xp_into_level,
};
pub use moves::{Move, moves_for, moves_unlocked_between};
pub use round::round_half_away;
pub use schedule::{TrainingDays, Weekday, WeeklyGoal, behind_schedule};
pub use skill::{Skill, SkillStatus, skills_for, skills_unlocked_between};
pub use stat::Stat;
pub use streak::{
    ChainState, DayEvent, DayEventKind, DayFacts, Rebuilt, apply_penalty, close_day, days_to_close,
    rebuild_chain, streak_for_activity,
};
pub use strength::{Set, StrengthBreakdown, StrengthInput, StrengthOptions, session_xp};
pub use villain::{BossProgress, Villain, WeekSummary, generate as villain_for_week};
