//! Durability: the real `shonen` binary killed with SIGKILL during a burst of writes
//! restarts with a consistent ledger and loses no acknowledged write; a day-end
//! backlog interrupted by a crash is caught up exactly once after restart.

mod common;

use common::{Backend, fresh_database};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use shonen_server::storage::Store;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

both_backends!(
    sigkill_during_writes_loses_nothing,
    sigkill_during_many_players_burst_loses_nothing,
    crashed_backlog_catches_up_once
);

struct Server {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    async fn start(database_url: &str, data_dir: &std::path::Path) -> Server {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_shonen"))
            .arg("serve")
            .env("SHONEN_ADDR", format!("127.0.0.1:{port}"))
            .env("SHONEN_DATABASE_URL", database_url)
            .env("SHONEN_DATA_DIR", data_dir)
            .env("SHONEN_DEV_CLOCK", "1")
            .env("SHONEN_RATE_LIMIT_PER_MINUTE", "1000000")
            .env("SHONEN_REGISTRATIONS_PER_HOUR", "1000000")
            .env("SHONEN_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start shonen");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = Client::new().get(format!("{base}/readyz")).send().await
                && r.status() == StatusCode::OK
            {
                break;
            }
            assert!(Instant::now() < deadline, "server did not become ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Server { child, base }
    }

