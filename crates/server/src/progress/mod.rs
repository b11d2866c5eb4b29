//! The progress capability: logging and editing an activity, closing a player's
//! ended days, the weekly boss fight (an activity's hit on it, the reads of it, and
//! the weekly rollover that ends it), the player's XP ledger and `player` view.
//!
//! ONE way an activity is written: `plan` turns the player's state, the input and the
//! moment into a `Plan` (the award, the rows, the boss damage) with no I/O, and the
//! store commits it (`ProgressStore::commit_plan`) only if the player is still at
//! the version it was planned from. The state comes from this instance's snapshot of
//! the player or a fresh read; a plan that finds a day to close or a fight to create
//! or finish is made again under the player's lock, where those steps run first
//! (`close_days`) or after (`fight::on_activity`), in the same transaction (see
//! docs/activities.md).
//!
//! The shape is the duels template: `model.rs` (parsed input, typed results),
//! `error.rs` (`ProgressError`, no protocol), `store.rs` (the ports: storage, the
//! rollover job queue, the villain generator), `plan.rs` and `boss.rs` (pure),
//! `fight.rs` (the fight's steps under the lock), `bosses.rs` (the boss reads and
//! the weekly rollover), `pages.rs` (the ledger, the page query), `player_view.rs`
//! (the contract's `player`), `news.rs` (what the adapters announce). Never `app`,
//! `http`, `grpc`, `jobs`, `extract`, axum or tonic: the adapters call it, map
//! `ProgressError` once each and run what follows a commit outside the database
//! (caches, leaderboards, events).

mod boss;
mod bosses;
mod day_close;
mod day_total;
mod error;
mod fight;
mod model;
mod news;
mod pages;
mod plan;
mod player_view;
mod snapshot;
mod store;
#[cfg(test)]
mod tests;

pub use boss::{
    Hit, boss_view, current_week, damage, monday_of, next_rollover, objectives_of, progress_of,
    strike, summarize, week_dates, week_end, week_of,
};
pub use bosses::WeekClosed;
pub use day_close::close_days;
pub use day_total::add_to_day_total;
pub use error::ProgressError;
pub use model::{ActivityBody, EditBody, LogInput, Logged, activity_view, award_of};
pub use news::{BossDamaged, BossDefeated, BossEscaped, BossNews, DefeatReward};
pub use pages::PageQuery;
pub use plan::{
    Before, Facts, Fight, Plan, Request, award_view, fact_dates, late_first_training, plan,
    plan_with_fight, settled_training, strike_with,
};
pub use player_view::{player_of, stats_of};
pub use snapshot::Gates;
pub use store::{GenFuture, Generated, ProgressStore, ProgressTx, RolloverJobs, VillainGenerator};

use crate::clock::{Clock, from_micros};
use crate::ledger::Entry;
use crate::player::{date_at, settle};
use crate::storage::{Store, VillainRow};
use error::internal;
use model::{read_stored_award, stored_award_json};
use shonen_rules::award::edit_window_open;
use shonen_rules::{ActivityKind, Award, Set, check_occurred_at};
use snapshot::{Needs, Shard, Snapshot, keep};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub type ProgressResult<T> = Result<T, ProgressError>;

/// Reads of a player's state a log makes before it takes the lock instead.
const UNLOCKED_READS: u32 = 2;

/// The progress use cases over a store `S` (the service's `Store` unless a test
/// brings its own).
pub struct Progress<S: ProgressStore = Store> {
    store: S,
    /// Where a new fight schedules the player's weekly rollover.
    jobs: Arc<dyn RolloverJobs<S::Tx>>,
    /// Where a week's villain comes from the first time it is needed.
    generator: Arc<dyn VillainGenerator>,
    clock: Arc<Clock>,
    /// Serializes logging per player inside this instance (sharded by id), so the
    /// unlocked write rarely meets itself.
    gates: Gates,
    /// Stored villains by week label, read once per instance (a stored villain never
    /// changes).
    villains: Mutex<HashMap<String, VillainRow>>,
    /// How often the fight's steps under the lock ran (a plan takes the fight's hit
    /// itself, so they run only for a fight to create or a boss to defeat).
    #[cfg(test)]
    locked_fights: std::sync::atomic::AtomicUsize,
}

