//! Rival duels (§8): challenge, accept, decline, and the battle's resolution.
//!
//! Accepting snapshots both players and enqueues the battle job in the same
//! transaction, so a queued duel always has its job. The battle job computes the
//! battle (in-process or Lambda), stores the replay, then records the result, pays the
//! winner (ledger rule key `duel:<id>:win`, so at most once) and grants the loser the
//! Training Arc Buff in ONE transaction that first re-checks the duel is still queued:
//! a job that re-runs after a crash, or two workers racing, resolve it once.
//!
//! Decisions the contract leaves open: the challenger cannot answer their own
//! challenge (403 `challenger_cannot_answer`); anyone who is not one of the two
//! players gets 404; the sixth challenge of a local day is 429 `daily_challenge_limit`
//! with `Retry-After` set to the challenger's next local midnight.

use crate::app::AppState;
use crate::clock::from_micros;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{self, DuelBattle, DuelExpiry};
use crate::model::{Duel, DuelBuff, DuelList, DuelRewards, Round};
use crate::objects;
use crate::services::{local, progress};
use crate::storage::{DuelResult, DuelRow, NewDuel, PlayerRow, StoreError, Tx};
use axum::http::StatusCode;
use chrono::Duration;
use serde_json::json;
use shonen_rules::{Battle, DuelInput, Fighter, Side, Stat, level_for_xp, moves_for};
use std::sync::Arc;

/// Challenges a player may send per local day.
pub const DAILY_CHALLENGES: i64 = 5;
/// How long a challenge waits for an answer.
pub const EXPIRY_HOURS: i64 = 24;
pub const STATUSES: [&str; 5] = ["pending", "declined", "expired", "queued", "resolved"];

pub fn battle_job_key(duel_id: i64) -> String {
    format!("duel_battle:{duel_id}")
}

pub fn win_rule_key(duel_id: i64) -> String {
    format!("duel:{duel_id}:win")
}

fn forbidden(code: &str, message: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, code, message)
}

/// Sends a challenge to the player named `opponent`.
pub async fn challenge(state: &AppState, challenger_id: i64, opponent: &str) -> ApiResult<Duel> {
    let name = opponent.trim().to_lowercase();
    if name.is_empty() {
        return Err(ApiError::validation(
            "opponent",
            "missing_opponent",
            "opponent must name a player",
        ));
    }
    let Some(rival) = state.store.player_by_username(&name).await? else {
        return Err(ApiError::validation(
            "opponent",
            "unknown_opponent",
            format!("there is no player called {name:?}"),
        ));
    };
    if rival.id == challenger_id {
        return Err(ApiError::validation(
            "opponent",
            "self_duel",
            "you cannot challenge yourself",
        ));
    }
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    // Locking the challenger serializes their challenges, so the daily count holds.
    let me = tx.lock_player(challenger_id).await?;
    // Counted per local date of the player's calendar, which never begins a date
    // twice (§10): changing timezone cannot restart the count.
    let calendar = progress::calendar(&me);
    let today = calendar.date_at(now).to_string();
    if tx.challenges_sent_on(me.id, &today).await? >= DAILY_CHALLENGES {
        let retry = (calendar.next_midnight(now) - now).num_seconds().max(1) as u64;
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "daily_challenge_limit",
            format!("at most {DAILY_CHALLENGES} challenges a day; try again after midnight"),
        )
        .with_details(json!({ "limit": DAILY_CHALLENGES, "retry_after_seconds": retry }));
        e.retry_after = Some(retry);
        return Err(e);
    }
    if tx.open_duel_between(me.id, rival.id).await? {
        return Err(duel_already_open());
    }
    let expires_at = now + Duration::hours(EXPIRY_HOURS);
    let duel = match tx
        .insert_duel(NewDuel {
            challenger_id: me.id,
            opponent_id: rival.id,
            challenger_date: today,
            now: now.timestamp_micros(),
            expires_at: expires_at.timestamp_micros(),
        })
        .await
    {
        Ok(d) => d,
        // The unique index caught a challenge racing this one.
        Err(StoreError::Conflict(_)) => return Err(duel_already_open()),
        Err(e) => return Err(e.into()),
    };
    jobs::enqueue_in(&mut tx, &DuelExpiry { duel_id: duel.id }, expires_at, now).await?;
    tx.commit().await?;
    let view = view_of(state, &duel, &me, &rival).await?;
    for id in [me.id, rival.id] {
        state.events.publish(id, "duel_challenged", json!(view));
    }
    Ok(view)
}

fn duel_already_open() -> ApiError {
    ApiError::conflict(
        "duel_already_open",
        "you two already have an open duel (pending or queued)",
    )
}

