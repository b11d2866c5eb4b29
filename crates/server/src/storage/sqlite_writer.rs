//! Activity writes on SQLite, group-committed by one writer. SQLite lets one
//! connection write at a time and pays one WAL fsync per commit (`synchronous=FULL`),
//! so a transaction per request caps the service at the disk's commit rate. Here one
//! task takes every activity write that is queued when it is free and commits them
//! all in ONE transaction on the writer connection (the only connection that writes
//! activities), then answers each request: after the commit, never before.
//!
//! Each member still applies only if its player is at the version it was computed
//! from (inside `BEGIN IMMEDIATE` the writer sees every committed change, so the check
//! is exact). A member whose statements fail is taken out of the group: the group's
//! transaction is rolled back and run again without it (so the others still commit,
//! together), and the failed member is retried alone in a transaction of its own,
//! whose outcome, success or error, is its answer. A failed COMMIT retries every
//! member alone, unless the database itself is unavailable (the file locked by
//! another process past the busy timeout, the storage failing): then every member
//! is answered at once, instead of each waiting that out again.
//!
//! The writer holds the store's SQLite write lock (`Store::begin` takes the same one)
//! for the whole group, so transactions of the locked path (day close, bosses, duels,
//! edits) simply queue between two groups.

use super::activities::{ActivityWrite, WrittenActivity};
use super::{Health, StoreError, StoreResult, Tx, TxConn};
use sqlx::SqlitePool;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex, mpsc, oneshot};

/// The most activities in one transaction: bounds how long the locked path can
/// wait behind a group, and the work lost to a rollback.
const MAX_GROUP: usize = 128;

type Outcome = StoreResult<Option<WrittenActivity>>;

struct Job {
    write: ActivityWrite,
    reply: oneshot::Sender<Outcome>,
}

/// The queue in front of the writer task. Dropping every handle stops it.
pub(super) struct SqliteWriter {
    queue: mpsc::UnboundedSender<Job>,
    stats: Arc<Stats>,
}

/// What the writer committed since start: transactions and the activities they held.
#[derive(Default)]
struct Stats {
    commits: AtomicU64,
    written: AtomicU64,
}