impl<S: ProgressStore> Progress<S> {
    pub fn new(
        store: S,
        jobs: Arc<dyn RolloverJobs<S::Tx>>,
        generator: Arc<dyn VillainGenerator>,
        clock: Arc<Clock>,
    ) -> Progress<S> {
        Progress {
            store,
            jobs,
            generator,
            clock,
            gates: Gates::default(),
            villains: Mutex::new(HashMap::new()),
            #[cfg(test)]
            locked_fights: Default::default(),
        }
    }

    /// Logs an activity for the player: its award, and everything it changes,
    /// committed at once. `idem_key` is the request's `Idempotency-Key`, written with
    /// the activity (a second write with it fails on the unique index).
    pub async fn log(
        &self,
        player_id: i64,
        input: LogInput,
        idem_key: Option<String>,
    ) -> ProgressResult<Logged> {
        let now = self.clock.now();
        let mut req = Request::new(input, idem_key, now);
        check_occurred_at(req.occurred_at, now)?;
        let mut shard = self.gates.enter(player_id).await;
        let logged = match self.log_unlocked(player_id, &mut req, &mut shard).await? {
            Some(logged) => logged,
            // Boxed: the locked path's future is about twice the size of the common
            // path's, and unboxed it would set the size of every log future that the
            // layers above (REST and gRPC) move around.
            None => Box::pin(self.log_locked(player_id, &mut req)).await?,
        };
        drop(shard);
        metrics::counter!("shonen_xp_awarded_total").increment(logged.activity.xp.max(0) as u64);
        Ok(logged)
    }

    /// The common case, without a lock of the player's row: plan from the player's
    /// snapshot (this instance's last known state, else read: the player first, with
    /// its version, then the week's day totals and boss fight) and commit the plan,
    /// which applies only if the player is still at the snapshot's version. `None`
    /// sends the request to the locked path: a day to close, a boss fight to create
    /// or finish, or a player that kept changing underneath.
    async fn log_unlocked(
        &self,
        player_id: i64,
        req: &mut Request,
        shard: &mut Shard,
    ) -> ProgressResult<Option<Logged>> {
        let mut known = shard.remove(&player_id);
        let mut reads = 0;
        loop {
            req.stamp(self.clock.now());
            let cached = known.take().and_then(|mut s| {
                // A pending setting whose moment has come applies to a kept snapshot too.
                settle(&mut s.player, req.now);
                let needs = Needs::of(&s.player, req);
                s.covers(&needs).then_some((s, needs))
            });
            let (mut snap, needs) = match cached {
                Some(found) => found,
                None if reads < UNLOCKED_READS => {
                    reads += 1;
                    let s = Snapshot::load(&self.store, player_id, req).await?;
                    let needs = Needs::of(&s.player, req);
                    (s, needs)
                }
                None => return Ok(None),
            };
            let villain = match &snap.battle {
                Some(_) => self.stored_villain(&needs.week).await?,
                None => None,
            };
            let occurred = req.occurred_at.timestamp_micros();
            let facts = Facts {
                days: &snap.days,
                strength_sessions_7d: snap.strength_sessions(needs.strength_since, occurred),
                late_streak: None,
            };
            let week_days = snap.days_between(&needs.week_from, &needs.week_to);
            let fight = Fight {
                battle: snap.battle.as_ref(),
                villain: villain.as_ref(),
                week_days: &week_days,
            };
            let Some(plan) = plan_with_fight(&snap.player, req, &facts, &fight)? else {
                return Ok(None);
            };
            match self.store.commit_plan(&plan.write).await? {
                Some(written) => {
                    snap.apply(&plan.write, written.activity.id);
                    let logged = Logged {
                        player: snap.player.clone(),
                        activity: written.activity,
                        award: plan.view,
                        closed: Vec::new(),
                        boss: plan.boss,
                        week: Some((plan.write.ledger.week_start, written.week_xp)),
                        streak: plan.streak,
                    };
                    keep(shard, player_id, snap);
                    return Ok(Some(logged));
                }
                None => {
                    metrics::counter!("shonen_activity_write_conflicts_total").increment(1);
                }
            }
        }
    }