/// A duel the player is part of; anyone else gets 404.
async fn lock_party_duel(tx: &mut Tx, player_id: i64, duel_id: i64) -> ApiResult<DuelRow> {
    match tx.lock_duel(duel_id).await {
        Ok(d) if d.is_party(player_id) => Ok(d),
        Ok(_) | Err(StoreError::NotFound) => Err(ApiError::not_found("duel")),
        Err(e) => Err(e.into()),
    }
}

/// Why a duel that is not pending cannot be answered.
fn not_pending(d: &DuelRow) -> ApiError {
    match d.status.as_str() {
        "expired" => ApiError::conflict("duel_expired", "this challenge expired after 24 h"),
        "declined" => ApiError::conflict("duel_declined", "this challenge was declined"),
        _ => ApiError::conflict(
            "duel_already_accepted",
            "this challenge was already accepted",
        ),
    }
}

/// Checks the player may answer the pending duel. An overdue challenge whose expiry
/// job has not run yet is expired here (and that is committed).
async fn check_answerable(mut tx: Tx, player_id: i64, d: &DuelRow, now: i64) -> ApiResult<Tx> {
    if d.challenger_id == player_id {
        return Err(forbidden(
            "challenger_cannot_answer",
            "only the challenged player can accept or decline",
        ));
    }
    if d.status != "pending" {
        return Err(not_pending(d));
    }
    if d.expires_at <= now {
        tx.expire_duel(d.id, now).await?;
        tx.commit().await?;
        return Err(ApiError::conflict(
            "duel_expired",
            "this challenge expired after 24 h",
        ));
    }
    Ok(tx)
}

