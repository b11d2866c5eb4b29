//! The storage suite: the same checks on SQLite and on PostgreSQL.

mod common;

use common::{Backend, fresh_database};
use shonen_server::storage::{
    ActivityWrite, NewActivity, NewJob, NewLedgerEntry, NewPlayer, Store, StoreError,
};
use std::collections::HashSet;
use std::sync::Arc;

both_backends!(
    players_are_unique,
    rolled_back_writes_leave_nothing,
    rule_keys_apply_once,
    jobs_are_claimed_once,
    leases_expire_and_failures_are_kept,
    idempotency_keys_reserve_once,
    migrations_are_repeatable,
    stale_activity_writes_change_nothing,
    grouped_activity_writes_apply_per_player,
    activity_numbers_are_null_where_the_kind_has_none,
);

async fn open(b: Backend) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(b, dir.path()).await;
    (Store::open(&url).await.expect("open store"), dir)
}

fn new_player(name: &str) -> NewPlayer {
    NewPlayer {
        username: name.into(),
        email: format!("{name}@example.com"),
        password_hash: "x".into(),
        class: "balanced".into(),
        goals: [5, 5, 5],
        timezone: "UTC".into(),
        training_days: "mon,tue,thu,fri".into(),
        weekly_goal: 4,
        wake_target: "06:30".into(),
        now: 1_000,
        registered_on: "2026-11-02".into(),
        chain_json: "{}".into(),
        idem_key: None,
    }
}

async fn create(store: &Store, name: &str) -> Result<i64, StoreError> {
    let mut tx = store.begin().await?;
    let p = tx.insert_player(new_player(name)).await?;
    tx.commit().await?;
    Ok(p.id)
}

async fn players_are_unique(b: Backend) {
    let (store, _d) = open(b).await;
    let id = create(&store, "goku").await.unwrap();
    let mut dup_name = new_player("goku");
    dup_name.email = "other@example.com".into();
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.insert_player(dup_name).await,
        Err(StoreError::Conflict("username"))
    ));
    drop(tx);
    let mut dup_email = new_player("kakarot");
    dup_email.email = "goku@example.com".into();
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.insert_player(dup_email).await,
        Err(StoreError::Conflict("email"))
    ));
    drop(tx);
    let p = store.player(id).await.unwrap().unwrap();
    assert_eq!(p.username, "goku");
    assert_eq!(
        store
            .player_by_login("GOKU@example.com")
            .await
            .unwrap()
            .map(|p| p.id),
        Some(id)
    );
    assert_eq!(store.count_players().await.unwrap(), 1);
}

async fn rolled_back_writes_leave_nothing(b: Backend) {
    let (store, _d) = open(b).await;
    let id = create(&store, "vegeta").await.unwrap();
    {
        let mut tx = store.begin().await.unwrap();
        let mut p = tx.lock_player(id).await.unwrap();
        p.total_xp = 500;
        tx.save_progress(&p).await.unwrap();
        tx.insert_ledger(entry(id, 500, None)).await.unwrap();
        // dropped without commit
    }
    assert_eq!(store.player(id).await.unwrap().unwrap().total_xp, 0);
    assert_eq!(store.ledger_sum(id).await.unwrap(), 0);
    assert!(
        store
            .weekly_since(id, "2000-01-01")
            .await
            .unwrap()
            .is_empty()
    );
}

fn entry(player_id: i64, amount: i64, rule_key: Option<&str>) -> NewLedgerEntry {
    NewLedgerEntry {
        player_id,
        at: 2_000,
        stat: None,
        amount,
        reason: "test".into(),
        activity_id: None,
        rule_key: rule_key.map(str::to_string),
        week_start: "2026-11-16".into(),
    }
}

async fn rule_keys_apply_once(b: Backend) {
    let (store, _d) = open(b).await;
    let id = create(&store, "piccolo").await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.insert_ledger(entry(id, -50, Some("skip:2026-11-17")))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        tx.insert_ledger(entry(id, -50, Some("skip:2026-11-17")))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        tx.insert_ledger(entry(id, 30, None))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        tx.insert_ledger(entry(id, 30, None))
            .await
            .unwrap()
            .is_some()
    );
    tx.commit().await.unwrap();
    assert_eq!(store.ledger_sum(id).await.unwrap(), 10);
    let weekly = store.weekly_since(id, "2026-11-16").await.unwrap();
    assert_eq!(weekly.len(), 1);
    assert_eq!(
        weekly[0].xp, 10,
        "the rollup counts the duplicate zero times"
    );
    // Another player may use the same key.
    let other = create(&store, "gohan").await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(
        tx.insert_ledger(entry(other, -50, Some("skip:2026-11-17")))
            .await
            .unwrap()
            .is_some()
    );
    tx.commit().await.unwrap();
}