    /// The general path: one transaction with the player's row locked, which first
    /// closes ended days, then commits the same plan (with its hit on the fight),
    /// then takes the boss fight's steps the plan could not (creating the fight, a
    /// defeat's reward).
    async fn log_locked(&self, player_id: i64, req: &mut Request) -> ProgressResult<Logged> {
        let mut tx = self.store.begin().await?;
        let mut p = tx.lock_player(player_id).await?;
        req.stamp(self.clock.now());
        let now = req.now;
        settle(&mut p, now);
        // Close any day that ended before this activity, so the streak is current.
        let closed = close_days(&mut tx, &mut p, now).await?;
        let date = date_at(&p, req.occurred_at);
        let (from, to) = fact_dates(date);
        let (week, week_from, week_to) = current_week(&p, now);
        // One read for the activity's week so far and the fight's week.
        let days = tx
            .day_kinds(
                p.id,
                from.as_str().min(week_from.as_str()),
                to.as_str().max(week_to.as_str()),
            )
            .await?;
        let battle = tx.battle(p.id, &week).await?;
        let villain = match &battle {
            Some(_) => self.stored_villain(&week).await?,
            None => None,
        };
        let strength_sessions_7d = if req.input.input.kind() == ActivityKind::Strength {
            tx.strength_sessions_between(
                p.id,
                req.strength_since(),
                req.occurred_at.timestamp_micros(),
            )
            .await?
        } else {
            0
        };
        let registered = crate::local::parse_date(&p.registered_on).unwrap_or(date);
        let late = late_first_training(
            req.input.input.kind(),
            date,
            &crate::player::chain(&p),
            registered,
            &days,
        );
        // Training late into a settled date joins the chain: rebuilt before the award,
        // whose combo counts it.
        let streak_before = crate::player::chain(&p).streak;
        let rebuilt = match late {
            Some(day) => day_close::rebuild_with(&mut tx, &mut p, day).await?,
            None => None,
        };
        // Training into a settled date counts that date's place in the chain.
        let late_streak = match &rebuilt {
            Some(r) => r.chain.streak_on(date),
            None if settled_training(
                req.input.input.kind(),
                date,
                &crate::player::chain(&p),
                registered,
            ) =>
            {
                day_close::streak_on(&mut tx, &p, date).await?
            }
            None => None,
        };
        let facts = Facts {
            days: &days,
            strength_sessions_7d,
            late_streak,
        };
        let mut plan = plan(&p, req, &facts)?;
        let week_days: Vec<_> = days
            .iter()
            .filter(|d| d.local_date >= week_from && d.local_date <= week_to)
            .cloned()
            .collect();
        let fight = Fight {
            battle: battle.as_ref(),
            villain: villain.as_ref(),
            week_days: &week_days,
        };
        let struck = strike_with(&mut plan, &p, &fight, now)?;
        let mut activity = tx
            .commit_plan(&plan.write)
            .await?
            .ok_or_else(|| internal("the locked player changed version"))?;
        p = plan.write.player;
        p.version += 1;
        // A rebuilt chain gives back the breaks it no longer has, and shows its
        // streak.
        let mut streak_news = plan.streak;
        if let Some(r) = &rebuilt {
            if day_close::give_back_breaks(&mut tx, &mut p, r, activity.id, now).await? {
                tx.save_progress(&p).await?;
            }
            if r.chain.streak != streak_before {
                let today = crate::player::calendar(&p).date_at(now).to_string();
                let trained_today = days
                    .iter()
                    .any(|d| d.local_date == today && d.training != 0);
                streak_news = Some(r.chain.streak + u32::from(trained_today));
            }
        }
        // Training logged late into a closed day that had none: that day did not end
        // without training after all, so a skip it cost is taken back, once.
        if let Some(day) = late
            && let Some(taken) = tx.rule_amount(p.id, &format!("skip:{day}")).await?
            && taken < 0
        {
            let at = crate::player::calendar(&p)
                .start_of(day.succ_opt().unwrap_or(day))
                .min(now);
            let refunded = tx
                .post(
                    &mut p,
                    Entry {
                        at,
                        stat: None,
                        amount: -taken,
                        reason: &format!("Training logged late for {day}: the skip is taken back."),
                        activity_id: Some(activity.id),
                        rule_key: Some(format!("skip_undone:{day}")),
                    },
                )
                .await?;
            if refunded.is_some() {
                tx.save_progress(&p).await?;
            }
        }
        let boss = if struck {
            plan.boss
        } else {
            #[cfg(test)]
            self.locked_fights
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            fight::on_activity(&mut tx, self.jobs.as_ref(), &mut p, &activity, now).await?
        };
        let mut view = plan.view;
        if boss.xp_changed() {
            // A defeat paid out: the award's level-up news includes it.
            tx.save_progress(&p).await?;
            view = award_view(&plan.award, &plan.before, &p);
            let stored = stored_award_json(&view, &plan.award)?;
            tx.set_activity_award(activity.id, &stored).await?;
            activity.award_json = stored;
        }
        tx.commit().await?;
        Ok(Logged {
            player: p,
            activity,
            award: view,
            closed,
            boss,
            week: None,
            streak: streak_news,
        })
    }

