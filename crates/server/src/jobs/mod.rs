//! A small typed job API over the durable `jobs` table. A job is a serializable
//! value with a kind name and an optional dedup key; workers in any number of
//! server instances claim due jobs, run them, and finish, reschedule or retry them
//! with backoff. A job that keeps failing is marked `failed` and stays visible.

mod boss_week;
mod day_close;
mod duel_battle;
mod duel_expiry;

pub use boss_week::BossWeek;
pub use day_close::DayClose;
pub use duel_battle::DuelBattle;
pub use duel_expiry::DuelExpiry;

use crate::state::AppState;
use crate::storage::{JobRow, NewJob, StoreResult, Tx};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// How long a claimed job is reserved for its worker before others may take it.
const LEASE: Duration = Duration::from_secs(60);
/// Idle workers look for due work this often (new duels also wake one at once).
const IDLE_POLL: Duration = Duration::from_millis(500);
/// How long a drain waits for job runs other tasks of this process have under way.
const DRAIN_WAIT: Duration = Duration::from_secs(30);

pub enum Outcome {
    /// Done: the job row is deleted.
    Done,
    /// A recurring job: run again at this time.
    RunAgainAt(DateTime<Utc>),
}

pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    const KIND: &'static str;
    const MAX_ATTEMPTS: i64 = 8;

    /// Jobs with the same key exist at most once in the queue.
    fn dedup_key(&self) -> Option<String>;

    fn run(
        &self,
        state: &Arc<AppState>,
    ) -> impl std::future::Future<Output = anyhow::Result<Outcome>> + Send;
}

fn new_job<J: Job>(job: &J, run_at: DateTime<Utc>) -> StoreResult<NewJob> {
    Ok(NewJob {
        kind: J::KIND.to_string(),
        dedup_key: job.dedup_key(),
        payload: serde_json::to_string(job)
            .map_err(|e| crate::storage::StoreError::Corrupt(e.to_string()))?,
        run_at: run_at.timestamp_micros(),
        max_attempts: J::MAX_ATTEMPTS,
    })
}

/// The jobs every player has, from registration on: the nightly day close and the
/// weekly boss (accounts' `NewPlayerJobs` port).
pub struct PlayerJobs;

impl crate::accounts::NewPlayerJobs<Tx> for PlayerJobs {
    fn schedule<'a>(
        &'a self,
        tx: &'a mut Tx,
        player_id: i64,
        timezone: chrono_tz::Tz,
        now: DateTime<Utc>,
    ) -> futures_util::future::BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            let first_close = crate::local::next_midnight(now, timezone);
            enqueue_in(tx, &DayClose { player_id }, first_close, now).await?;
            let rollover = crate::progress::next_rollover(now, timezone);
            enqueue_in(tx, &BossWeek { player_id }, rollover, now).await?;
            Ok(())
        })
    }
}

/// The weekly boss rollover a player's first fight schedules (progress's
/// `RolloverJobs` port).
pub struct BossJobs;

impl crate::progress::RolloverJobs<Tx> for BossJobs {
    fn roll_over_at<'a>(
        &'a self,
        tx: &'a mut Tx,
        player_id: i64,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> futures_util::future::BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            enqueue_in(tx, &BossWeek { player_id }, at, now).await?;
            Ok(())
        })
    }
}

/// The jobs a duel needs: its expiry and its battle (duels' `DuelJobs` port). A
/// committed battle wakes an idle worker at once.
pub struct DuelJobs {
    wakeup: Arc<tokio::sync::Notify>,
}

impl DuelJobs {
    pub fn new(wakeup: Arc<tokio::sync::Notify>) -> DuelJobs {
        DuelJobs { wakeup }
    }
}

impl crate::duels::DuelJobs<Tx> for DuelJobs {
    fn expire_at<'a>(
        &'a self,
        tx: &'a mut Tx,
        duel_id: i64,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> futures_util::future::BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            enqueue_in(tx, &DuelExpiry { duel_id }, at, now).await?;
            Ok(())
        })
    }

    fn fight<'a>(
        &'a self,
        tx: &'a mut Tx,
        duel_id: i64,
        now: DateTime<Utc>,
    ) -> futures_util::future::BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            enqueue_in(tx, &DuelBattle { duel_id }, now, now).await?;
            Ok(())
        })
    }

    fn wake(&self) {
        self.wakeup.notify_one();
    }
}

