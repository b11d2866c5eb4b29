//! The boss fight's pure part (§9): which week an activity counts in, when a week
//! ends, what a week's day totals do to the objectives, what one activity does to
//! the current fight, and the contract's view of a fight. The transactional steps
//! (creating a fight, a defeat's reward, the weekly rollover: `fight.rs`,
//! `bosses.rs`) compute their HP here too: one definition of the fight, whichever
//! path an activity takes.

use super::day_total::add_to_day_total;
use super::news::{BossDamaged, BossNews};
use crate::clock::from_micros;
use crate::local;
use crate::model;
use crate::player::date_at;
use crate::storage::{
    BattleRow, BattleWrite, DayKind, NewActivity, PlayerRow, StoreError, StoreResult, VillainRow,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use shonen_rules::Stat;
use shonen_rules::villain::{
    self, BossProgress, DEFEAT_XP, Objective, ObjectiveKind, Villain, WeekSummary,
};
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

/// The end of the local week that starts on `monday`: the next Monday's midnight.
pub fn week_end(monday: NaiveDate, tz: Tz) -> DateTime<Utc> {
    local::start_of_day(monday + Duration::days(7), tz)
}

/// When the player's rollover job should next run: the end of their current week.
pub fn next_rollover(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    week_end(local::week_start(local::date(now, tz)), tz)
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
) -> Option<BossDamaged> {
    (progress.hp < previous_hp).then(|| BossDamaged {
        week: battle.week.clone(),
        name: villain.name.clone(),
        damage: previous_hp - progress.hp,
        hp: progress.hp,
        hp_max: progress.hp_max,
        objectives: progress.objectives.clone(),
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

/// The row a villain of the rules crate is stored as (`source`: which generator
/// wrote its words).
pub fn villain_row(v: &Villain, source: &str, now: DateTime<Utc>) -> StoreResult<VillainRow> {
    Ok(VillainRow {
        week: v.week.clone(),
        name: v.name.clone(),
        epithet: v.epithet.clone(),
        taunt: v.taunt.clone(),
        weakness: v.weakness.as_str().to_string(),
        objective_kinds: serde_json::to_string(&v.objective_kinds)
            .map_err(|e| corrupt("objective kinds", e))?,
        badge: v.badge.clone(),
        cutscene: v.cutscene.clone(),
        source: source.to_string(),
        created_at: now.timestamp_micros(),
    })
}

/// The stat a stored villain is weak to (its defeat's reward goes there).
pub fn weakness(v: &VillainRow) -> StoreResult<Stat> {
    Stat::parse(&v.weakness).ok_or_else(|| corrupt("villain weakness", &v.weakness))
}

/// The rules crate's villain for a stored row (the words may be generated ones).
fn to_villain(v: &VillainRow) -> StoreResult<Villain> {
    let objective_kinds: Vec<ObjectiveKind> =
        serde_json::from_str(&v.objective_kinds).map_err(|e| corrupt("objective kinds", e))?;
    let (year, week) = v.week.split_once("-W").unwrap_or_default();
    Ok(Villain {
        week: v.week.clone(),
        iso_year: year.parse().unwrap_or_default(),
        iso_week: week.parse().unwrap_or_default(),
        name: v.name.clone(),
        epithet: v.epithet.clone(),
        taunt: v.taunt.clone(),
        weakness: weakness(v)?,
        objective_kinds,
        badge: v.badge.clone(),
        cutscene: v.cutscene.clone(),
    })
}

/// A stored villain's objectives scaled to `level`.
pub fn objectives_for(v: &VillainRow, level: u32) -> StoreResult<Vec<Objective>> {
    Ok(to_villain(v)?.objectives_for(level))
}

/// The contract's `boss`: a fight against a stored villain, for a player in `tz`.
pub fn boss_view(v: &VillainRow, b: &BattleRow, tz: Tz) -> model::Boss {
    let ends_at = local::parse_date(&b.week_start).map(|m| week_end(m, tz).to_rfc3339());
    let status = b.status.as_str();
    model::Boss {
        week: b.week.clone(),
        week_start: b.week_start.clone(),
        ends_at,
        name: v.name.clone(),
        epithet: v.epithet.clone(),
        taunt: v.taunt.clone(),
        weakness: v.weakness.clone(),
        level: b.level,
        hp: b.hp,
        hp_max: b.hp_max,
        objectives: serde_json::from_str(&b.progress_json).unwrap_or_default(),
        status: b.status.clone(),
        reward: model::BossReward {
            xp: DEFEAT_XP,
            stat: v.weakness.clone(),
            badge: v.badge.clone(),
        },
        badge: (status == "defeated").then(|| v.badge.clone()),
        cutscene: (status == "escaped")
            .then(|| b.cutscene.clone().unwrap_or_else(|| v.cutscene.clone())),
        penalty: (status == "escaped").then_some(b.penalty),
        resolved_at: b.resolved_at.map(|t| from_micros(t).to_rfc3339()),
        pending_cutscene: None,
    }
}