/// A fighter's snapshot, taken inside the accepting transaction.
async fn snapshot(
    tx: &mut Tx,
    p: &PlayerRow,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Fighter> {
    let today = progress::today(p, now).to_string();
    let trained_today = !tx
        .training_dates_between(p.id, &today, &today)
        .await?
        .is_empty();
    Ok(Fighter {
        username: p.username.clone(),
        total_xp: p.total_xp,
        streak: progress::display_streak(p, trained_today),
        strength_xp: p.xp_strength,
        class: progress::class(p),
        level: level_for_xp(p.total_xp),
        moves: moves_for(p.xp_fighting),
    })
}

/// The opponent accepts: both snapshots are taken and the battle is queued.
pub async fn accept(state: &AppState, player_id: i64, duel_id: i64) -> ApiResult<Duel> {
    let now = state.clock.now();
    let mut begun = state.store.begin().await?;
    let d = lock_party_duel(&mut begun, player_id, duel_id).await?;
    let mut tx = check_answerable(begun, player_id, &d, now.timestamp_micros()).await?;
    // Players are locked in id order everywhere duels lock two, so no deadlock.
    let (lo, hi) = (
        d.challenger_id.min(d.opponent_id),
        d.challenger_id.max(d.opponent_id),
    );
    let p_lo = tx.lock_player(lo).await?;
    let p_hi = tx.lock_player(hi).await?;
    let (challenger, opponent) = if p_lo.id == d.challenger_id {
        (p_lo, p_hi)
    } else {
        (p_hi, p_lo)
    };
    let c = snapshot(&mut tx, &challenger, now).await?;
    let o = snapshot(&mut tx, &opponent, now).await?;
    let enc = |f: &Fighter| serde_json::to_string(f).map_err(ApiError::internal);
    tx.queue_duel(d.id, &enc(&c)?, &enc(&o)?, now.timestamp_micros())
        .await?;
    jobs::enqueue_in(&mut tx, &DuelBattle { duel_id: d.id }, now, now).await?;
    tx.commit().await?;
    state.job_wakeup.notify_one();
    let d = state
        .store
        .duel(d.id)
        .await?
        .ok_or_else(|| ApiError::not_found("duel"))?;
    view_of(state, &d, &challenger, &opponent).await
}

/// The opponent declines.
pub async fn decline(state: &AppState, player_id: i64, duel_id: i64) -> ApiResult<Duel> {
    let now = state.clock.now();
    let mut begun = state.store.begin().await?;
    let d = lock_party_duel(&mut begun, player_id, duel_id).await?;
    let mut tx = check_answerable(begun, player_id, &d, now.timestamp_micros()).await?;
    tx.decline_duel(d.id, now.timestamp_micros()).await?;
    tx.commit().await?;
    view(state, player_id, duel_id).await
}

/// One duel as the contract's `duel`, for one of its players.
pub async fn view(state: &AppState, player_id: i64, duel_id: i64) -> ApiResult<Duel> {
    let d = state
        .store
        .duel(duel_id)
        .await?
        .filter(|d| d.is_party(player_id))
        .ok_or_else(|| ApiError::not_found("duel"))?;
    duel_view(state, &d).await
}

/// The player's duels, newest first (at most 100), optionally of one status.
pub async fn list(state: &AppState, player_id: i64, status: Option<&str>) -> ApiResult<DuelList> {
    if let Some(s) = status
        && !STATUSES.contains(&s)
    {
        return Err(ApiError::validation(
            "status",
            "invalid_status",
            "status must be one of pending, declined, expired, queued, resolved",
        ));
    }
    let rows = state.store.duels_of(player_id, status, 100).await?;
    let mut items = Vec::with_capacity(rows.len());
    for d in &rows {
        items.push(duel_view(state, d).await?);
    }
    Ok(DuelList { items })
}

async fn duel_view(state: &AppState, d: &DuelRow) -> ApiResult<Duel> {
    let c = state.store.player(d.challenger_id).await?;
    let o = state.store.player(d.opponent_id).await?;
    let (Some(c), Some(o)) = (c, o) else {
        return Err(ApiError::not_found("duel"));
    };
    view_of(state, d, &c, &o).await
}

async fn view_of(
    state: &AppState,
    d: &DuelRow,
    challenger: &PlayerRow,
    opponent: &PlayerRow,
) -> ApiResult<Duel> {
    let t = |m: Option<i64>| m.map(|m| from_micros(m).to_rfc3339());
    let mut v = Duel {
        id: d.id,
        challenger: challenger.username.clone(),
        opponent: opponent.username.clone(),
        status: d.status.clone(),
        created_at: from_micros(d.created_at).to_rfc3339(),
        expires_at: from_micros(d.expires_at).to_rfc3339(),
        accepted_at: t(d.accepted_at),
        resolved_at: t(d.resolved_at),
        winner: None,
        upset: None,
        rounds: None,
        challenger_power: None,
        opponent_power: None,
        replay_url: None,
        rewards: None,
        job_status: None,
        job_attempts: None,
        job_error: None,
    };
    if d.status == "resolved"
        && let Some(battle) = d
            .result_json
            .as_deref()
            .and_then(|j| serde_json::from_str::<Battle>(j).ok())
    {
        let r = &battle.rewards;
        v.rewards = Some(match d.friendly.as_deref() {
            Some(why) => DuelRewards {
                friendly: Some(why.to_string()),
                winner: Some(battle.winner_username.clone()),
                loser: Some(battle.loser_username.clone()),
                fighting_xp: Some(0),
                xp: Some(0),
                description: Some(format!(
                    "A friendly: {} wins, but no XP and no buff are paid ({}).",
                    battle.winner_username,
                    if why == "weekly_pair_limit" {
                        "you two already fought a duel that counted this week"
                    } else {
                        "the winner was already paid for 3 duel wins today"
                    }
                )),
                buff: None,
            },
            None => DuelRewards {
                winner: Some(battle.winner_username.clone()),
                fighting_xp: Some(r.winner_fighting_xp),
                // `xp` and `description` are what the web UI's reward label reads.
                xp: Some(r.winner_fighting_xp),
                description: Some(format!(
                    "{} earns {} Fighting XP{}; {} gets the Training Arc Buff (x{} for {} h)",
                    battle.winner_username,
                    r.winner_fighting_xp,
                    if battle.upset { " (upset!)" } else { "" },
                    battle.loser_username,
                    r.loser_buff_multiplier,
                    r.loser_buff_hours,
                )),
                loser: Some(battle.loser_username.clone()),
                buff: Some(DuelBuff {
                    name: "Training Arc Buff".into(),
                    multiplier: r.loser_buff_multiplier,
                    hours: r.loser_buff_hours,
                }),
                friendly: None,
            },
        });
        v.winner = Some(battle.winner_username);
        v.upset = Some(battle.upset);
        v.rounds = Some(
            battle
                .rounds
                .into_iter()
                .map(|r| Round {
                    n: r.n,
                    lines: r.lines,
                    challenger_hp: r.challenger_hp,
                    opponent_hp: r.opponent_hp,
                })
                .collect(),
        );
        v.challenger_power = Some(battle.challenger_power.round());
        v.opponent_power = Some(battle.opponent_power.round());
        // A signed link (no token needed), fresh on every read.
        if let Some(key) = &d.replay_key {
            v.replay_url = Some(crate::services::media::link(state, key).await?);
        }
    }
    if d.status == "queued" {
        // Where the battle job is: waiting, running, retrying after an error, or
        // failed for good (kept visible, never silently dropped).
        let job = state.store.job_state(&battle_job_key(d.id)).await?;
        v.job_status = Some(match &job {
            Some(j) if j.status == "failed" => "failed".to_string(),
            Some(j) if j.status == "queued" && j.attempts > 0 => "retrying".to_string(),
            Some(j) => j.status.clone(),
            None => "running".to_string(),
        });
        if let Some(j) = job {
            v.job_attempts = Some(j.attempts);
            v.job_error = j.last_error;
        }
    }
    Ok(v)
}

/// The battle job's work. Returns without doing anything when the duel is gone or
/// already resolved, so re-runs are harmless.
pub async fn resolve(state: &Arc<AppState>, duel_id: i64) -> anyhow::Result<()> {
    let Some(d) = state.store.duel(duel_id).await? else {
        return Ok(());
    };
    if d.status != "queued" {
        return Ok(());
    }
    let parse = |s: &Option<String>| -> anyhow::Result<Fighter> {
        Ok(serde_json::from_str(s.as_deref().unwrap_or_default())?)
    };
    let input = DuelInput {
        duel_id: d.id.to_string(),
        challenger: parse(&d.challenger_json)?,
        opponent: parse(&d.opponent_json)?,
    };
    let battle = state.battles.fight(&input).await?;
    // The replay goes first: the battle is deterministic, so a re-run writes the same
    // object again, and a committed duel always has its replay.
    let key = objects::replay_key(d.id);
    let replay = json!({
        "duel_id": d.id,
        "challenger": input.challenger,
        "opponent": input.opponent,
        "battle": battle,
    });
    state
        .objects
        .put(&key, serde_json::to_vec(&replay)?.into())
        .await?;

    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let d = tx.lock_duel(duel_id).await?;
    if d.status != "queued" {
        return Ok(());
    }
    let (lo, hi) = (
        d.challenger_id.min(d.opponent_id),
        d.challenger_id.max(d.opponent_id),
    );
    let p_lo = tx.lock_player(lo).await?;
    let p_hi = tx.lock_player(hi).await?;
    let winner_id = match battle.winner {
        Side::Challenger => d.challenger_id,
        Side::Opponent => d.opponent_id,
    };
    let (mut winner, mut loser) = if p_lo.id == winner_id {
        (p_lo, p_hi)
    } else {
        (p_hi, p_lo)
    };
    // §8: only the pair's first resolved duel of the (UTC) ISO week pays, and a
    // winner is paid for at most 3 wins per local date. Both players are locked, so
    // these counts cannot race another resolution of either of them.
    let pair_week = local::week_start(now.date_naive()).to_string();
    let pair_before = tx.pair_duels_in_week(lo, hi, &pair_week).await?;
    let win_date = progress::date_at(&winner, now).to_string();
    let paid_today = tx.paid_wins_on(winner.id, &win_date).await?;
    let friendly = shonen_rules::friendly(
        u32::try_from(pair_before).unwrap_or(u32::MAX),
        u32::try_from(paid_today).unwrap_or(u32::MAX),
    );
    if friendly.is_none() {
        let reason = if battle.upset {
            format!("upset win in a duel against {}", loser.username)
        } else {
            format!("won a duel against {}", loser.username)
        };
        progress::post(
            &mut tx,
            &mut winner,
            progress::Entry {
                at: now,
                stat: Some(Stat::Fighting),
                amount: battle.rewards.winner_fighting_xp,
                reason: &reason,
                activity_id: None,
                rule_key: Some(win_rule_key(d.id)),
            },
        )
        .await?;
        // A new loss restarts the 72 h; the buff never stacks.
        loser.buff_expires_at =
            Some((now + Duration::hours(battle.rewards.loser_buff_hours)).timestamp_micros());
        tx.save_progress(&winner).await?;
        tx.save_progress(&loser).await?;
    }
    tx.resolve_duel(
        d.id,
        DuelResult {
            winner_id,
            upset: battle.upset,
            result_json: serde_json::to_string(&battle)?,
            replay_key: key,
            now: now.timestamp_micros(),
        },
    )
    .await?;
    tx.set_duel_fair_play(
        d.id,
        &pair_week,
        friendly.is_none().then_some(win_date.as_str()),
        friendly.map(|f| f.as_str()),
    )
    .await?;
    tx.commit().await?;
    metrics::counter!("shonen_duels_resolved_total").increment(1);
    progress::after_commit(state, &winner).await;
    progress::after_commit(state, &loser).await;
    let resolved = state.store.duel(d.id).await?.unwrap_or(d);
    let (c, o) = if winner.id == resolved.challenger_id {
        (&winner, &loser)
    } else {
        (&loser, &winner)
    };
    let view = view_of(state, &resolved, c, o)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    for id in [winner.id, loser.id] {
        state.events.publish(id, "duel_resolved", json!(view));
    }
    Ok(())
}

/// The stored replay of a resolved duel, for one of its two players.
pub async fn replay(state: &AppState, player_id: i64, duel_id: i64) -> ApiResult<bytes::Bytes> {
    let d = state
        .store
        .duel(duel_id)
        .await?
        .filter(|d| d.is_party(player_id))
        .ok_or_else(|| ApiError::not_found("duel"))?;
    let key = d.replay_key.ok_or_else(|| ApiError::not_found("replay"))?;
    state
        .objects
        .get(&key)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("replay"))
}
