//! The boss fight's pure part (§9): which week an activity counts in, what a week's
//! day totals do to the objectives, and what one activity does to the current fight.
//! The transactional steps (creating a fight, a defeat's reward, the weekly rollover)
//! sit above, in `services::boss`, and compute their HP here too: one definition of
//! the fight, whichever path an activity takes.

use super::news::BossNews;
use super::plan::add_to_day_total;
use crate::player::date_at;
use crate::services::local;
use crate::storage::{
    BattleRow, BattleWrite, DayKind, NewActivity, PlayerRow, StoreError, StoreResult, VillainRow,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use shonen_rules::villain::{self, BossProgress, Objective, WeekSummary};
use std::collections::BTreeSet;

pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

/// The ISO year, week number and label (`"2026-W48"`) of the week starting `monday`.
pub fn week_of(monday: NaiveDate) -> (i32, u32, String) {
    let (y, w) = villain::iso_week_of(monday);
    (y, w, format!("{y}-W{w:02}"))
}

/// The local Monday of the week containing `at` for the player.
pub fn monday_of(p: &PlayerRow, at: DateTime<Utc>) -> NaiveDate {
    // By the player's calendar (§10), like the dates of their activities.
    local::week_start(date_at(p, at))
}

/// The local dates of the week starting `monday`, as stored.
pub fn week_dates(monday: NaiveDate) -> (String, String) {
    (monday.to_string(), (monday + Duration::days(6)).to_string())
}

/// The week label and local dates of the player's current boss week.
pub fn current_week(p: &PlayerRow, now: DateTime<Utc>) -> (String, String, String) {
    let monday = monday_of(p, now);
    let (from, to) = week_dates(monday);
    (week_of(monday).2, from, to)
}

/// Sums a week's per-day aggregates into what the objectives measure.
pub fn summarize(days: &[DayKind]) -> WeekSummary {
    let mut s = WeekSummary::default();
    let mut training_days = BTreeSet::new();
    for d in days {
        let sessions = u32::try_from(d.sessions).unwrap_or(u32::MAX);
        match d.kind.as_str() {
            "run" => s.run_km += d.distance_km,
            "strength" => s.strength_sessions += sessions,
            "study" => s.study_minutes += d.duration_min,
            "martial_arts" => s.martial_arts_sessions += sessions,
            // Only on-target wake-ups are stored (late ones are rejected).
            "wake_up" => s.wake_ups += sessions,
            _ => {}
        }
        if d.training != 0 {
            training_days.insert(d.local_date.as_str());
        }
    }
    s.training_days = u32::try_from(training_days.len()).unwrap_or(u32::MAX);
    s
}

/// A fight's stored objectives.
pub fn objectives_of(battle: &BattleRow) -> StoreResult<Vec<Objective>> {
    serde_json::from_str(&battle.objectives_json).map_err(|e| corrupt("objectives", e))
}

/// The fight's state after a week with these day totals: THE computation of a boss's
/// HP, for an activity planned without the lock and for the locked steps alike.
pub fn progress_of(objectives: &[Objective], week_days: &[DayKind]) -> BossProgress {
    villain::progress(objectives, &summarize(week_days))
}

/// The `boss_damaged` news of a fight whose HP went from `previous_hp` to the
/// progress's, if it went down.
pub fn damage(
    battle: &BattleRow,
    villain: &VillainRow,
    previous_hp: i64,
    progress: &BossProgress,
) -> Option<Value> {
    (progress.hp < previous_hp).then(|| {
        json!({
            "week": battle.week,
            "name": villain.name,
            "damage": previous_hp - progress.hp,
            "hp": progress.hp,
            "hp_max": progress.hp_max,
            "objectives": progress.objectives,
        })
    })
}

/// What a new activity does to the player's current fight.
#[derive(Debug)]
pub enum Hit {
    /// The fight does not change (another week's activity, or a fight that is over).
    Nothing,
    /// Damage: written with the activity, announced after the commit.
    Damage(BattleWrite, BossNews),
    /// The fight must be created or the boss is defeated: steps that post XP, award
    /// a badge or enqueue a job, taken under the player's lock.
    NeedsLock,
}

/// The hit of `activity` on the fight of the week of `now`: `battle` as read (with
/// its villain), `week_days` that week's day totals without the activity.
pub fn strike(
    p: &PlayerRow,
    battle: Option<&BattleRow>,
    villain: Option<&VillainRow>,
    week_days: &[DayKind],
    activity: &NewActivity,
    now: DateTime<Utc>,
) -> StoreResult<Hit> {
    let Some(date) = local::parse_date(&activity.local_date) else {
        return Ok(Hit::Nothing);
    };
    if local::week_start(date) != monday_of(p, now) {
        return Ok(Hit::Nothing);
    }
    let (Some(battle), Some(villain)) = (battle, villain) else {
        return Ok(Hit::NeedsLock);
    };
    if battle.status != "active" {
        return Ok(Hit::Nothing);
    }
    let objectives = objectives_of(battle)?;
    let mut days = week_days.to_vec();
    // Not yet written: it has no id, and sorts after every row that has one.
    add_to_day_total(&mut days, activity, i64::MAX);
    let progress = progress_of(&objectives, &days);
    if progress.defeated {
        return Ok(Hit::NeedsLock);
    }
    let write = BattleWrite {
        week: battle.week.clone(),
        hp: progress.hp,
        progress_json: serde_json::to_string(&progress.objectives)
            .map_err(|e| corrupt("progress", e))?,
        now: now.timestamp_micros(),
    };
    let news = BossNews {
        damaged: damage(battle, villain, battle.hp, &progress)
            .into_iter()
            .collect(),
        ..BossNews::default()
    };
    Ok(Hit::Damage(write, news))
}