fn job(key: Option<String>, run_at: i64) -> NewJob {
    NewJob {
        kind: "test".into(),
        dedup_key: key,
        payload: "{}".into(),
        run_at,
        max_attempts: 2,
    }
}

async fn jobs_are_claimed_once(b: Backend) {
    let (store, _d) = open(b).await;
    for i in 0..40 {
        assert!(
            store
                .enqueue(job(Some(format!("k{i}")), 100), 0)
                .await
                .unwrap()
        );
    }
    assert!(
        !store.enqueue(job(Some("k0".into()), 100), 0).await.unwrap(),
        "dedup key"
    );
    assert!(store.enqueue(job(None, 10_000), 0).await.unwrap());
    assert_eq!(store.due_jobs(100).await.unwrap(), 40);
    let store = Arc::new(store);
    let mut workers = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(j) = store.claim_job(200, 1_000_000).await.unwrap() {
                mine.push(j.id);
                store.finish_job(j.id).await.unwrap();
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 40, "every due job claimed");
    assert_eq!(distinct.len(), 40, "no job claimed twice");
    assert_eq!(
        store.queue_depth().await.unwrap(),
        1,
        "the future job waits"
    );
}

async fn leases_expire_and_failures_are_kept(b: Backend) {
    let (store, _d) = open(b).await;
    store.enqueue(job(None, 0), 0).await.unwrap();
    let j = store.claim_job(10, 100).await.unwrap().unwrap();
    assert!(store.claim_job(50, 100).await.unwrap().is_none(), "leased");
    let again = store
        .claim_job(111, 100)
        .await
        .unwrap()
        .expect("lease ran out");
    assert_eq!(again.id, j.id);
    assert_eq!(again.attempts, 2);
    store.fail_job(&again, "boom", 500, 120).await.unwrap();
    assert!(
        store.claim_job(1_000, 100).await.unwrap().is_none(),
        "out of attempts"
    );
    assert_eq!(
        store.failed_jobs().await.unwrap(),
        1,
        "kept as failed, visible"
    );

    store.enqueue(job(None, 0), 0).await.unwrap();
    let k = store.claim_job(2_000, 100).await.unwrap().unwrap();
    store.fail_job(&k, "transient", 3_000, 2_000).await.unwrap();
    assert!(
        store.claim_job(2_500, 100).await.unwrap().is_none(),
        "backoff"
    );
    assert!(
        store.claim_job(3_000, 100).await.unwrap().is_some(),
        "retried"
    );
    store.reschedule_job(k.id, 9_000, 3_000).await.unwrap();
    assert!(store.claim_job(8_999, 100).await.unwrap().is_none());
    assert!(store.claim_job(9_000, 100).await.unwrap().is_some());
}

async fn idempotency_keys_reserve_once(b: Backend) {
    let (store, _d) = open(b).await;
    assert!(
        store
            .reserve_idempotency("player:1", "abc", "h", 0)
            .await
            .unwrap()
    );
    assert!(
        !store
            .reserve_idempotency("player:1", "abc", "h", 0)
            .await
            .unwrap()
    );
    assert!(
        store
            .reserve_idempotency("player:2", "abc", "h", 0)
            .await
            .unwrap()
    );
    store
        .complete_idempotency("player:1", "abc", 201, "{\"ok\":1}")
        .await
        .unwrap();
    let saved = store
        .idempotent_response("player:1", "abc")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((saved.status, saved.body.as_str()), (201, "{\"ok\":1}"));
    store.release_idempotency("player:2", "abc").await.unwrap();
    assert!(
        store
            .idempotent_response("player:2", "abc")
            .await
            .unwrap()
            .is_none()
    );
}

async fn migrations_are_repeatable(b: Backend) {
    let (store, _d) = open(b).await;
    store.migrate().await.unwrap();
    store.set_state("k", "1").await.unwrap();
    store.set_state("k", "2").await.unwrap();
    assert_eq!(store.state("k").await.unwrap().as_deref(), Some("2"));
    store.ping().await.unwrap();
}