    fn kill(&mut self) {
        // SIGKILL: no chance to flush or finish anything.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn register(c: &Client, base: &str, name: &str) -> String {
    let r = c
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({"username": name, "email": format!("{name}@example.com"), "password": "correct horse battery", "goals": {"strength": 0, "agility": 9, "intelligence": 0}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    v["token"].as_str().unwrap().to_string()
}

async fn sigkill_during_writes_loses_nothing(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(b, dir.path()).await;
    let mut server = Server::start(&url, dir.path()).await;
    let client = Client::new();
    let token = register(&client, &server.base, "crashtest").await;

    let acked: Arc<Mutex<Vec<(i64, i64)>>> = Arc::default();
    let mut writers = Vec::new();
    for _ in 0..4 {
        let (client, base, token, acked) = (
            client.clone(),
            server.base.clone(),
            token.clone(),
            acked.clone(),
        );
        writers.push(tokio::spawn(async move {
            loop {
                let r = client
                    .post(format!("{base}/api/v1/activities"))
                    .bearer_auth(&token)
                    .json(&json!({"kind": "run", "distance_km": 0.1, "duration_min": 1}))
                    .timeout(Duration::from_secs(5))
                    .send()
                    .await;
                // A refused connection means the server is gone: stop.
                let Ok(r) = r else { return };
                assert_eq!(r.status(), StatusCode::CREATED);
                // The kill may land between the status line and the body: such a
                // write was never acknowledged to the client.
                let Ok(v) = r.json::<Value>().await else {
                    return;
                };
                acked.lock().unwrap().push((
                    v["activity"]["id"].as_i64().unwrap(),
                    v["award"]["final"].as_i64().unwrap(),
                ));
            }
        }));
    }
    // Let the burst run, then pull the plug.
    let deadline = Instant::now() + Duration::from_secs(20);
    while acked.lock().unwrap().len() < 40 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    for w in writers {
        let _ = w.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 10,
        "the burst acknowledged writes before the kill"
    );

    let server = Server::start(&url, dir.path()).await;
    let store = Store::open(&url).await.unwrap();
    let player = store
        .player_by_username("crashtest")
        .await
        .unwrap()
        .unwrap();
    for (id, xp) in &acked {
        let a = store.activity(player.id, *id).await.unwrap();
        let a = a.unwrap_or_else(|| panic!("acknowledged activity {id} lost"));
        assert_eq!(a.xp, *xp);
    }
    let ledger_sum = store.ledger_sum(player.id).await.unwrap();
    assert_eq!(player.total_xp, ledger_sum, "totals equal the ledger");
    let activities = store.activities(player.id, None, 100_000).await.unwrap();
    let activity_xp: i64 = activities.iter().map(|a| a.xp).sum();
    assert_eq!(
        activity_xp, ledger_sum,
        "every stored activity has exactly its ledger entry"
    );
    assert_eq!(
        player.xp_agility + player.xp_intelligence,
        ledger_sum,
        "per-stat totals match"
    );
    // And the service still works after the restart.
    let r = client
        .get(format!("{}/api/v1/me", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// Many players writing at once, so that the writers group their activities (one
/// transaction per group on SQLite), killed mid-burst: every acknowledged activity
/// survives with its award, and every player's totals equal their ledger.
async fn sigkill_during_many_players_burst_loses_nothing(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(b, dir.path()).await;
    let mut server = Server::start(&url, dir.path()).await;
    let client = Client::new();
    let players = 16;
    let mut tokens = Vec::new();
    for i in 0..players {
        tokens.push(register(&client, &server.base, &format!("crowd{i}")).await);
    }

    // (player, activity id, xp) of every acknowledged write.
    let acked: Arc<Mutex<Vec<(usize, i64, i64)>>> = Arc::default();
    let mut writers = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        for _ in 0..2 {
            let (client, base, token, acked) = (
                Client::new(),
                server.base.clone(),
                token.clone(),
                acked.clone(),
            );
            writers.push(tokio::spawn(async move {
                loop {
                    let r = client
                        .post(format!("{base}/api/v1/activities"))
                        .bearer_auth(&token)
                        .json(&json!({"kind": "run", "distance_km": 0.1, "duration_min": 1}))
                        .timeout(Duration::from_secs(5))
                        .send()
                        .await;
                    let Ok(r) = r else { return };
                    assert_eq!(r.status(), StatusCode::CREATED);
                    let Ok(v) = r.json::<Value>().await else {
                        return;
                    };
                    acked.lock().unwrap().push((
                        i,
                        v["activity"]["id"].as_i64().unwrap(),
                        v["award"]["final"].as_i64().unwrap(),
                    ));
                }
            }));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while acked.lock().unwrap().len() < 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill();
    for w in writers {
        let _ = w.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 32,
        "the burst acknowledged writes before the kill"
    );

    let _server = Server::start(&url, dir.path()).await;
    let store = Store::open(&url).await.unwrap();
    for i in 0..players {
        let player = store
            .player_by_username(&format!("crowd{i}"))
            .await
            .unwrap()
            .unwrap();
        let stored: std::collections::HashMap<i64, i64> = store
            .activities(player.id, None, 100_000)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.id, a.xp))
            .collect();
        for (_, id, xp) in acked.iter().filter(|(p, _, _)| *p == i) {
            assert_eq!(
                stored.get(id),
                Some(xp),
                "acknowledged activity {id} of player {i}"
            );
        }
        let ledger_sum = store.ledger_sum(player.id).await.unwrap();
        assert_eq!(player.total_xp, ledger_sum, "player {i}: totals = ledger");
        assert_eq!(
            stored.values().sum::<i64>(),
            ledger_sum,
            "player {i}: every stored activity has exactly its ledger entry"
        );
        assert_eq!(player.xp_agility, ledger_sum, "player {i}: per stat");
    }
    assert!(store.audit_day_kinds().await.unwrap().is_empty());
}

async fn crashed_backlog_catches_up_once(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(b, dir.path()).await;
    let mut server = Server::start(&url, dir.path()).await;
    let client = Client::new();
    let players = 30;
    for i in 0..players {
        let token = register(&client, &server.base, &format!("backlog{i}")).await;
        let r = client
            .patch(format!("{}/api/v1/me", server.base))
            .bearer_auth(&token)
            .json(&json!({"training_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = client
            .post(format!("{}/api/v1/activities", server.base))
            .bearer_auth(&token)
            .json(&json!({"kind": "run", "distance_km": 12, "duration_min": 60}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    server.kill();

    // Four days pass while the service is down.
    let store = Store::open(&url).await.unwrap();
    let offset = store
        .state("dev_clock_offset_micros")
        .await
        .unwrap()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    store
        .set_state(
            "dev_clock_offset_micros",
            &(offset + 4 * 86_400_000_000).to_string(),
        )
        .await
        .unwrap();

    // Restart; crash again while the workers are part-way through the backlog.
    let mut server = Server::start(&url, dir.path()).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut closed = 0;
        for i in 0..players {
            let p = store
                .player_by_username(&format!("backlog{i}"))
                .await
                .unwrap()
                .unwrap();
            if p.total_xp != 300 {
                closed += 1;
            }
        }
        if closed > 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();

    let server = Server::start(&url, dir.path()).await;
    // The claims the killed instance held were released at start-up (not left to
    // wait out their one-minute lease), and the clock call answers once everything
    // due has run, including what the new instance's workers took first.
    let r = client
        .post(format!("{}/api/v1/dev/clock", server.base))
        .json(&json!({"advance_seconds": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        store.running_jobs().await.unwrap(),
        0,
        "nothing left running"
    );
    let now = chrono::Utc::now().timestamp_micros() + offset + 4 * 86_400_000_000;
    assert_eq!(store.due_jobs(now).await.unwrap(), 0, "backlog caught up");
    assert_eq!(store.failed_jobs().await.unwrap(), 0);
    drop(server);
    for i in 0..players {
        let p = store
            .player_by_username(&format!("backlog{i}"))
            .await
            .unwrap()
            .unwrap();
        // Day 1 trained; days 2–4 missed: three skips (−50 each) and the nerf (−100).
        if p.total_xp != 50 {
            let kept = dir.keep();
            panic!(
                "player {i} total {} (data kept in {})",
                p.total_xp,
                kept.display()
            );
        }
        let ledger = store.ledger(p.id, None, 100).await.unwrap();
        let amounts: Vec<i64> = ledger.iter().map(|e| e.amount).collect();
        assert_eq!(amounts, vec![-100, -50, -50, -50, 300], "player {i}");
    }
}
