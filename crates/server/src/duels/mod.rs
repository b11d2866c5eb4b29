//! The duels capability (§8): challenge, accept, decline, the battle's resolution,
//! and reading duels and their replays.
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
//!
//! The shape is the accounts template: `model.rs` (parsed types, results),
//! `error.rs` (`DuelsError`, no protocol), `store.rs` (the ports), `view.rs` (the
//! `duel` object); here the use cases. Never `app`, `http`, `grpc`, `jobs`,
//! `extract`, axum or tonic: the adapters call it, map `DuelsError` once each
//! (`http::errors`, `grpc::status::duels`) and run what follows a commit outside the
//! database (caches, leaderboards, events).

mod error;
mod model;
mod store;
mod view;

pub use error::DuelsError;
pub use model::{
    ChallengeInput, Challenged, DuelId, ListQuery, Opponent, Resolved, Status, status_filter,
};
pub use store::{DuelJobs, DuelStore, DuelTx};

use crate::battles::Executor;
use crate::clock::Clock;
use crate::ledger::Entry;
use crate::local;
use crate::model::{Duel, DuelList};
use crate::objects::{self, Objects};
use crate::player::{calendar, class, date_at, display_streak, today};
use crate::storage::{DuelResult, DuelRow, NewDuel, PlayerRow, Store, StoreError, StoreResult};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use shonen_rules::{DuelInput, Fighter, Side, Stat, level_for_xp, moves_for};
use std::sync::Arc;

/// Challenges a player may send per local day.
pub const DAILY_CHALLENGES: i64 = 5;
/// How long a challenge waits for an answer.
pub const EXPIRY_HOURS: i64 = 24;
/// The most duels a list shows.
const LIST_LIMIT: i64 = 100;

/// The battle job's dedup key: one battle per duel, and the key a queued duel's
/// `job_status` is read under.
pub fn battle_job_key(duel_id: i64) -> String {
    format!("duel_battle:{duel_id}")
}

pub fn win_rule_key(duel_id: i64) -> String {
    format!("duel:{duel_id}:win")
}

pub type DuelsResult<T> = Result<T, DuelsError>;

/// The duels use cases over a store `S` (the service's `Store` unless a test brings
/// its own).
pub struct Duels<S: DuelStore = Store> {
    store: S,
    jobs: Arc<dyn DuelJobs<S::Tx>>,
    clock: Arc<Clock>,
    /// Where replays are kept and signed links to them made.
    objects: Objects,
    /// Where battles are computed (in-process or Lambda).
    battles: Arc<Executor>,
}

impl<S: DuelStore + Clone> Clone for Duels<S> {
    fn clone(&self) -> Self {
        Duels {
            store: self.store.clone(),
            jobs: self.jobs.clone(),
            clock: self.clock.clone(),
            objects: self.objects.clone(),
            battles: self.battles.clone(),
        }
    }
}

/// Locks both players in id order (as every transaction that locks two does, so
/// none deadlocks) and returns them as `(a, b)`.
async fn lock_both<T: DuelTx>(tx: &mut T, a: i64, b: i64) -> StoreResult<(PlayerRow, PlayerRow)> {
    let lo = tx.lock_player(a.min(b)).await?;
    let hi = tx.lock_player(a.max(b)).await?;
    Ok(if lo.id == a { (lo, hi) } else { (hi, lo) })
}