impl SqliteWriter {
    /// Starts the writer task (needs a Tokio runtime). `pool` is the writer
    /// connection; `lock` is the store's SQLite write lock; `health` learns of every
    /// commit and failed write, as with `Store::begin`.
    pub(super) fn start(
        pool: SqlitePool,
        lock: Arc<Mutex<()>>,
        health: Arc<Health>,
    ) -> SqliteWriter {
        let (queue, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(Stats::default());
        let conn = Writer { pool, health };
        tokio::spawn(writer(conn, lock, rx, stats.clone()));
        SqliteWriter { queue, stats }
    }

    /// (committed transactions, activities written in them) since start.
    pub(super) fn stats(&self) -> (u64, u64) {
        (
            self.stats.commits.load(Ordering::Relaxed),
            self.stats.written.load(Ordering::Relaxed),
        )
    }

    /// Queues one write and waits until the transaction that holds it committed
    /// (see `Store::write_activity`).
    pub(super) async fn write(&self, write: ActivityWrite) -> Outcome {
        let outcome = self.send(write)?;
        outcome
            .await
            .map_err(|_| StoreError::Corrupt("the SQLite writer stopped".into()))?
    }

    /// Queues several writes at once, so that they go out in one group.
    pub(super) async fn write_all(&self, writes: &[ActivityWrite]) -> StoreResult<Vec<Outcome>> {
        let pending = writes
            .iter()
            .map(|w| self.send(w.clone()))
            .collect::<StoreResult<Vec<_>>>()?;
        let mut out = Vec::with_capacity(pending.len());
        for outcome in pending {
            out.push(
                outcome
                    .await
                    .map_err(|_| StoreError::Corrupt("the SQLite writer stopped".into()))?,
            );
        }
        Ok(out)
    }

    fn send(&self, write: ActivityWrite) -> StoreResult<oneshot::Receiver<Outcome>> {
        let (reply, outcome) = oneshot::channel();
        self.queue
            .send(Job { write, reply })
            .map_err(|_| StoreError::Corrupt("the SQLite writer has stopped".into()))?;
        Ok(outcome)
    }
}

/// The writer connection and the store's health, which every commit reports to.
struct Writer {
    pool: SqlitePool,
    health: Arc<Health>,
}

async fn writer(
    pool: Writer,
    lock: Arc<Mutex<()>>,
    mut rx: mpsc::UnboundedReceiver<Job>,
    stats: Arc<Stats>,
) {
    while let Some(first) = rx.recv().await {
        // Whatever queues while the lock is busy (the previous commit's fsync, a
        // locked-path transaction) joins this group.
        let guard = lock.lock().await;
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        commit_group(&pool, jobs, &stats).await;
        drop(guard);
    }
}

impl Stats {
    fn committed(&self, results: &[Option<WrittenActivity>]) {
        self.commits.fetch_add(1, Ordering::Relaxed);
        let written = results.iter().filter(|r| r.is_some()).count() as u64;
        self.written.fetch_add(written, Ordering::Relaxed);
    }
}

/// Why a group's transaction did not commit.
enum GroupFailure {
    /// Member `i`'s statements failed: run the group again without it.
    Member(usize, StoreError),
    /// Beginning or committing failed: nothing is known of any member.
    Whole(StoreError),
}

async fn commit_group(pool: &Writer, mut jobs: Vec<Job>, stats: &Stats) {
    metrics::counter!("shonen_activity_write_statements_total").increment(1);
    metrics::counter!("shonen_activity_write_rows_total").increment(jobs.len() as u64);
    let mut alone: Vec<Job> = Vec::new();
    while !jobs.is_empty() {
        let writes: Vec<&ActivityWrite> = jobs.iter().map(|j| &j.write).collect();
        match write_group(pool, &writes).await {
            Ok(results) => {
                stats.committed(&results);
                for (job, result) in jobs.drain(..).zip(results) {
                    let _ = job.reply.send(Ok(result));
                }
            }
            Err(GroupFailure::Member(i, e)) if jobs.len() > 1 => {
                tracing::warn!(error = %e, rows = jobs.len(), "an activity of a group failed; writing the rest without it");
                alone.push(jobs.remove(i));
            }
            // The file is locked from outside (or the disk failed): one by one would
            // wait that out again for each member. Every member is answered now.
            Err(GroupFailure::Whole(e)) if is_unavailable(&e) => {
                tracing::warn!(error = %e, rows = jobs.len(), "activity group did not commit: database unavailable");
                for job in jobs.drain(..) {
                    // The same answer (503 `database_unavailable`) for each: sqlx's
                    // error is not `Clone`.
                    let _ = job
                        .reply
                        .send(Err(StoreError::Db(sqlx::Error::PoolTimedOut)));
                }
            }
            Err(GroupFailure::Member(_, e) | GroupFailure::Whole(e)) => {
                if jobs.len() > 1 {
                    tracing::warn!(error = %e, rows = jobs.len(), "activity group did not commit; writing one by one");
                    alone.append(&mut jobs);
                } else if let Some(job) = jobs.pop() {
                    let _ = job.reply.send(Err(e));
                }
            }
        }
    }
    for job in alone {
        let outcome = match write_group(pool, &[&job.write]).await {
            Ok(mut results) => {
                stats.committed(&results);
                Ok(results.pop().flatten())
            }
            Err(GroupFailure::Member(_, e) | GroupFailure::Whole(e)) => Err(e),
        };
        let _ = job.reply.send(outcome);
    }
}

/// Whether a group's failure is the database's, not its members': the file locked
/// by another process past the busy timeout, or the storage failing.
fn is_unavailable(e: &StoreError) -> bool {
    matches!(e, StoreError::Db(db) if super::unavailable(db))
}

/// Writes the members in one transaction on the writer connection; per member,
/// `None` when its player had moved on (nothing of it written). On error nothing
/// is written (the transaction is rolled back when `tx` drops).
async fn write_group(
    w: &Writer,
    writes: &[&ActivityWrite],
) -> Result<Vec<Option<WrittenActivity>>, GroupFailure> {
    let tx = match w.pool.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(e) => {
            w.health.write_failed(&e);
            return Err(GroupFailure::Whole(e.into()));
        }
    };
    let mut tx = Tx {
        tx: TxConn::Sqlite(tx),
        health: w.health.clone(),
        _guard: None,
    };
    let mut results = Vec::with_capacity(writes.len());
    for (i, w) in writes.iter().enumerate() {
        let written = write_one(&mut tx, w)
            .await
            .map_err(|e| GroupFailure::Member(i, e))?;
        results.push(written);
    }
    tx.commit().await.map_err(GroupFailure::Whole)?;
    Ok(results)
}

/// One member: `Tx::write_activity` (conditional on the version), then the player's
/// XP of the ledger entry's week, read inside the transaction so it includes this
/// award and every earlier member's.
async fn write_one(tx: &mut Tx, w: &ActivityWrite) -> StoreResult<Option<WrittenActivity>> {
    let Some(activity) = tx.write_activity(w).await? else {
        return Ok(None);
    };
    let week_xp = on_tx!(tx, c => super::leaderboard::week_xp_query(w.player.id, &w.ledger.week_start)
        .fetch_one(c)
        .await)?;
    Ok(Some(WrittenActivity {
        activity,
        week_xp: week_xp.unwrap_or(0),
    }))
}

#[cfg(test)]
mod tests {
    use super::super::Store;

    /// Every SQLite connection, the writer's and the readers', syncs at each commit
    /// (`synchronous=FULL` is 2) in WAL mode: what makes an acknowledged write
    /// survive a power loss, not only a crash.
    #[tokio::test]
    async fn every_connection_is_durable() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = Store::open(&url).await.unwrap();
        let super::super::Db::Sqlite(lite) = &store.db else {
            panic!("a SQLite store")
        };
        for pool in [&lite.write, &lite.read] {
            let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(sync, 2, "synchronous=FULL");
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(mode, "wal");
        }
        store.close().await;
    }
}
