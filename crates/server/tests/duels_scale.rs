//! 200 duels accepted at once and fought by two service instances on one PostgreSQL
//! database (workers in both), one of which is killed mid-way: every duel resolves
//! exactly once, every winner is paid exactly once, nothing is lost.

mod common;

use common::{Backend, TestApp};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::json;
use shonen_server::Application;
use sqlx::Connection;
use std::time::{Duration, Instant};

const DUELS: usize = 200;

/// Starts a second instance on its own runtime, so it can be killed outright:
/// shutting the runtime down drops its workers wherever they are (mid-battle,
/// mid-transaction), like a crashed process.
fn start_killable(cfg: shonen_server::Config) -> (tokio::runtime::Runtime, String) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    rt.spawn(async move {
        let app = Application::build(cfg)
            .await
            .expect("second instance builds");
        tx.send(format!("http://{}", app.local_addr())).unwrap();
        let _ = app.run_until(std::future::pending()).await;
    });
    let base = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    (rt, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_resolve_200_duels_exactly_once_despite_a_crash() {
    if common::postgres_admin_url().is_none() {
        return;
    }
    let shared_objects = tempfile::tempdir().unwrap();
    let objects_url = shared_objects.path().display().to_string();
    let objects_for_one = objects_url.clone();
    let one = TestApp::spawn_with(Backend::Postgres, move |cfg| {
        cfg.workers = 3;
        cfg.object_store_url = objects_for_one;
    })
    .await;
    let two_dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(&one.database_url, two_dir.path());
    cfg.workers = 3;
    cfg.object_store_url = objects_url.clone();
    let (two_rt, two_base) = start_killable(cfg);

    // 400 players: player 2i challenges player 2i + 1 (200 distinct pairs).
    let tokens: Vec<String> = futures_util::stream::iter(0..2 * DUELS)
        .map(|i| {
            let one = &one;
            async move { one.register(&format!("fighter{i}"), [4, 3, 3]).await.0 }
        })
        .buffered(8)
        .collect()
        .await;
    let mut ids = Vec::with_capacity(DUELS);
    for i in 0..DUELS {
        let (status, d) = one
            .post(
                "/api/v1/duels",
                &tokens[2 * i],
                json!({ "opponent": format!("fighter{}", 2 * i + 1) }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{d}");
        ids.push(d["id"].as_i64().unwrap());
    }

    // Every opponent accepts at once, half through each instance.
    let client = reqwest::Client::new();
    let accepts = ids.iter().enumerate().map(|(i, id)| {
        let base = if i % 2 == 0 { &one.base } else { &two_base };
        client
            .post(format!("{base}/api/v1/duels/{id}/accept"))
            .bearer_auth(&tokens[2 * i + 1])
            .send()
    });
    for r in futures_util::future::join_all(accepts).await {
        assert_eq!(r.unwrap().status(), StatusCode::ACCEPTED);
    }

    // Kill the second instance once the battles are under way.
    let store = &one.state.store;
    let started = Instant::now();
    while store.count_duels("resolved").await.unwrap() < 20 {
        assert!(started.elapsed() < Duration::from_secs(60), "no progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    two_rt.shutdown_background();
    let at_kill = store.count_duels("resolved").await.unwrap();
    let mut conn = sqlx::PgConnection::connect(&one.database_url)
        .await
        .unwrap();
    let in_flight: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'duel_battle' AND status = 'running'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    eprintln!(
        "second instance killed with {at_kill}/{DUELS} duels resolved, {in_flight} battle jobs running"
    );
    assert!(at_kill < DUELS as i64, "the crash happened mid-way");

    // The survivor finishes everything; jobs the dead one had claimed come back
    // when their lease runs out (moved along with the dev clock).
    let started = Instant::now();
    while store.count_duels("resolved").await.unwrap() < DUELS as i64 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "duels left unresolved: {}",
            DUELS as i64 - store.count_duels("resolved").await.unwrap()
        );
        one.advance(61).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Exactly once: one win entry per duel, for its winner, and nothing else.
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT l.rule_key, l.player_id, l.amount FROM ledger l WHERE l.rule_key LIKE 'duel:%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(rows.len(), DUELS, "one reward per duel");
    for id in &ids {
        let d = store.duel(*id).await.unwrap().unwrap();
        assert_eq!(d.status, "resolved");
        let key = format!("duel:{id}:win");
        let paid: Vec<_> = rows.iter().filter(|r| r.0 == key).collect();
        assert_eq!(paid.len(), 1, "duel {id} paid once");
        assert_eq!(Some(paid[0].1), d.winner_id);
        assert!(paid[0].2 == 40 || paid[0].2 == 60);
        assert!(
            one.state
                .objects
                .get(&format!("replays/{id}.json"))
                .await
                .unwrap()
                .is_some(),
            "replay of duel {id}"
        );
    }
    let fighting: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(xp_fighting), 0) AS BIGINT) FROM players")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(fighting, rows.iter().map(|r| r.2).sum::<i64>());
    let leftover: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'duel_battle'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(leftover, 0, "every battle job finished");
}