/// Enqueues inside a caller's transaction, so the job exists iff the change does.
pub async fn enqueue_in<J: Job>(
    tx: &mut Tx,
    job: &J,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    tx.enqueue(new_job(job, run_at)?, now.timestamp_micros())
        .await
}

async fn dispatch(state: &Arc<AppState>, job: &JobRow) -> anyhow::Result<Outcome> {
    async fn run<J: Job>(state: &Arc<AppState>, payload: &str) -> anyhow::Result<Outcome> {
        let job: J = serde_json::from_str(payload)?;
        job.run(state).await
    }
    match job.kind.as_str() {
        DayClose::KIND => run::<DayClose>(state, &job.payload).await,
        BossWeek::KIND => run::<BossWeek>(state, &job.payload).await,
        DuelBattle::KIND => run::<DuelBattle>(state, &job.payload).await,
        DuelExpiry::KIND => run::<DuelExpiry>(state, &job.payload).await,
        other => anyhow::bail!("unknown job kind {other:?}"),
    }
}

/// Counts one job run (from its claim on) in `AppState::jobs_running` while alive.
pub struct Running<'a>(&'a tokio::sync::watch::Sender<usize>);

impl<'a> Running<'a> {
    pub fn enter(count: &'a tokio::sync::watch::Sender<usize>) -> Running<'a> {
        count.send_modify(|n| *n += 1);
        Running(count)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Claims and runs one due job. Returns whether there was one.
pub async fn run_one(state: &Arc<AppState>) -> anyhow::Result<bool> {
    // Counted before the claim, so a drain never misses a job a worker has just
    // taken.
    let _running = Running::enter(&state.jobs_running);
    let now = state.clock.now();
    let lease = LEASE.as_micros() as i64;
    let Some(job) = state.store.claim_job(now.timestamp_micros(), lease).await? else {
        return Ok(false);
    };
    let started = std::time::Instant::now();
    let result = dispatch(state, &job).await;
    let now = state.clock.now();
    match result {
        Ok(Outcome::Done) => state.store.finish_job(job.id).await?,
        Ok(Outcome::RunAgainAt(at)) => {
            state
                .store
                .reschedule_job(job.id, at.timestamp_micros(), now.timestamp_micros())
                .await?
        }
        Err(e) => {
            // Exponential backoff: 2, 4, 8 … 512 seconds.
            let backoff = 2i64.pow(job.attempts.clamp(1, 9) as u32);
            let retry_at = now.timestamp_micros() + backoff * 1_000_000;
            tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %e, "job failed");
            metrics::counter!("shonen_jobs_failed_total", "kind" => job.kind.clone()).increment(1);
            state
                .store
                .fail_job(&job, &format!("{e:#}"), retry_at, now.timestamp_micros())
                .await?;
        }
    }
    metrics::histogram!("shonen_job_seconds", "kind" => job.kind.clone())
        .record(started.elapsed().as_secs_f64());
    Ok(true)
}

/// Runs every job that is due now (used after the dev clock jumps, and in tests).
/// Jobs that this process's workers had already claimed when the drain began are
/// waited for (they may queue more), for at most `DRAIN_WAIT`.
pub async fn drain(state: &Arc<AppState>) -> anyhow::Result<usize> {
    let deadline = tokio::time::Instant::now() + DRAIN_WAIT;
    let mut n = 0;
    loop {
        while run_one(state).await? {
            n += 1;
            if n > 1_000_000 {
                return Ok(n);
            }
        }
        let mut running = state.jobs_running.subscribe();
        if *running.borrow_and_update() == 0 {
            return Ok(n);
        }
        if tokio::time::timeout_at(deadline, running.wait_for(|n| *n == 0))
            .await
            .is_err()
        {
            return Ok(n);
        }
    }
}

/// A worker loop; stops when `shutdown` flips.
pub async fn worker(state: Arc<AppState>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let idle = match run_one(&state).await {
            Ok(true) => false,
            Ok(false) => true,
            Err(e) => {
                tracing::warn!(error = %e, "job worker error");
                true
            }
        };
        if idle {
            tokio::select! {
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = state.job_wakeup.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