    /// Edits a strength session within 24 hours of it (§2): the award is recomputed
    /// with the edit penalty and the difference posted to the ledger.
    pub async fn edit(&self, player_id: i64, id: i64, body: EditBody) -> ProgressResult<Logged> {
        if let Some(sets) = &body.sets {
            model::check_exercises(sets)?;
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut p = tx.lock_player(player_id).await?;
        let a = tx
            .activity_for_update(player_id, id)
            .await?
            .ok_or(ProgressError::ActivityNotFound)?;
        if a.kind != "strength" {
            return Err(ProgressError::NotEditable);
        }
        if !edit_window_open(from_micros(a.occurred_at), now) {
            return Err(ProgressError::EditWindowClosed);
        }
        let original: Award = read_stored_award(&a)?
            .rules
            .ok_or_else(|| internal("stored award without its rules"))?;
        let old_sets: Vec<Set> = a
            .sets_json
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        let sets = body.sets.unwrap_or(old_sets);
        // A strength session always has its minutes.
        let duration = body.duration_min.or(a.duration_min).unwrap_or(0.0);
        let correction = shonen_rules::edit_correction(&original, sets.clone(), duration)?;
        // The ledger moves from what the session's entries actually moved to the
        // recomputed value: a cut floored at 0 XP took less than its size, and a
        // later edit upwards gives back only what was taken.
        let standing = tx.activity_award_total(player_id, a.id).await?;
        let delta = correction.award.final_xp - standing;
        let before = Before::of(&p);
        if delta != 0 {
            tx.post(
                &mut p,
                Entry {
                    at: now,
                    stat: Some(correction.award.stat),
                    amount: delta,
                    reason: "strength session edited",
                    activity_id: Some(a.id),
                    rule_key: None,
                },
            )
            .await?;
        }
        tx.save_progress(&p).await?;
        let view = award_view(&correction.award, &before, &p);
        let new_stored = stored_award_json(&view, &correction.award)?;
        let sets_json = serde_json::to_string(&sets).map_err(internal)?;
        tx.update_strength_activity(
            a.id,
            duration,
            &sets_json,
            correction.award.final_xp,
            &new_stored,
            now.timestamp_micros(),
        )
        .await?;
        tx.commit().await?;
        let updated = self
            .store
            .activity(player_id, id)
            .await?
            .ok_or(ProgressError::ActivityNotFound)?;
        Ok(Logged {
            player: p,
            activity: updated,
            award: view,
            closed: Vec::new(),
            boss: BossNews::default(),
            week: None,
            streak: None,
        })
    }

    /// A stored villain, read once per instance.
    async fn stored_villain(&self, week: &str) -> ProgressResult<Option<VillainRow>> {
        if let Some(v) = self
            .villains
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(week)
        {
            return Ok(Some(v.clone()));
        }
        let Some(v) = self.store.villain(week).await? else {
            return Ok(None);
        };
        self.villains
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(week.to_string(), v.clone());
        Ok(Some(v))
    }
}
