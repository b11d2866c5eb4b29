//! Many concurrent activity writes through the real service: many players at once
//! (grouped by the writers: one statement per group on PostgreSQL, one transaction
//! per group on SQLite) and one player from many connections at once. Every
//! acknowledged activity is stored with its award, and every player's totals equal
//! their ledger.

mod common;

use common::{Backend, TestApp};
use serde_json::{Value, json};
use std::collections::HashMap;

both_backends!(many_players_at_once, one_player_from_many_connections);

/// Checks one player against what the service acknowledged: `acked` holds
/// (activity id, xp) of every 201.
async fn check_player(app: &TestApp, username: &str, acked: &[(i64, i64)]) {
    let store = &app.state.store;
    let player = store
        .player_by_username(username)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("player {username}"));
    let stored: HashMap<i64, i64> = store
        .activities(player.id, None, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.xp))
        .collect();
    assert_eq!(stored.len(), acked.len(), "{username}: one row per 201");
    for (id, xp) in acked {
        assert_eq!(stored.get(id), Some(xp), "{username}: activity {id}");
    }
    let ledger = store.ledger_sum(player.id).await.unwrap();
    let acked_xp: i64 = acked.iter().map(|(_, xp)| xp).sum();
    assert_eq!(
        ledger, acked_xp,
        "{username}: the ledger holds every award once"
    );
    assert_eq!(
        player.total_xp, ledger,
        "{username}: totals equal the ledger"
    );
    assert_eq!(
        player.xp_strength
            + player.xp_agility
            + player.xp_intelligence
            + player.xp_fighting
            + player.xp_discipline,
        ledger,
        "{username}: per-stat totals equal the ledger"
    );
}

/// Posts `n` activities one after the other; returns (id, xp) of each.
async fn post_many(app: &TestApp, token: &str, bodies: &[Value]) -> Vec<(i64, i64)> {
    let mut acked = Vec::new();
    for body in bodies {
        let (status, v) = app.post("/api/v1/activities", token, body.clone()).await;
        assert_eq!(status, 201, "{v}");
        acked.push((
            v["activity"]["id"].as_i64().unwrap(),
            v["award"]["final"].as_i64().unwrap(),
        ));
    }
    acked
}

async fn many_players_at_once(b: Backend) {
    let app = std::sync::Arc::new(TestApp::spawn(b).await);
    let players = 24;
    let mut tokens = Vec::new();
    for i in 0..players {
        let (token, _) = app.register(&format!("crowd{i}"), [2, 5, 5]).await;
        tokens.push(token);
    }
    let before = app.state.store.sqlite_write_stats();
    let bodies = vec![
        json!({"kind": "study", "duration_min": 30}),
        json!({"kind": "run", "distance_km": 3, "duration_min": 20}),
        json!({"kind": "study", "duration_min": 15, "note": "again"}),
        json!({"kind": "martial_arts", "duration_min": 40, "style": "karate"}),
    ];
    let mut tasks = Vec::new();
    for token in tokens {
        let (app, bodies) = (app.clone(), bodies.clone());
        tasks.push(tokio::spawn(async move {
            post_many(&app, &token, &bodies).await
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.push(t.await.unwrap());
    }
    for (i, acked) in all.iter().enumerate() {
        check_player(&app, &format!("crowd{i}"), acked).await;
    }
    assert!(app.state.store.audit_day_kinds().await.unwrap().is_empty());
    if let (Some((c0, w0)), Some((c1, w1))) = (before, app.state.store.sqlite_write_stats()) {
        // (A player's first activity of the week creates its boss fight: that one
        // takes the locked path, the others go through the writer.)
        let (commits, written) = (c1 - c0, w1 - w0);
        assert!(
            written >= (players * (bodies.len() - 1)) as u64,
            "the activities went through the SQLite writer ({written})"
        );
        assert!(
            commits < written,
            "concurrent writes share transactions ({commits} commits for {written} activities)"
        );
    }
}

async fn one_player_from_many_connections(b: Backend) {
    let app = std::sync::Arc::new(TestApp::spawn(b).await);
    let (token, _) = app.register("hydra", [3, 3, 3]).await;
    let mut tasks = Vec::new();
    for c in 0..16 {
        let (app, token) = (app.clone(), token.clone());
        // Each connection its own client, so the requests really run side by side.
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut acked = Vec::new();
            for k in 0..3 {
                let body = if (c + k) % 2 == 0 {
                    json!({"kind": "study", "duration_min": 15})
                } else {
                    json!({"kind": "run", "distance_km": 1, "duration_min": 6})
                };
                let r = client
                    .post(format!("{}/api/v1/activities", app.base))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
                let v: Value = r.json().await.unwrap();
                acked.push((
                    v["activity"]["id"].as_i64().unwrap(),
                    v["award"]["final"].as_i64().unwrap(),
                ));
            }
            acked
        }));
    }
    let mut acked = Vec::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    assert_eq!(acked.len(), 48);
    check_player(&app, "hydra", &acked).await;
    assert!(app.state.store.audit_day_kinds().await.unwrap().is_empty());
    // The day's aggregates count every session once.
    let p = app
        .state
        .store
        .player_by_username("hydra")
        .await
        .unwrap()
        .unwrap();
    let days = app
        .state
        .store
        .day_kinds(p.id, "2000-01-01", "2100-01-01")
        .await
        .unwrap();
    let sessions: i64 = days.iter().map(|d| d.sessions).sum();
    assert_eq!(sessions, 48);
}