/// A duel the player is part of; anyone else gets `NotFound`.
async fn lock_party_duel<T: DuelTx>(
    tx: &mut T,
    player_id: i64,
    id: DuelId,
) -> DuelsResult<DuelRow> {
    match tx.lock_duel(id.get()).await {
        Ok(d) if d.is_party(player_id) => Ok(d),
        Ok(_) | Err(StoreError::NotFound) => Err(DuelsError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Why a duel that is not pending cannot be answered.
fn not_pending(d: &DuelRow) -> DuelsError {
    match d.status.as_str() {
        "expired" => DuelsError::Expired,
        "declined" => DuelsError::Declined,
        _ => DuelsError::AlreadyAccepted,
    }
}

/// A fighter's snapshot, taken inside the accepting transaction.
async fn snapshot<T: DuelTx>(
    tx: &mut T,
    p: &PlayerRow,
    now: DateTime<Utc>,
) -> StoreResult<Fighter> {
    let trained_today = tx.trained_on(p.id, &today(p, now).to_string()).await?;
    Ok(Fighter {
        username: p.username.clone(),
        total_xp: p.total_xp,
        streak: display_streak(p, trained_today),
        strength_xp: p.xp_strength,
        class: class(p),
        level: level_for_xp(p.total_xp),
        moves: moves_for(p.xp_fighting),
    })
}

fn internal(e: impl std::fmt::Display) -> DuelsError {
    DuelsError::Internal(e.to_string())
}

impl<S: DuelStore> Duels<S> {
    pub fn new(
        store: S,
        jobs: Arc<dyn DuelJobs<S::Tx>>,
        clock: Arc<Clock>,
        objects: Objects,
        battles: Arc<Executor>,
    ) -> Duels<S> {
        Duels {
            store,
            jobs,
            clock,
            objects,
            battles,
        }
    }

    /// Where this service computes battles (named in logs and benchmarks).
    pub fn battles(&self) -> &Executor {
        &self.battles
    }

    /// Sends a challenge to the player the input names.
    pub async fn challenge(
        &self,
        challenger_id: i64,
        input: ChallengeInput,
    ) -> DuelsResult<Challenged> {
        let opponent = Opponent::parse(&input.opponent)?;
        let Some(rival) = self.store.player_by_username(opponent.as_str()).await? else {
            return Err(DuelsError::UnknownOpponent(opponent.as_str().to_string()));
        };
        if rival.id == challenger_id {
            return Err(DuelsError::SelfDuel);
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        // Locking the challenger serializes their challenges, so the daily count holds.
        let me = tx.lock_player(challenger_id).await?;
        // Counted per local date of the player's calendar, which never begins a date
        // twice (§10): changing timezone cannot restart the count.
        let calendar = calendar(&me);
        let today = calendar.date_at(now).to_string();
        if tx.challenges_sent_on(me.id, &today).await? >= DAILY_CHALLENGES {
            let retry = (calendar.next_midnight(now) - now).num_seconds().max(1) as u64;
            return Err(DuelsError::DailyLimit {
                limit: DAILY_CHALLENGES,
                retry_after: retry,
            });
        }
        if tx.open_duel_between(me.id, rival.id).await? {
            return Err(DuelsError::AlreadyOpen);
        }
        let expires_at = now + Duration::hours(EXPIRY_HOURS);
        let duel = match tx
            .insert_duel(NewDuel {
                challenger_id: me.id,
                opponent_id: rival.id,
                challenger_date: today,
                now: now.timestamp_micros(),
                expires_at: expires_at.timestamp_micros(),
                // Found again by a retry of a challenge that died before answering.
                idem_key: crate::request::idempotency_key(),
            })
            .await
        {
            Ok(d) => d,
            // The unique index caught a challenge racing this one.
            Err(StoreError::Conflict(_)) => return Err(DuelsError::AlreadyOpen),
            Err(e) => return Err(e.into()),
        };
        self.jobs
            .expire_at(&mut tx, duel.id, expires_at, now)
            .await?;
        tx.commit().await?;
        let view = self.view_of(&duel, &me, &rival).await?;
        Ok(Challenged {
            duel: view,
            challenger_id: me.id,
            opponent_id: rival.id,
        })
    }

    /// Checks the player may answer the pending duel. An overdue challenge whose
    /// expiry job has not run yet is expired here (and that is committed).
    async fn check_answerable(
        &self,
        mut tx: S::Tx,
        player_id: i64,
        d: &DuelRow,
        now: i64,
    ) -> DuelsResult<S::Tx> {
        if d.challenger_id == player_id {
            return Err(DuelsError::ChallengerCannotAnswer);
        }
        if d.status != Status::Pending.as_str() {
            return Err(not_pending(d));
        }
        if d.expires_at <= now {
            tx.expire_duel(d.id, now).await?;
            tx.commit().await?;
            return Err(DuelsError::Expired);
        }
        Ok(tx)
    }

    /// The opponent accepts: both snapshots are taken and the battle is queued.
    pub async fn accept(&self, player_id: i64, id: DuelId) -> DuelsResult<Duel> {
        let now = self.clock.now();
        let mut begun = self.store.begin().await?;
        let d = lock_party_duel(&mut begun, player_id, id).await?;
        let mut tx = self
            .check_answerable(begun, player_id, &d, now.timestamp_micros())
            .await?;
        let (challenger, opponent) = lock_both(&mut tx, d.challenger_id, d.opponent_id).await?;
        let c = snapshot(&mut tx, &challenger, now).await?;
        let o = snapshot(&mut tx, &opponent, now).await?;
        let enc = |f: &Fighter| serde_json::to_string(f).map_err(internal);
        tx.queue_duel(d.id, &enc(&c)?, &enc(&o)?, now.timestamp_micros())
            .await?;
        self.jobs.fight(&mut tx, d.id, now).await?;
        tx.commit().await?;
        self.jobs.wake();
        let d = self.store.duel(d.id).await?.ok_or(DuelsError::NotFound)?;
        self.view_of(&d, &challenger, &opponent).await
    }

    /// The opponent declines.
    pub async fn decline(&self, player_id: i64, id: DuelId) -> DuelsResult<Duel> {
        let now = self.clock.now();
        let mut begun = self.store.begin().await?;
        let d = lock_party_duel(&mut begun, player_id, id).await?;
        let mut tx = self
            .check_answerable(begun, player_id, &d, now.timestamp_micros())
            .await?;
        tx.decline_duel(d.id, now.timestamp_micros()).await?;
        tx.commit().await?;
        self.view(player_id, id).await
    }

    /// Expires a challenge nobody answered (the expiry job). Returns whether it was
    /// still pending; once answered this does nothing.
    pub async fn expire(&self, duel_id: i64) -> DuelsResult<bool> {
        Ok(self
            .store
            .expire_duel(duel_id, self.clock.now_micros())
            .await?)
    }

    /// The duel, if the player is one of its two players.
    async fn party_duel(&self, player_id: i64, id: DuelId) -> DuelsResult<DuelRow> {
        self.store
            .duel(id.get())
            .await?
            .filter(|d| d.is_party(player_id))
            .ok_or(DuelsError::NotFound)
    }

    /// One duel as the contract's `duel`, for one of its players.
    pub async fn view(&self, player_id: i64, id: DuelId) -> DuelsResult<Duel> {
        let d = self.party_duel(player_id, id).await?;
        self.duel_view(&d).await
    }

    /// The player's duels, newest first (at most 100), optionally of one status.
    pub async fn list(&self, player_id: i64, query: ListQuery) -> DuelsResult<DuelList> {
        let status = status_filter(query.status.as_deref())?;
        let rows = self
            .store
            .duels_of(player_id, status.map(Status::as_str), LIST_LIMIT)
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for d in &rows {
            items.push(self.duel_view(d).await?);
        }
        Ok(DuelList { items })
    }

    /// The stored replay of a resolved duel (JSON), for one of its two players.
    pub async fn replay(&self, player_id: i64, id: DuelId) -> DuelsResult<bytes::Bytes> {
        let d = self.party_duel(player_id, id).await?;
        let key = d.replay_key.ok_or(DuelsError::NoReplay)?;
        self.objects
            .get(&key)
            .await
            .map_err(DuelsError::Backend)?
            .ok_or(DuelsError::NoReplay)
    }

    async fn duel_view(&self, d: &DuelRow) -> DuelsResult<Duel> {
        let c = self.store.player(d.challenger_id).await?;
        let o = self.store.player(d.opponent_id).await?;
        let (Some(c), Some(o)) = (c, o) else {
            return Err(DuelsError::NotFound);
        };
        self.view_of(d, &c, &o).await
    }

    /// `view::duel_of` plus what needs I/O: a resolved duel's replay link, a queued
    /// one's battle job.
    async fn view_of(
        &self,
        d: &DuelRow,
        challenger: &PlayerRow,
        opponent: &PlayerRow,
    ) -> DuelsResult<Duel> {
        let mut v = view::duel_of(d, challenger, opponent);
        // A shown battle (it has a winner) links its replay: signed (no token
        // needed), fresh on every read.
        if v.winner.is_some()
            && let Some(key) = &d.replay_key
        {
            let link = self
                .objects
                .link(key, self.clock.now().timestamp())
                .await
                .map_err(DuelsError::Backend)?;
            v.replay_url = Some(link);
        }
        if d.status == Status::Queued.as_str() {
            let job = self.store.job_state(&battle_job_key(d.id)).await?;
            view::show_job(&mut v, job);
        }
        Ok(v)
    }

    /// The battle job's work. `None`, doing nothing, when the duel is gone or no
    /// longer queued, so re-runs are harmless.
    pub async fn resolve(&self, duel_id: i64) -> DuelsResult<Option<Resolved>> {
        let Some(d) = self.store.duel(duel_id).await? else {
            return Ok(None);
        };
        if d.status != Status::Queued.as_str() {
            return Ok(None);
        }
        let parse = |s: &Option<String>| -> DuelsResult<Fighter> {
            serde_json::from_str(s.as_deref().unwrap_or_default()).map_err(internal)
        };
        let input = DuelInput {
            duel_id: d.id.to_string(),
            challenger: parse(&d.challenger_json)?,
            opponent: parse(&d.opponent_json)?,
        };
        let battle = self
            .battles
            .fight(&input)
            .await
            .map_err(DuelsError::Backend)?;
        // The replay goes first: the battle is deterministic, so a re-run writes the
        // same object again, and a committed duel always has its replay.
        let key = objects::replay_key(d.id);
        let replay = json!({
            "duel_id": d.id,
            "challenger": input.challenger,
            "opponent": input.opponent,
            "battle": battle,
        });
        let bytes = serde_json::to_vec(&replay).map_err(internal)?;
        self.objects
            .put(&key, bytes.into())
            .await
            .map_err(DuelsError::Backend)?;

        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let d = tx.lock_duel(duel_id).await?;
        if d.status != Status::Queued.as_str() {
            return Ok(None);
        }
        let winner_id = match battle.winner {
            Side::Challenger => d.challenger_id,
            Side::Opponent => d.opponent_id,
        };
        let loser_id = if winner_id == d.challenger_id {
            d.opponent_id
        } else {
            d.challenger_id
        };
        let (mut winner, mut loser) = lock_both(&mut tx, winner_id, loser_id).await?;
        // §8: only the pair's first resolved duel of the ISO week pays, and a winner
        // is paid for at most 3 wins per local date. The pair's week is local too:
        // that of the player of the pair registered first (the same for every duel of
        // the pair; both players' own when they share a timezone). Both players are
        // locked, so these counts cannot race another resolution of either of them.
        let anchor = if winner.id < loser.id {
            &winner
        } else {
            &loser
        };
        let pair_week = local::week_start(date_at(anchor, now)).to_string();
        let pair_before = tx
            .pair_duels_in_week(winner.id, loser.id, &pair_week)
            .await?;
        let win_date = date_at(&winner, now).to_string();
        let paid_today = tx.paid_wins_on(winner.id, &win_date).await?;
        let friendly = shonen_rules::friendly(
            u32::try_from(pair_before).unwrap_or(u32::MAX),
            u32::try_from(paid_today).unwrap_or(u32::MAX),
        );
        let winner_before = (winner.total_xp, winner.xp_fighting);
        let mut paid = 0;
        if friendly.is_none() {
            let reason = if battle.upset {
                format!("upset win in a duel against {}", loser.username)
            } else {
                format!("won a duel against {}", loser.username)
            };
            paid = tx
                .post(
                    &mut winner,
                    Entry {
                        at: now,
                        stat: Some(Stat::Fighting),
                        amount: battle.rewards.winner_fighting_xp,
                        reason: &reason,
                        activity_id: None,
                        rule_key: Some(win_rule_key(d.id)),
                    },
                )
                .await?
                .unwrap_or(0);
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
                result_json: serde_json::to_string(&battle).map_err(internal)?,
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
        let resolved = self.store.duel(d.id).await?.unwrap_or(d);
        let (c, o) = if winner.id == resolved.challenger_id {
            (&winner, &loser)
        } else {
            (&loser, &winner)
        };
        let duel = self.view_of(&resolved, c, o).await?;
        Ok(Some(Resolved {
            duel,
            winner,
            loser,
            paid,
            winner_before,
        }))
    }
}

#[cfg(test)]
mod tests;
