//! Rough timings of the boss work on each backend (debug build, one client):
//! `cargo test -p shonen-server --test boss_bench -- --ignored --nocapture`.

mod common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use shonen_server::services::boss;
use std::time::Instant;

async fn bench(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.workers = 0).await;
    let (t, player) = app.register("bench", [3, 3, 3]).await;
    let id = player["id"].as_i64().unwrap();
    let n = 200;
    let started = Instant::now();
    for _ in 0..n {
        let (s, body) = app
            .post(
                "/api/v1/activities",
                &t,
                json!({"kind": "study", "duration_min": 15}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
    }
    let post = started.elapsed() / n;
    let started = Instant::now();
    for _ in 0..n {
        let (s, _) = app.get("/api/v1/boss", &t).await;
        assert_eq!(s, StatusCode::OK);
    }
    let get = started.elapsed() / n;
    // A year of downtime: the rollover catches up 52 weeks.
    app.state.clock.advance(52 * 7 * 86_400);
    let started = Instant::now();
    boss::roll_over(&app.state, id).await.unwrap();
    let catch_up = started.elapsed();
    // (The token has expired by now; read through the service.)
    assert!(boss::history(&app.state, id).await.unwrap().len() >= 52);
    println!(
        "{b:?}: POST /activities {post:?} mean, GET /boss {get:?} mean, 52-week catch-up rollover {catch_up:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timings, run on demand"]
async fn boss_timings() {
    bench(Backend::Sqlite).await;
    if common::postgres_admin_url().is_some() {
        bench(Backend::Postgres).await;
    }
}
