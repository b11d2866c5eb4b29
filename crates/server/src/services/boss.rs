//! Weekly boss battles (§9): each player's fight against the week's villain.
//!
//! The villain of an ISO week is stored once (`villains`), so everyone meets the same
//! one. A player's battle is created lazily the first time their local week is seen
//! (a read, an activity or the rollover job) with objectives scaled to the level they
//! had when that week began. Every activity of the week recomputes the boss's HP in
//! the activity's own transaction, and a boss whose three objectives are done is
//! defeated there and then (+150 XP to its weakness, a badge named after it). At the
//! player's local week end the rollover job lets a surviving boss escape (−75 XP, a
//! cutscene shown once). Rule keys and the `active → …` status change make every step
//! happen at most once, whatever crashes or re-runs.

use crate::app::AppState;
use crate::clock::from_micros;
use crate::jobs::{self, BossWeek};
use crate::model;
use crate::progress::{
    BossFight, BossNews, damage, monday_of, objectives_of, progress_of, week_dates, week_of,
};
use crate::services::local;
use crate::services::progress::{self, Entry};
use crate::storage::{
    ActivityRow, BattleRow, NewBattle, PlayerRow, StoreError, StoreResult, Tx, VillainRow,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use futures_util::future::BoxFuture;
use serde_json::json;
use shonen_rules::villain::{self, DEFEAT_XP, ESCAPE_PENALTY, Objective, ObjectiveKind, Villain};
use shonen_rules::{Stat, level_for_xp};
use std::collections::HashMap;

/// How many past weeks `history` shows (two years).
const HISTORY_WEEKS: i64 = 104;

/// The end of the local week that starts on `monday`: the next Monday's midnight.
pub fn week_end(monday: NaiveDate, tz: Tz) -> DateTime<Utc> {
    local::start_of_day(monday + Duration::days(7), tz)
}

/// When the player's rollover job should next run: the end of their current week.
pub fn next_rollover(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    week_end(local::week_start(local::date(now, tz)), tz)
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn villain_row(v: &Villain, source: &str, now: DateTime<Utc>) -> StoreResult<VillainRow> {
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

fn weakness(v: &VillainRow) -> StoreResult<Stat> {
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
fn objectives(v: &VillainRow, level: u32) -> StoreResult<Vec<Objective>> {
    Ok(to_villain(v)?.objectives_for(level))
}

/// Makes sure the villain of the week starting `monday` is stored, asking the
/// configured generator (possibly over the network) only when it is not: call it
/// outside transactions. The first writer wins; everyone reads the stored one.
pub async fn prepare_villain(state: &AppState, monday: NaiveDate) -> StoreResult<VillainRow> {
    let (y, w, label) = week_of(monday);
    if let Some(v) = state.store.villain(&label).await? {
        return Ok(v);
    }
    let generated = state
        .villains
        .villain(y, w)
        .await
        .map_err(|e| corrupt("villain", e))?;
    let row = villain_row(&generated.villain, generated.source, state.clock.now())?;
    state.store.insert_villain_once(row).await
}

/// The stored villain inside a transaction; if nobody prepared it, the procedural one
/// is stored (a transaction must not wait on a network call).
async fn villain_in(tx: &mut Tx, monday: NaiveDate, now: DateTime<Utc>) -> StoreResult<VillainRow> {
    let (y, w, label) = week_of(monday);
    if let Some(v) = tx.villain(&label).await? {
        return Ok(v);
    }
    let v = villain::generate(y, w).map_err(|e| corrupt("villain", e))?;
    tx.insert_villain_once(villain_row(&v, "procedural", now)?)
        .await
}

async fn week_progress(
    tx: &mut Tx,
    player_id: i64,
    monday: NaiveDate,
    objectives: &[Objective],
) -> StoreResult<villain::BossProgress> {
    let (from, to) = week_dates(monday);
    let days = tx.day_kinds(player_id, &from, &to).await?;
    Ok(progress_of(objectives, &days))
}

/// The player's battle for the week starting `monday`, created if missing with the
/// objectives for the level they had when that local week began. Returns whether it
/// was created.
async fn ensure_battle(
    tx: &mut Tx,
    p: &PlayerRow,
    monday: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<(BattleRow, VillainRow, bool)> {
    let villain = villain_in(tx, monday, now).await?;
    if let Some(b) = tx.battle(p.id, &villain.week).await? {
        return Ok((b, villain, false));
    }
    let tz = local::tz(&p.timezone);
    let began = local::start_of_day(monday, tz);
    let level = level_for_xp(tx.xp_before(p.id, began.timestamp_micros()).await?);
    let objectives = objectives(&villain, level)?;
    let progress = week_progress(tx, p.id, monday, &objectives).await?;
    let created = tx
        .insert_battle(NewBattle {
            player_id: p.id,
            week: villain.week.clone(),
            week_start: monday.to_string(),
            level: i64::from(level),
            objectives_json: serde_json::to_string(&objectives)
                .map_err(|e| corrupt("objectives", e))?,
            progress_json: serde_json::to_string(&progress.objectives)
                .map_err(|e| corrupt("progress", e))?,
            hp: progress.hp,
            hp_max: progress.hp_max,
            now: now.timestamp_micros(),
        })
        .await?;
    if created {
        // Existing players get their rollover job the first time a week is seen.
        jobs::enqueue_in(
            tx,
            &BossWeek { player_id: p.id },
            next_rollover(now, tz),
            now,
        )
        .await?;
    }
    let battle = tx
        .battle(p.id, &villain.week)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((battle, villain, created))
}

/// Publishes the news of a committed change as real-time events.
pub fn announce(state: &AppState, player_id: i64, news: &BossNews) {
    for d in &news.damaged {
        state.events.publish(player_id, "boss_damaged", d.clone());
    }
    for d in &news.defeated {
        state.events.publish(player_id, "boss_defeated", d.clone());
    }
    for e in &news.escaped {
        state.events.publish(player_id, "boss_escaped", e.clone());
    }
}

/// Recomputes an active battle from the week's activities; damage is reported, and a
/// boss with every objective done is defeated (reward posted at `at`).
async fn refresh(
    tx: &mut Tx,
    p: &mut PlayerRow,
    battle: &BattleRow,
    villain: &VillainRow,
    previous_hp: i64,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<BossNews> {
    let mut news = BossNews::default();
    if battle.status != "active" {
        return Ok(news);
    }
    let monday = local::parse_date(&battle.week_start)
        .ok_or_else(|| corrupt("battle week_start", &battle.week_start))?;
    let objectives = objectives_of(battle)?;
    let progress = week_progress(tx, p.id, monday, &objectives).await?;
    let progress_json =
        serde_json::to_string(&progress.objectives).map_err(|e| corrupt("progress", e))?;
    tx.update_battle_progress(
        p.id,
        &battle.week,
        progress.hp,
        &progress_json,
        now.timestamp_micros(),
    )
    .await?;
    news.damaged
        .extend(damage(battle, villain, previous_hp, &progress));
    if progress.defeated {
        let stat = weakness(villain)?;
        let paid = progress::post(
            tx,
            p,
            Entry {
                at,
                stat: Some(stat),
                amount: DEFEAT_XP,
                reason: &format!("Defeated {}", villain.name),
                activity_id: None,
                rule_key: Some(format!("boss:{}:defeat", battle.week)),
            },
        )
        .await?;
        let badge_new = tx
            .insert_badge(p.id, &villain.badge, &battle.week, at.timestamp_micros())
            .await?;
        let resolved = tx
            .resolve_battle(
                p.id,
                &battle.week,
                "defeated",
                0,
                None,
                now.timestamp_micros(),
            )
            .await?;
        if resolved {
            news.defeated.push(json!({
                "week": battle.week,
                "name": villain.name,
                "badge": villain.badge,
                "badge_new": badge_new,
                "reward": { "xp": paid.unwrap_or(0), "stat": stat.as_str(), "badge": villain.badge },
                "total_xp": p.total_xp,
            }));
        }
    }
    Ok(news)
}

/// The boss fight's steps in an activity's transaction, for the progress
/// capability: they create fights and enqueue the weekly rollover, which sits above it.
pub struct Bosses;

impl BossFight<Tx> for Bosses {
    fn on_activity<'a>(
        &'a self,
        tx: &'a mut Tx,
        p: &'a mut PlayerRow,
        activity: &'a ActivityRow,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, StoreResult<BossNews>> {
        Box::pin(on_activity(tx, p, activity, now))
    }
}

/// The hook in the activity transaction: an activity of the player's current local
/// week damages (and may defeat) this week's boss. Activities dated in a week that
/// has already ended change nothing: that week's fight is over.
async fn on_activity(
    tx: &mut Tx,
    p: &mut PlayerRow,
    activity: &ActivityRow,
    now: DateTime<Utc>,
) -> StoreResult<BossNews> {
    let Some(date) = local::parse_date(&activity.local_date) else {
        return Ok(BossNews::default());
    };
    let monday = local::week_start(date);
    if monday != monday_of(p, now) {
        return Ok(BossNews::default());
    }
    let (battle, villain, created) = ensure_battle(tx, p, monday, now).await?;
    // A battle created by this very activity already counts it: report it all as new.
    let previous_hp = if created { battle.hp_max } else { battle.hp };
    refresh(tx, p, &battle, &villain, previous_hp, now, now).await
}

/// Ends the player's fight of the week starting `monday` (which must have ended):
/// defeated if the week's activities did it, else escaped with the penalty and the
/// cutscene. One transaction; a second run finds the battle ended and does nothing.
pub async fn close_week(
    state: &AppState,
    player_id: i64,
    monday: NaiveDate,
) -> StoreResult<(BossNews, Option<PlayerRow>)> {
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let mut p = match tx.lock_player(player_id).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => return Ok((BossNews::default(), None)),
        Err(e) => return Err(e),
    };
    let tz = local::tz(&p.timezone);
    let end = week_end(monday, tz);
    if now < end {
        return Ok((BossNews::default(), Some(p)));
    }
    // Entries of an ended week are dated inside it, so they count in that week.
    let at = (end - Duration::microseconds(1)).min(now);
    let (battle, villain, _) = ensure_battle(&mut tx, &p, monday, now).await?;
    let mut news = refresh(&mut tx, &mut p, &battle, &villain, battle.hp, at, now).await?;
    let still_active = tx
        .battle(p.id, &battle.week)
        .await?
        .is_some_and(|b| b.status == "active");
    if still_active {
        // The week you register in is a grace week unless it began on a Monday:
        // the boss still escapes, but takes no XP from someone who lacked the time.
        let grace = p.registered_on.as_str() > battle.week_start.as_str();
        let taken = if grace {
            0
        } else {
            progress::post(
                &mut tx,
                &mut p,
                Entry {
                    at,
                    stat: None,
                    amount: -ESCAPE_PENALTY,
                    reason: &format!("{} escaped", villain.name),
                    activity_id: None,
                    rule_key: Some(format!("boss:{}:escape", battle.week)),
                },
            )
            .await?
            .map(|a| -a)
            .unwrap_or(0)
        };
        let resolved = tx
            .resolve_battle(
                p.id,
                &battle.week,
                "escaped",
                taken,
                Some(villain.cutscene.clone()),
                now.timestamp_micros(),
            )
            .await?;
        if resolved {
            news.escaped.push(json!({
                "week": battle.week,
                "name": villain.name,
                "penalty": taken,
                "grace": grace,
                "cutscene": villain.cutscene,
                "total_xp": p.total_xp,
            }));
        }
    }
    tx.save_progress(&p).await?;
    tx.commit().await?;
    Ok((news, Some(p)))
}

/// The weekly rollover of one player: ends every week that has ended since the last
/// one ended (catching up after downtime, one committed week at a time), then opens
/// the current week's battle. Returns when to run again, or `None` if the player is
/// gone.
pub async fn roll_over(state: &AppState, player_id: i64) -> StoreResult<Option<DateTime<Utc>>> {
    let now = state.clock.now();
    let Some(p) = state.store.player(player_id).await? else {
        return Ok(None);
    };
    let tz = local::tz(&p.timezone);
    let current = monday_of(&p, now);
    let registered = local::week_start(local::parse_date(&p.registered_on).unwrap_or(current));
    let (last, first) = {
        let mut tx = state.store.begin().await?;
        (
            tx.last_resolved_week(p.id).await?,
            tx.first_battle_week(p.id).await?,
        )
    };
    // Resume after the last ended fight; else start at the first fight (a player
    // from before bosses existed owes nothing for the weeks before); else at the
    // registration week (a new player whose first week nobody looked at).
    let mut monday = match (
        last.as_deref().and_then(local::parse_date),
        first.as_deref().and_then(local::parse_date),
    ) {
        (Some(last), _) => last + Duration::days(7),
        (None, Some(first)) => first,
        (None, None) => registered,
    }
    .max(registered);
    while monday < current {
        let (news, player) = close_week(state, player_id, monday).await?;
        let Some(player) = player else {
            return Ok(None);
        };
        if news.xp_changed() {
            progress::after_commit(state, &player).await;
        }
        crate::services::hot::invalidate_boss(state, player_id).await;
        announce(state, player_id, &news);
        monday += Duration::days(7);
    }
    // Open this week's fight so its objectives are fixed at the week's start.
    prepare_villain(state, current).await?;
    let mut tx = state.store.begin().await?;
    match tx.lock_player(player_id).await {
        Ok(p) => {
            ensure_battle(&mut tx, &p, current, now).await?;
            tx.commit().await?;
        }
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    }
    Ok(Some(next_rollover(now, tz)))
}

fn boss_view(v: &VillainRow, b: &BattleRow, tz: Tz) -> model::Boss {
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

/// THE read of a player's boss this week (the one place a cache may sit in front of):
/// the villain, HP, objectives with progress, status and reward.
pub async fn current(state: &AppState, player_id: i64) -> StoreResult<model::Boss> {
    let now = state.clock.now();
    let p = state
        .store
        .player(player_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let monday = monday_of(&p, now);
    let villain = prepare_villain(state, monday).await?;
    let battle = match state.store.battle(p.id, &villain.week).await? {
        Some(b) => b,
        None => {
            let mut tx = state.store.begin().await?;
            let locked = tx.lock_player(player_id).await?;
            let (b, _, _) = ensure_battle(&mut tx, &locked, monday, now).await?;
            tx.commit().await?;
            b
        }
    };
    Ok(boss_view(&villain, &battle, local::tz(&p.timezone)))
}

/// Past weeks' bosses, newest first.
pub async fn history(state: &AppState, player_id: i64) -> StoreResult<Vec<model::Boss>> {
    let now = state.clock.now();
    let p = state
        .store
        .player(player_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let monday = monday_of(&p, now);
    let tz = local::tz(&p.timezone);
    let battles = state
        .store
        .past_battles(p.id, &monday.to_string(), HISTORY_WEEKS)
        .await?;
    let mut villains: HashMap<String, VillainRow> = HashMap::new();
    let mut items = Vec::with_capacity(battles.len());
    for b in &battles {
        if !villains.contains_key(&b.week) {
            let v = state
                .store
                .villain(&b.week)
                .await?
                .ok_or(StoreError::NotFound)?;
            villains.insert(b.week.clone(), v);
        }
        if let Some(v) = villains.get(&b.week) {
            items.push(boss_view(v, b, tz));
        }
    }
    Ok(items)
}

/// The newest escape cutscene the player has not seen yet, marked seen as it is
/// returned (so it is shown once; history keeps it).
pub async fn take_pending_cutscene(
    state: &AppState,
    player_id: i64,
) -> StoreResult<Option<model::PendingCutscene>> {
    if !state.store.has_unseen_cutscene(player_id).await? {
        return Ok(None);
    }
    let unseen = state.store.take_unseen_cutscenes(player_id).await?;
    let Some(newest) = unseen.first() else {
        return Ok(None);
    };
    let name = state
        .store
        .villain(&newest.week)
        .await?
        .map(|v| v.name)
        .unwrap_or_default();
    Ok(Some(model::PendingCutscene {
        week: newest.week.clone(),
        name,
        cutscene: newest.cutscene.clone(),
        also_unseen: unseen[1..].iter().map(|c| c.week.clone()).collect(),
    }))
}

/// The player's boss badges, oldest first.
pub async fn badges(state: &AppState, player_id: i64) -> StoreResult<Vec<model::Badge>> {
    Ok(state
        .store
        .badges(player_id)
        .await?
        .into_iter()
        .map(|b| model::Badge {
            name: b.name,
            week: b.week,
            earned_at: from_micros(b.earned_at).to_rfc3339(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::summarize;
    use crate::storage::DayKind;

    fn act(kind: &str, date: &str, km: f64, min: f64) -> DayKind {
        DayKind {
            kind: kind.into(),
            local_date: date.into(),
            training: i64::from(kind != "wake_up"),
            sessions: 1,
            duration_min: min,
            distance_km: km,
            first_id: 0,
        }
    }

    #[test]
    fn week_facts_are_summed() {
        let s = summarize(&[
            act("run", "2026-11-16", 5.0, 30.0),
            act("run", "2026-11-16", 2.5, 15.0),
            act("study", "2026-11-17", 0.0, 90.0),
            act("strength", "2026-11-18", 0.0, 45.0),
            act("martial_arts", "2026-11-18", 0.0, 60.0),
            act("wake_up", "2026-11-19", 0.0, 0.0),
        ]);
        assert_eq!(s.run_km, 7.5);
        assert_eq!(s.study_minutes, 90.0);
        assert_eq!(
            (s.strength_sessions, s.martial_arts_sessions, s.wake_ups),
            (1, 1, 1)
        );
        // The wake-up day is not a training day.
        assert_eq!(s.training_days, 3);
    }

    #[test]
    fn weeks_and_ends() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(week_of(monday).2, "2026-W48");
        let kiri: Tz = "Pacific/Kiritimati".parse().unwrap();
        assert_eq!(
            week_end(monday, kiri).to_rfc3339(),
            "2026-11-29T10:00:00+00:00"
        );
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        assert_eq!(
            week_end(monday, la).to_rfc3339(),
            "2026-11-30T08:00:00+00:00"
        );
    }

    #[test]
    fn stored_objectives_match_the_rules() {
        let v = villain::generate(2026, 48).unwrap();
        let row = villain_row(&v, "procedural", Utc::now()).unwrap();
        assert_eq!(objectives(&row, 17).unwrap(), v.objectives_for(17));
    }
}
