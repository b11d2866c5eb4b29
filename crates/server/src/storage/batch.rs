//! Activity writes on PostgreSQL, grouped: requests that arrive while earlier ones
//! are being written go out together as one statement (one transaction, one WAL
//! flush), each row still applying only if its player is at the version it was
//! computed from. A few writers run at once; each takes whatever is queued when it
//! is free, so a lone request is written at once and a burst shares the cost.

use super::activities::{ADD_TO_DAY_TOTAL, ActivityWrite, INSERT_DAY_TOTAL, WrittenActivity};
use super::{StoreError, StoreResult};
use serde::Serialize;
use sqlx::PgPool;
use std::collections::HashSet;
use std::sync::{Arc, LazyLock};
use tokio::sync::{Mutex, mpsc, oneshot};

/// Statements writing activities at the same time.
const WRITERS: usize = 4;
/// The most activities in one statement.
const MAX_BATCH: usize = 32;

type Reply = oneshot::Sender<StoreResult<Option<WrittenActivity>>>;

struct Job {
    write: ActivityWrite,
    reply: Reply,
}

/// The queue in front of the writers. Dropping every handle stops them.
pub(super) struct Batcher {
    queue: mpsc::UnboundedSender<Job>,
}

impl Batcher {
    /// Starts the writers (needs a Tokio runtime).
    pub(super) fn start(pool: PgPool) -> Batcher {
        let (queue, rx) = mpsc::unbounded_channel();
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..WRITERS {
            tokio::spawn(writer(pool.clone(), rx.clone()));
        }
        Batcher { queue }
    }

    /// Queues one write and waits for its outcome (see `Store::write_activity`).
    pub(super) async fn write(&self, write: ActivityWrite) -> StoreResult<Option<WrittenActivity>> {
        let (reply, outcome) = oneshot::channel();
        self.queue
            .send(Job { write, reply })
            .map_err(|_| StoreError::Corrupt("the activity writers have stopped".into()))?;
        outcome
            .await
            .map_err(|_| StoreError::Corrupt("an activity writer stopped".into()))?
    }
}

async fn writer(pool: PgPool, rx: Arc<Mutex<mpsc::UnboundedReceiver<Job>>>) {
    loop {
        let jobs = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else {
                return;
            };
            let mut jobs = vec![first];
            while jobs.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            jobs
        };
        // One row per player in a statement (a player's row can be updated once per
        // statement); a second write of the same player goes in a statement of its own.
        let mut seen = HashSet::new();
        let (now, later): (Vec<Job>, Vec<Job>) = jobs
            .into_iter()
            .partition(|j| seen.insert(j.write.player.id));
        run(&pool, now).await;
        for job in later {
            run(&pool, vec![job]).await;
        }
    }
}

async fn run(pool: &PgPool, jobs: Vec<Job>) {
    metrics::counter!("shonen_activity_write_statements_total").increment(1);
    metrics::counter!("shonen_activity_write_rows_total").increment(jobs.len() as u64);
    let writes: Vec<&ActivityWrite> = jobs.iter().map(|j| &j.write).collect();
    match write_batch(pool, &writes).await {
        Ok(mut results) => {
            for job in jobs.into_iter().rev() {
                let _ = job.reply.send(Ok(results.pop().flatten()));
            }
        }
        Err(e) if jobs.len() == 1 => {
            if let Some(job) = jobs.into_iter().next() {
                let _ = job.reply.send(Err(e));
            }
        }
        Err(e) => {
            // Nothing of the statement was written: try each alone, so that one bad
            // row cannot fail the others.
            tracing::warn!(error = %e, rows = jobs.len(), "grouped activity write failed; writing one by one");
            for job in jobs {
                let one = write_batch(pool, &[&job.write])
                    .await
                    .map(|mut r| r.pop().flatten());
                let _ = job.reply.send(one);
            }
        }
    }
}

/// One activity as a row of the statement's JSON input.
#[derive(Serialize)]
struct Row<'a> {
    pid: i64,
    ver: i64,
    total_xp: i64,
    xs: i64,
    xa: i64,
    xi: i64,
    xf: i64,
    xd: i64,
    fatigue: i64,
    fatigue_at: i64,
    chain_json: &'a str,
    buff: Option<i64>,
    kind: &'a str,
    occurred_at: i64,
    local_date: &'a str,
    training: i64,
    duration_min: Option<f64>,
    distance_km: Option<f64>,
    sets_json: Option<&'a str>,
    style: Option<&'a str>,
    woke_at: Option<&'a str>,
    note: Option<&'a str>,
    fatigue_before: i64,
    sessions_7d: i64,
    xp: i64,
    stat: &'a str,
    award_json: &'a str,
    now: i64,
    idem: Option<&'a str>,
    l_at: i64,
    l_stat: Option<&'a str>,
    l_amount: i64,
    l_reason: &'a str,
    week_start: &'a str,
    r_stat: &'a str,
    b_week: Option<&'a str>,
    b_hp: i64,
    b_progress: Option<&'a str>,
    b_now: i64,
}

