//! The boss fight's steps under the player's lock (§9), in the caller's transaction:
//! creating the week's fight (objectives scaled to the level the player had when
//! the week began, and the player's rollover job), recomputing it from the week's
//! day totals, a defeat's reward and badge, and the end of a week (a defeat if the
//! week's activities did it, else an escape with its penalty and cutscene). Rule
//! keys and the `active → …` status change make every step happen at most once,
//! whatever crashes or re-runs. The HP is always `boss::progress_of`'s.

use super::boss::{
    corrupt, damage, monday_of, next_rollover, objectives_for, objectives_of, progress_of,
    villain_row, weakness, week_dates, week_end, week_of,
};
use super::news::{BossDefeated, BossEscaped, BossNews, DefeatReward};
use super::store::{ProgressTx, RolloverJobs};
use crate::ledger::Entry;
use crate::local;
use crate::storage::{
    ActivityRow, BattleRow, NewBattle, PlayerRow, StoreError, StoreResult, VillainRow,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use shonen_rules::level_for_xp;
use shonen_rules::villain::{self, BossProgress, DEFEAT_XP, ESCAPE_PENALTY, Objective};

/// The stored villain of the week starting `monday`; if nobody prepared it, the
/// procedural one is stored (a transaction must not wait on a network call).
async fn villain_in<T: ProgressTx>(
    tx: &mut T,
    monday: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<VillainRow> {
    let (y, w, label) = week_of(monday);
    if let Some(v) = tx.villain(&label).await? {
        return Ok(v);
    }
    let v = villain::generate(y, w).map_err(|e| corrupt("villain", e))?;
    tx.insert_villain_once(villain_row(&v, "procedural", now)?)
        .await
}

async fn week_progress<T: ProgressTx>(
    tx: &mut T,
    player_id: i64,
    monday: NaiveDate,
    objectives: &[Objective],
) -> StoreResult<BossProgress> {
    let (from, to) = week_dates(monday);
    let days = tx.day_kinds(player_id, &from, &to).await?;
    Ok(progress_of(objectives, &days))
}

/// The player's fight of the week starting `monday`, created if missing with the
/// objectives for the level they had when that local week began (and, the first
/// time, their rollover job). Returns whether it was created.
pub async fn ensure_battle<T: ProgressTx>(
    tx: &mut T,
    jobs: &dyn RolloverJobs<T>,
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
    let objectives = objectives_for(&villain, level)?;
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
        jobs.roll_over_at(tx, p.id, next_rollover(now, tz), now)
            .await?;
    }
    let battle = tx
        .battle(p.id, &villain.week)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((battle, villain, created))
}

/// Recomputes an active fight from the week's day totals; damage is reported, and a
/// boss with every objective done is defeated (reward posted at `at`).
async fn refresh<T: ProgressTx>(
    tx: &mut T,
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
        let paid = tx
            .post(
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
            news.defeated.push(BossDefeated {
                week: battle.week.clone(),
                name: villain.name.clone(),
                badge: villain.badge.clone(),
                badge_new,
                reward: DefeatReward {
                    xp: paid.unwrap_or(0),
                    stat: stat.as_str().to_string(),
                    badge: villain.badge.clone(),
                },
                total_xp: p.total_xp,
            });
        }
    }
    Ok(news)
}

/// What a committed `activity` does to the fight, under the player's lock: an
/// activity of the player's current local week damages (and may defeat) this week's
/// boss, creating the fight first if needed. Activities dated in a week that has
/// already ended change nothing: that week's fight is over.
pub async fn on_activity<T: ProgressTx>(
    tx: &mut T,
    jobs: &dyn RolloverJobs<T>,
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
    let (battle, villain, created) = ensure_battle(tx, jobs, p, monday, now).await?;
    // A fight created by this very activity already counts it: report it all as new.
    let previous_hp = if created { battle.hp_max } else { battle.hp };
    refresh(tx, p, &battle, &villain, previous_hp, now, now).await
}

/// Ends the locked player's fight of the week starting `monday`, which has ended by
/// `now`: defeated if the week's activities did it, else escaped with the penalty
/// and the cutscene. A second run finds the fight ended and does nothing. The caller
/// saves the player and commits.
pub async fn end_week<T: ProgressTx>(
    tx: &mut T,
    jobs: &dyn RolloverJobs<T>,
    p: &mut PlayerRow,
    monday: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<BossNews> {
    let end = week_end(monday, local::tz(&p.timezone));
    // Entries of an ended week are dated inside it, so they count in that week.
    let at = (end - Duration::microseconds(1)).min(now);
    let (battle, villain, _) = ensure_battle(tx, jobs, p, monday, now).await?;
    let mut news = refresh(tx, p, &battle, &villain, battle.hp, at, now).await?;
    let still_active = tx
        .battle(p.id, &battle.week)
        .await?
        .is_some_and(|b| b.status == "active");
    if !still_active {
        return Ok(news);
    }
    // The week you register in is a grace week unless it began on a Monday: the boss
    // still escapes, but takes no XP from someone who lacked the time.
    let grace = p.registered_on.as_str() > battle.week_start.as_str();
    let taken = if grace {
        0
    } else {
        tx.post(
            p,
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
        news.escaped.push(BossEscaped {
            week: battle.week.clone(),
            name: villain.name.clone(),
            penalty: taken,
            grace,
            cutscene: villain.cutscene.clone(),
            total_xp: p.total_xp,
        });
    }
    Ok(news)
}