fn study_write(store_player: shonen_server::storage::PlayerRow, xp: i64) -> ActivityWrite {
    let mut player = store_player;
    player.total_xp += xp;
    player.xp_intelligence += xp;
    ActivityWrite {
        activity: NewActivity {
            player_id: player.id,
            kind: "study".into(),
            occurred_at: 2_000,
            local_date: "2026-11-03".into(),
            training: true,
            duration_min: Some(30.0),
            distance_km: None,
            sets_json: None,
            style: None,
            woke_at: None,
            note: None,
            fatigue_before: 0,
            sessions_last_7d: 0,
            xp,
            stat: "intelligence".into(),
            award_json: "{}".into(),
            now: 2_000,
            idem_key: None,
        },
        ledger: NewLedgerEntry {
            player_id: player.id,
            at: 2_000,
            stat: Some("intelligence".into()),
            amount: xp,
            reason: "study logged".into(),
            activity_id: None,
            rule_key: None,
            week_start: "2026-11-02".into(),
        },
        player,
        battle: None,
    }
}

/// A write computed from a version of the player that another transaction has since
/// moved on from writes nothing at all; one from the current version writes it all.
async fn stale_activity_writes_change_nothing(b: Backend) {
    let (store, _d) = open(b).await;
    let id = create(&store, "gohan").await.unwrap();
    let (read, times) = store.player_for_activity(id, 0).await.unwrap().unwrap();
    assert!(times.is_empty());
    {
        // Someone else takes the player's lock (a day close, a duel) and commits.
        let mut tx = store.begin().await.unwrap();
        tx.lock_player(id).await.unwrap();
        tx.commit().await.unwrap();
    }
    assert!(
        store
            .write_activity(&study_write(read, 40))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.activities(id, None, 10).await.unwrap().is_empty());
    assert_eq!(store.ledger_sum(id).await.unwrap(), 0);
    assert!(
        store
            .day_kinds(id, "2026-11-01", "2026-11-30")
            .await
            .unwrap()
            .is_empty()
    );
    let p = store.player(id).await.unwrap().unwrap();
    assert_eq!(p.total_xp, 0);

    let (fresh, _) = store.player_for_activity(id, 0).await.unwrap().unwrap();
    let version = fresh.version;
    let written = store
        .write_activity(&study_write(fresh, 40))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(written.week_xp, 40, "the week's XP includes this award");
    let a = written.activity;
    assert_eq!((a.kind.as_str(), a.xp), ("study", 40));
    let stored = store.activity(id, a.id).await.unwrap().unwrap();
    assert_eq!(
        (
            stored.created_at,
            stored.photos_json.as_str(),
            stored.edited
        ),
        (a.created_at, a.photos_json.as_str(), a.edited),
        "the returned row is the stored row"
    );
    let p = store.player(id).await.unwrap().unwrap();
    assert_eq!(
        (p.total_xp, p.xp_intelligence, p.version),
        (40, 40, version + 1)
    );
    assert_eq!(store.ledger_sum(id).await.unwrap(), 40);
    let weeks = store.weekly_since(id, "2026-11-02").await.unwrap();
    assert_eq!(weeks.len(), 1);
    assert_eq!((weeks[0].stat.as_str(), weeks[0].xp), ("intelligence", 40));
    let days = store
        .day_kinds(id, "2026-11-01", "2026-11-30")
        .await
        .unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(
        (days[0].sessions, days[0].duration_min, days[0].first_id),
        (1, 30.0, a.id)
    );

    // The strength sessions' times come back from `since` on, and only those.
    let (p2, times) = store.player_for_activity(id, 0).await.unwrap().unwrap();
    assert!(
        times.is_empty(),
        "a study session is not a strength session"
    );
    let mut strength = study_write(p2, 10);
    strength.activity.kind = "strength".into();
    strength.activity.occurred_at = 5_000;
    let written = store.write_activity(&strength).await.unwrap().unwrap();
    assert_eq!(written.week_xp, 50, "both awards of the week");
    let (_, times) = store.player_for_activity(id, 5_000).await.unwrap().unwrap();
    assert_eq!(times, vec![5_000]);
    let (_, times) = store.player_for_activity(id, 5_001).await.unwrap().unwrap();
    assert!(times.is_empty());
    assert!(store.audit_day_kinds().await.unwrap().is_empty());
}