impl<'a> Row<'a> {
    fn of(w: &'a ActivityWrite) -> Row<'a> {
        let (p, a, l) = (&w.player, &w.activity, &w.ledger);
        Row {
            pid: p.id,
            ver: p.version,
            total_xp: p.total_xp,
            xs: p.xp_strength,
            xa: p.xp_agility,
            xi: p.xp_intelligence,
            xf: p.xp_fighting,
            xd: p.xp_discipline,
            fatigue: p.fatigue,
            fatigue_at: p.fatigue_at,
            chain_json: &p.chain_json,
            buff: p.buff_expires_at,
            kind: &a.kind,
            occurred_at: a.occurred_at,
            local_date: &a.local_date,
            training: i64::from(a.training),
            duration_min: a.duration_min,
            distance_km: a.distance_km,
            sets_json: a.sets_json.as_deref(),
            style: a.style.as_deref(),
            woke_at: a.woke_at.as_deref(),
            note: a.note.as_deref(),
            fatigue_before: a.fatigue_before,
            sessions_7d: a.sessions_last_7d,
            xp: a.xp,
            stat: &a.stat,
            award_json: &a.award_json,
            now: a.now,
            idem: a.idem_key.as_deref(),
            l_at: l.at,
            l_stat: l.stat.as_deref(),
            l_amount: l.amount,
            l_reason: &l.reason,
            week_start: &l.week_start,
            r_stat: l.stat.as_deref().unwrap_or(super::NO_STAT),
            b_week: w.battle.as_ref().map(|b| b.week.as_str()),
            b_hp: w.battle.as_ref().map_or(0, |b| b.hp),
            b_progress: w.battle.as_ref().map(|b| b.progress_json.as_str()),
            b_now: w.battle.as_ref().map_or(0, |b| b.now),
        }
    }
}

const INPUT: &str = "x AS (SELECT * FROM json_to_recordset(CAST($1 AS JSON)) AS x(\
    pid BIGINT, ver BIGINT, total_xp BIGINT, xs BIGINT, xa BIGINT, xi BIGINT, xf BIGINT, \
    xd BIGINT, fatigue BIGINT, fatigue_at BIGINT, chain_json TEXT, buff BIGINT, kind TEXT, \
    occurred_at BIGINT, local_date TEXT, training BIGINT, duration_min DOUBLE PRECISION, \
    distance_km DOUBLE PRECISION, sets_json TEXT, style TEXT, woke_at TEXT, note TEXT, \
    fatigue_before BIGINT, sessions_7d BIGINT, xp BIGINT, stat TEXT, award_json TEXT, \
    now BIGINT, idem TEXT, l_at BIGINT, l_stat TEXT, l_amount BIGINT, l_reason TEXT, week_start TEXT, \
    r_stat TEXT, b_week TEXT, b_hp BIGINT, b_progress TEXT, b_now BIGINT))";

/// The players at their expected version are updated (version + 1); only their rows
/// go on to insert the activity, its day total, its ledger entry and weekly rollup,
/// and the fight's new state.
const WRITES: &str = "p AS (UPDATE players SET total_xp = x.total_xp, xp_strength = x.xs, \
    xp_agility = x.xa, xp_intelligence = x.xi, xp_fighting = x.xf, xp_discipline = x.xd, \
    fatigue = x.fatigue, fatigue_at = x.fatigue_at, chain_json = x.chain_json, \
    buff_expires_at = x.buff, version = players.version + 1 FROM x \
    WHERE players.id = x.pid AND players.version = x.ver RETURNING players.id), \
    a AS (INSERT INTO activities (player_id, kind, occurred_at, local_date, training, \
    duration_min, distance_km, sets_json, style, woke_at, note, fatigue_before, \
    sessions_last_7d, xp, stat, award_json, created_at, updated_at, idem_key) SELECT x.pid, \
    x.kind, x.occurred_at, x.local_date, x.training, x.duration_min, x.distance_km, \
    x.sets_json, x.style, x.woke_at, x.note, x.fatigue_before, x.sessions_7d, x.xp, x.stat, \
    x.award_json, x.now, x.now, x.idem FROM x JOIN p ON p.id = x.pid \
    RETURNING id, player_id, local_date, kind, training, distance_km, duration_min)";

/// Each inserted activity's day total (see `ADD_TO_DAY_TOTAL`).
const DAY_TOTALS: &str = "SELECT player_id, local_date, kind, training, 1, \
    COALESCE(distance_km, 0), COALESCE(duration_min, 0), id FROM a";

/// The ledger entry and the weekly rollup of each inserted activity.
const LEDGER: &str = "l AS (INSERT INTO ledger (player_id, at, stat, amount, reason, activity_id) \
    SELECT a.player_id, x.l_at, x.l_stat, x.l_amount, x.l_reason, a.id \
    FROM a JOIN x ON x.pid = a.player_id), \
    r AS (INSERT INTO weekly_rollups (player_id, week_start, stat, xp) \
    SELECT a.player_id, x.week_start, x.r_stat, x.l_amount FROM a JOIN x ON x.pid = a.player_id \
    ON CONFLICT (player_id, week_start, stat) DO UPDATE SET xp = weekly_rollups.xp + excluded.xp)";

/// Only when some row changes a fight (an UPDATE that matches nothing still costs
/// opening the table and its indexes).
const BATTLES: &str = ", b AS (UPDATE boss_battles SET hp = x.b_hp, progress_json = x.b_progress, \
    updated_at = x.b_now FROM x JOIN p ON p.id = x.pid \
    WHERE boss_battles.player_id = x.pid AND boss_battles.week = x.b_week)";

/// Statements see the snapshot from before their own writes: the week's sum read
/// here lacks this award, which is added.
const RESULT: &str = " SELECT a.player_id, a.id, x.l_amount + (SELECT \
    CAST(COALESCE(SUM(w.xp), 0) AS BIGINT) FROM weekly_rollups w \
    WHERE w.player_id = a.player_id AND w.week_start = x.week_start) AS week_xp \
    FROM a JOIN x ON x.pid = a.player_id";

/// The grouped statement, with `battles` (`BATTLES` or nothing).
fn statement(battles: &str) -> String {
    format!(
        "WITH {INPUT}, {WRITES}, d AS ({INSERT_DAY_TOTAL} {DAY_TOTALS} {ADD_TO_DAY_TOTAL}), \
         {LEDGER}{battles}{RESULT}"
    )
}

/// Writes activities of distinct players in one statement; per write, `None` when
/// its player was no longer at the expected version (nothing of it written).
pub(super) async fn write_batch(
    pool: &PgPool,
    writes: &[&ActivityWrite],
) -> StoreResult<Vec<Option<WrittenActivity>>> {
    let rows: Vec<Row> = writes.iter().map(|w| Row::of(w)).collect();
    let input = serde_json::to_string(&rows)
        .map_err(|e| StoreError::Corrupt(format!("activity batch: {e}")))?;
    static PLAIN: LazyLock<String> = LazyLock::new(|| statement(""));
    static WITH_BATTLES: LazyLock<String> = LazyLock::new(|| statement(BATTLES));
    let sql = if writes.iter().any(|w| w.battle.is_some()) {
        WITH_BATTLES.as_str()
    } else {
        PLAIN.as_str()
    };
    let written: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(input)
        .fetch_all(pool)
        .await?;
    Ok(writes
        .iter()
        .map(|w| {
            written
                .iter()
                .find(|(pid, _, _)| *pid == w.player.id)
                .map(|&(_, id, week_xp)| WrittenActivity {
                    activity: w.activity.clone().into_row(id),
                    week_xp,
                })
        })
        .collect())
}

impl super::Store {
    /// Writes of distinct players as one group, as the writers do with concurrent
    /// requests: on PostgreSQL one statement, on SQLite queued together for the
    /// writer's next transaction. Each is `None` when its player had moved on
    /// (nothing of that one written).
    pub async fn write_activity_group(
        &self,
        writes: &[ActivityWrite],
    ) -> StoreResult<Vec<Option<WrittenActivity>>> {
        let mut players = std::collections::HashSet::new();
        if !writes.iter().all(|w| players.insert(w.player.id)) {
            return Err(super::StoreError::Corrupt(
                "a group holds one write per player".into(),
            ));
        }
        if let Some(group) = &self.sqlite_group {
            return group.write_all(writes).await?.into_iter().collect();
        }
        let super::Db::Postgres(pg) = &self.db else {
            return Err(super::StoreError::Corrupt("no activity writers".into()));
        };
        let refs: Vec<&ActivityWrite> = writes.iter().collect();
        write_batch(&pg.pool, &refs).await
    }
}
