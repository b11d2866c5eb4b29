//! The weekly boss as the player and the job worker see it (§9): this week's fight
//! (created on first sight), the hall of past ones, an escape cutscene shown once,
//! the badges, and the weekly rollover that ends each player's fight at their local
//! week end. The villain of an ISO week is stored once, so everyone meets the same
//! one; the fight's steps under the lock are `fight.rs`'s.

use super::boss::{boss_view, corrupt, monday_of, next_rollover, villain_row, week_end, week_of};
use super::error::ProgressError;
use super::fight::{end_week, ensure_battle};
use super::news::BossNews;
use super::store::{ProgressStore, ProgressTx};
use super::{Progress, ProgressResult};
use crate::clock::from_micros;
use crate::local;
use crate::model;
use crate::storage::{PlayerRow, StoreError, VillainRow};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::HashMap;
use std::future::Future;

/// How many past weeks `boss_history` shows (two years).
const HISTORY_WEEKS: i64 = 104;

/// A week the rollover ended, as committed: what follows it outside the database
/// (caches, boards, events) is the caller's.
#[derive(Debug)]
pub struct WeekClosed {
    pub player: PlayerRow,
    pub news: BossNews,
}

impl<S: ProgressStore> Progress<S> {
    /// Makes sure the villain of the week starting `monday` is stored, asking the
    /// generator (possibly over the network) only when it is not: never inside a
    /// transaction. The first writer wins; everyone reads the stored one.
    pub async fn prepare_villain(&self, monday: NaiveDate) -> ProgressResult<VillainRow> {
        let (y, w, label) = week_of(monday);
        if let Some(v) = self.store.villain(&label).await? {
            return Ok(v);
        }
        let generated = self
            .generator
            .villain(y, w)
            .await
            .map_err(|e| corrupt("villain", e))?;
        let row = villain_row(&generated.villain, generated.source, self.clock.now())?;
        Ok(self.store.insert_villain_once(row).await?)
    }

    /// The player and the Monday of their current week.
    async fn player_week(
        &self,
        player_id: i64,
        now: DateTime<Utc>,
    ) -> ProgressResult<(PlayerRow, NaiveDate)> {
        let p = self
            .store
            .player(player_id)
            .await?
            .ok_or(ProgressError::PlayerNotFound)?;
        let monday = monday_of(&p, now);
        Ok((p, monday))
    }

    /// THE read of a player's boss this week (the one place a cache may sit in
    /// front of): the villain, HP, objectives with progress, status and reward.
    pub async fn boss(&self, player_id: i64) -> ProgressResult<model::Boss> {
        let now = self.clock.now();
        let (p, monday) = self.player_week(player_id, now).await?;
        let villain = self.prepare_villain(monday).await?;
        let battle = match self.store.battle(p.id, &villain.week).await? {
            Some(b) => b,
            None => {
                let mut tx = self.store.begin().await?;
                let locked = lock(&mut tx, player_id).await?;
                let (b, _, _) =
                    ensure_battle(&mut tx, self.jobs.as_ref(), &locked, monday, now).await?;
                tx.commit().await?;
                b
            }
        };
        Ok(boss_view(&villain, &battle, local::tz(&p.timezone)))
    }

    /// `GET /boss`: this week's boss, with the newest escape cutscene the player has
    /// not seen yet (marked seen as it is returned).
    pub async fn boss_page(&self, player_id: i64) -> ProgressResult<model::Boss> {
        let mut boss = self.boss(player_id).await?;
        boss.pending_cutscene = self.take_pending_cutscene(player_id).await?;
        Ok(boss)
    }