/// Several players' activities written as one group (one statement on PostgreSQL):
/// each applies or not on its own version, and the week's XP is per player.
async fn grouped_activity_writes_apply_per_player(b: Backend) {
    let (store, _d) = open(b).await;
    let mut writes = Vec::new();
    let mut ids = Vec::new();
    for (i, name) in ["vegeta", "trunks", "bulma"].iter().enumerate() {
        let id = create(&store, name).await.unwrap();
        let (p, _) = store.player_for_activity(id, 0).await.unwrap().unwrap();
        writes.push(study_write(p, 10 * (i as i64 + 1)));
        ids.push(id);
    }
    // trunks moves on before the group is written.
    {
        let mut tx = store.begin().await.unwrap();
        tx.lock_player(ids[1]).await.unwrap();
        tx.commit().await.unwrap();
    }
    let mut battle = study_write(writes[2].player.clone(), 0);
    battle.player.id = ids[0];
    assert!(
        store
            .write_activity_group(&[writes[0].clone(), battle])
            .await
            .is_err(),
        "two writes of one player in a group are refused"
    );
    let out = store.write_activity_group(&writes).await.unwrap();
    assert_eq!(out.len(), 3);
    assert_eq!(out[0].as_ref().map(|w| w.week_xp), Some(10));
    assert!(out[1].is_none(), "a stale write is skipped");
    assert_eq!(out[2].as_ref().map(|w| w.week_xp), Some(30));
    for (i, id) in ids.iter().enumerate() {
        let expected = if i == 1 { 0 } else { 10 * (i as i64 + 1) };
        let p = store.player(*id).await.unwrap().unwrap();
        assert_eq!(p.total_xp, expected, "player {i}");
        assert_eq!(store.ledger_sum(*id).await.unwrap(), expected, "ledger {i}");
        let acts = store.activities(*id, None, 10).await.unwrap();
        assert_eq!(acts.len(), usize::from(i != 1));
        if let Some(a) = acts.first() {
            assert_eq!(Some(a.id), out[i].as_ref().map(|w| w.activity.id));
            assert_eq!(a.player_id, *id);
        }
    }
    assert!(store.audit_day_kinds().await.unwrap().is_empty());
}

/// Minutes and distance are stored only for kinds that have them (NULL elsewhere),
/// through the grouped writer and through a transaction alike; the day totals count
/// nothing for them.
async fn activity_numbers_are_null_where_the_kind_has_none(b: Backend) {
    let (store, _d) = open(b).await;
    let id = create(&store, "krillin").await.unwrap();
    let (p, _) = store.player_for_activity(id, 0).await.unwrap().unwrap();
    let mut run = study_write(p, 10);
    run.activity.kind = "run".into();
    run.activity.distance_km = Some(5.5);
    run.activity.duration_min = Some(31.0);
    let run = store.write_activity(&run).await.unwrap().unwrap().activity;
    let (p, _) = store.player_for_activity(id, 0).await.unwrap().unwrap();
    let mut wake = study_write(p, 5);
    wake.activity.kind = "wake_up".into();
    wake.activity.training = false;
    wake.activity.duration_min = None;
    wake.activity.distance_km = None;
    wake.activity.woke_at = Some("05:30".into());
    let wake = store.write_activity(&wake).await.unwrap().unwrap().activity;
    let locked = {
        let mut tx = store.begin().await.unwrap();
        let p = tx.lock_player(id).await.unwrap();
        let study = study_write(p, 7);
        let row = tx.write_activity(&study).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        row
    };
    let stored = |want: i64| {
        let store = store.clone();
        async move { store.activity(id, want).await.unwrap().unwrap() }
    };
    let (r, w, s) = (
        stored(run.id).await,
        stored(wake.id).await,
        stored(locked.id).await,
    );
    assert_eq!((r.duration_min, r.distance_km), (Some(31.0), Some(5.5)));
    assert_eq!((w.duration_min, w.distance_km), (None, None));
    assert_eq!((s.duration_min, s.distance_km), (Some(30.0), None));
    let days = store
        .day_kinds(id, "2026-11-03", "2026-11-03")
        .await
        .unwrap();
    let day = |kind: &str| {
        let d = days.iter().find(|d| d.kind == kind).unwrap();
        (d.sessions, d.duration_min, d.distance_km)
    };
    assert_eq!(day("run"), (1, 31.0, 5.5));
    assert_eq!(day("wake_up"), (1, 0.0, 0.0));
    assert_eq!(day("study"), (1, 30.0, 0.0));
    assert!(store.audit_day_kinds().await.unwrap().is_empty());
}

/// PostgreSQL's resource and availability errors are "try again later" (503), never
/// taken for SQLite result codes: their SQLSTATEs are digits too (53100 disk full,
/// 57014 statement timeout); a constraint violation stays the request's fault.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_disk_full_and_timeouts_are_unavailable() {
    use sqlx::Connection;
    if common::postgres_admin_url().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(Backend::Postgres, dir.path()).await;
    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
    let raise = |code: &str| {
        format!("DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '{code}'; END $$")
    };
    for (code, unavailable) in [
        ("53100", true),
        ("57014", true),
        ("08006", true),
        ("23505", false),
    ] {
        let e = sqlx::query(sqlx::AssertSqlSafe(raise(code)))
            .execute(&mut c)
            .await
            .unwrap_err();
        assert_eq!(
            shonen_server::storage::unavailable(&e),
            unavailable,
            "SQLSTATE {code}: {e}"
        );
    }
}