    /// `GET /boss/history`: past weeks' bosses, newest first, with the newest unseen
    /// escape cutscene (marked seen as it is returned).
    pub async fn boss_history(&self, player_id: i64) -> ProgressResult<model::BossHistory> {
        let (p, monday) = self.player_week(player_id, self.clock.now()).await?;
        let tz = local::tz(&p.timezone);
        let battles = self
            .store
            .past_battles(p.id, &monday.to_string(), HISTORY_WEEKS)
            .await?;
        let mut villains: HashMap<String, VillainRow> = HashMap::new();
        let mut items = Vec::with_capacity(battles.len());
        for b in &battles {
            if !villains.contains_key(&b.week) {
                let v = self
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
        Ok(model::BossHistory {
            items,
            pending_cutscene: self.take_pending_cutscene(player_id).await?,
        })
    }

    /// The newest escape cutscene the player has not seen yet, marked seen as it is
    /// returned (so it is shown once; the history keeps it).
    async fn take_pending_cutscene(
        &self,
        player_id: i64,
    ) -> ProgressResult<Option<model::PendingCutscene>> {
        if !self.store.has_unseen_cutscene(player_id).await? {
            return Ok(None);
        }
        let unseen = self.store.take_unseen_cutscenes(player_id).await?;
        let Some((newest, older)) = unseen.split_first() else {
            return Ok(None);
        };
        let name = self
            .store
            .villain(&newest.week)
            .await?
            .map(|v| v.name)
            .unwrap_or_default();
        Ok(Some(model::PendingCutscene {
            week: newest.week.clone(),
            name,
            cutscene: newest.cutscene.clone(),
            also_unseen: older.iter().map(|c| c.week.clone()).collect(),
        }))
    }

    /// The player's boss badges, oldest first.
    pub async fn badges(&self, player_id: i64) -> ProgressResult<Vec<model::Badge>> {
        Ok(self
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

    /// Ends the player's fight of the week starting `monday` if that week has ended:
    /// defeated if the week's activities did it, else escaped with the penalty and
    /// the cutscene. One transaction; a second run finds the fight ended and does
    /// nothing, and so does a week that has not ended. `None` if the player is gone.
    pub async fn close_week(
        &self,
        player_id: i64,
        monday: NaiveDate,
    ) -> ProgressResult<Option<WeekClosed>> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut p = match tx.lock_player(player_id).await {
            Ok(p) => p,
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if now < week_end(monday, local::tz(&p.timezone)) {
            return Ok(Some(WeekClosed {
                player: p,
                news: BossNews::default(),
            }));
        }
        let news = end_week(&mut tx, self.jobs.as_ref(), &mut p, monday, now).await?;
        tx.save_progress(&p).await?;
        tx.commit().await?;
        Ok(Some(WeekClosed { player: p, news }))
    }

    /// The weekly rollover of one player: ends every week that has ended since the
    /// last one ended (catching up after downtime, one committed week at a time,
    /// each handed to `after_each` once committed), then opens the current week's
    /// fight so its objectives are fixed at the week's start. Returns when to run
    /// again, or `None` if the player is gone.
    pub async fn roll_over<F, Fut>(
        &self,
        player_id: i64,
        mut after_each: F,
    ) -> ProgressResult<Option<DateTime<Utc>>>
    where
        F: FnMut(WeekClosed) -> Fut + Send,
        Fut: Future<Output = ()> + Send,
    {
        let now = self.clock.now();
        let Some(p) = self.store.player(player_id).await? else {
            return Ok(None);
        };
        let tz = local::tz(&p.timezone);
        let current = monday_of(&p, now);
        let registered = local::week_start(local::parse_date(&p.registered_on).unwrap_or(current));
        let (last, first) = {
            let mut tx = self.store.begin().await?;
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
            let Some(closed) = self.close_week(player_id, monday).await? else {
                return Ok(None);
            };
            after_each(closed).await;
            monday += Duration::days(7);
        }
        self.prepare_villain(current).await?;
        // Open this week's fight so its objectives are fixed at the week's start.
        let mut tx = self.store.begin().await?;
        match tx.lock_player(player_id).await {
            Ok(p) => {
                ensure_battle(&mut tx, self.jobs.as_ref(), &p, current, now).await?;
                tx.commit().await?;
            }
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        Ok(Some(next_rollover(now, tz)))
    }
}

/// The player's row, locked (`PlayerNotFound` if none).
async fn lock<T: ProgressTx>(tx: &mut T, player_id: i64) -> ProgressResult<PlayerRow> {
    match tx.lock_player(player_id).await {
        Ok(p) => Ok(p),
        Err(StoreError::NotFound) => Err(ProgressError::PlayerNotFound),
        Err(e) => Err(e.into()),
    }
}
