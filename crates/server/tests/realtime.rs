//! Redis and real time end to end: two server instances on one PostgreSQL and one
//! Redis (events cross instances, leaderboards equal the database's truth, caches
//! never serve stale values), a private `redis-server` child that is flushed, killed
//! and restarted (rebuild, degradation, recovery), and the in-process fallback.

mod common;

use common::{Backend, TestApp, strength};
use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shonen_server::storage::{BoardScope, Store};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A `redis-server` child process of our own on a free loopback port, for tests
/// that flush or stop Redis (never the shared one).
struct PrivateRedis {
    port: u16,
    child: Option<std::process::Child>,
    dir: tempfile::TempDir,
}

impl PrivateRedis {
    fn start() -> Option<PrivateRedis> {
        if std::process::Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            common::lacking("redis-server is not installed", "SHONEN_TEST_REQUIRE_REDIS");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let mut r = PrivateRedis {
            port,
            child: None,
            dir: tempfile::tempdir().expect("temp dir"),
        };
        r.restart();
        Some(r)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn restart(&mut self) {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        for _ in 0..100 {
            if self.cli(&["PING"]).as_deref() == Some("PONG") {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("private redis-server did not start on port {}", self.port);
    }

    fn cli(&self, args: &[&str]) -> Option<String> {
        let out = std::process::Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .output()
            .ok()?;
        Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Two instances (A, B) on one fresh PostgreSQL database and the given Redis,
/// sharing a key prefix like two nodes of one deployment. `None` without PostgreSQL.
async fn two_instances(redis_url: &str) -> Option<(TestApp, TestApp)> {
    common::postgres_admin_url()?;
    let prefix = common::unique_prefix();
    let url = redis_url.to_string();
    let p2 = prefix.clone();
    let a = TestApp::spawn_with(Backend::Postgres, move |c| {
        c.redis_url = Some(url);
        c.redis_prefix = p2;
    })
    .await;
    let mut cfg = common::config(&a.database_url, &a.data_dir);
    cfg.redis_url = Some(redis_url.to_string());
    cfg.redis_prefix = prefix;
    let b = TestApp::start(cfg, Backend::Postgres).await;
    Some((a, b))
}

async fn ws_connect(app: &TestApp, query: &str) -> Ws {
    let url = format!("{}/api/v1/ws?{query}", app.base.replacen("http", "ws", 1));
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects");
    ws
}

/// Waits `wait`, then reads off every frame already sent (until 300 ms pass without
/// one): announcements still on their way, and the once-a-second limit of the
/// boards they started, are behind the test's next step.
async fn read_off(ws: &mut Ws, wait: Duration) {
    tokio::time::sleep(wait).await;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(300), ws.next()).await {}
}

/// Events until one of type `kind` arrives (within 10 s); returns all seen.
async fn until_event(ws: &mut Ws, kind: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(msg) = ws.next().await {
            if let Ok(Message::Text(t)) = msg {
                let v: Value = serde_json::from_str(&t).expect("event is JSON");
                let done = v["type"] == kind;
                seen.push(v);
                if done {
                    return;
                }
            }
        }
    })
    .await;
    assert!(r.is_ok(), "no {kind} event within 10 s; saw {seen:?}");
    seen
}

/// The board as the database has it: (username, xp) in rank order.
async fn truth(app: &TestApp, scope: BoardScope<'_>) -> Vec<(String, i64)> {
    let store = Store::connect(&app.database_url).await.expect("db");
    let rows = store.board_top(scope, 100).await.expect("board");
    store.close().await;
    rows.into_iter().map(|r| (r.username, r.xp)).collect()
}

async fn board(app: &TestApp, token: &str, query: &str) -> (Vec<(String, i64)>, Value) {
    let (s, body) = app
        .get(&format!("/api/v1/leaderboard?{query}"), token)
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let entries = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["username"].as_str().unwrap().to_string(),
                e["xp"].as_i64().unwrap(),
            )
        })
        .collect();
    (entries, body["me"].clone())
}

async fn run(app: &TestApp, token: &str, km: i64) -> Value {
    let (s, body) = app
        .post(
            "/api/v1/activities",
            token,
            json!({"kind": "run", "distance_km": km, "duration_min": km * 6}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_and_leaderboards_cross_instances() {
    let Some(redis) = common::redis_url() else {
        eprintln!("skipping: SHONEN_TEST_REDIS_URL not set");
        return;
    };
    let Some((a, b)) = two_instances(&redis).await else {
        return;
    };
    let (t1, _) = a.register("goku", [9, 0, 0]).await;
    let (t2, _) = b.register("vegeta", [9, 0, 0]).await;
    let (t3, _) = b.register("bulma", [0, 0, 9]).await;
    let mut ws = ws_connect(&a, &format!("token={t1}")).await;

    // Posted to B, seen on A.
    let (s, body) = b
        .post("/api/v1/activities", &t1, strength(12, 100.0, 5, 70.0))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let seen = until_event(&mut ws, "level_up").await;
    let xp = seen
        .iter()
        .find(|e| e["type"] == "xp_awarded")
        .expect("xp_awarded before level_up");
    let total = xp["data"]["total_xp"].as_i64().unwrap();
    assert_eq!(total, body["award"]["final"].as_i64().unwrap());
    assert!(xp["id"].as_i64().unwrap() > 0 && xp["at"].is_string());

    run(&b, &t2, 3).await;
    run(&a, &t3, 1).await;
    // The leaderboard from either instance equals the database's truth.
    for scope in ["global", "weekly", "class&class=brawler"] {
        let db = match scope {
            "global" => truth(&a, BoardScope::Global).await,
            "weekly" => {
                // Everyone here is on UTC: their local week is the UTC week.
                let now = a.now().await.date_naive();
                let week = now
                    - chrono::Duration::days(
                        chrono::Datelike::weekday(&now).num_days_from_monday() as i64,
                    );
                truth(&a, BoardScope::Week(&week.to_string())).await
            }
            _ => truth(&a, BoardScope::Class("brawler")).await,
        };
        let (from_a, me_a) = board(&a, &t1, &format!("scope={scope}")).await;
        let (from_b, me_b) = board(&b, &t1, &format!("scope={scope}")).await;
        assert_eq!(from_a, db, "{scope} on A");
        assert_eq!(from_b, db, "{scope} on B");
        assert_eq!(me_a, me_b);
        let rank = db.iter().position(|(u, _)| u == "goku").unwrap() + 1;
        assert_eq!(me_a["rank"], rank, "{scope}");
    }
    assert!(!truth(&a, BoardScope::Global).await.is_empty());

    // Caches never serve stale values, on either instance: read (fills the cache),
    // write on one, read on both.
    assert_eq!(a.me(&t1).await["total_xp"], total);
    let id = body["activity"]["id"].as_i64().unwrap();
    let (s, edited) = b
        .call(
            Method::PATCH,
            &format!("/api/v1/activities/{id}"),
            Some(&t1),
            Some(strength(12, 100.0, 5, 70.0)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    let after_edit = edited["award"]["final"].as_i64().unwrap();
    assert!(after_edit < total);
    let me_a = a.me(&t1).await;
    let me_b = b.me(&t1).await;
    assert_eq!(me_a["total_xp"], after_edit, "edit correction visible on A");
    assert_eq!(me_b["total_xp"], after_edit);
    let (_, dash) = a.get("/api/v1/dashboard", &t1).await;
    assert_eq!(dash["player"]["total_xp"], me_b["total_xp"]);
    let (_, lb) = a.get("/api/v1/leaderboard", &t1).await;
    assert_eq!(lb["me"]["xp"], me_b["total_xp"]);
    // Settings changes too.
    let (s, _) = b
        .call(
            Method::PATCH,
            "/api/v1/me",
            Some(&t1),
            Some(json!({"weekly_goal": 6})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // It waits for next week (§10), and both instances show it waiting.
    assert_eq!(a.me(&t1).await["pending"]["weekly_goal"], 6);

    // Logout on A revokes the (cached) token on B at once.
    assert_eq!(b.me(&t2).await["username"], "vegeta");
    let (s, _) = a
        .call(Method::POST, "/api/v1/auth/logout", Some(&t2), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = b.get("/api/v1/me", &t2).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let _ = ws.close(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn leaderboard_is_rebuilt_after_flushall() {
    let Some(redis) = PrivateRedis::start() else {
        return;
    };
    let Some((a, b)) = two_instances(&redis.url()).await else {
        return;
    };
    let mut tokens = Vec::new();
    for (i, name) in ["krillin", "tien", "yamcha", "piccolo"].iter().enumerate() {
        let (t, _) = a.register(name, [0, 9, 0]).await;
        run(&b, &t, i as i64 + 1).await;
        tokens.push(t);
    }
    let before = board(&a, &tokens[0], "scope=global").await.0;
    assert_eq!(before, truth(&a, BoardScope::Global).await);
    assert_eq!(redis.cli(&["FLUSHALL"]).as_deref(), Some("OK"));
    // Both instances rebuild from the database; the rebuild does not clobber a
    // write made right after the flush.
    run(&a, &tokens[0], 5).await;
    let db = truth(&a, BoardScope::Global).await;
    assert_eq!(db[0].0, "krillin");
    assert_eq!(board(&b, &tokens[1], "scope=global").await.0, db);
    assert_eq!(board(&a, &tokens[2], "scope=global").await.0, db);
    let (speed, me) = board(&a, &tokens[3], "scope=class&class=speedster").await;
    assert_eq!(speed, truth(&a, BoardScope::Class("speedster")).await);
    assert_eq!(me["rank"], 2);
    let (weekly, _) = board(&b, &tokens[3], "scope=weekly").await;
    assert_eq!(weekly.len(), 4);
    assert_eq!(weekly, db, "all XP is from this week");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_outage_degrades_to_the_database_and_recovers() {
    let Some(mut redis) = PrivateRedis::start() else {
        return;
    };
    let Some((a, b)) = two_instances(&redis.url()).await else {
        return;
    };
    let (t1, _) = a.register("gohan", [9, 0, 0]).await;
    let (t2, _) = b.register("trunks", [9, 0, 0]).await;
    run(&a, &t1, 2).await;
    assert!(a.me(&t1).await["total_xp"].as_i64().unwrap() > 0);
    let (s, ready) = a.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(s, StatusCode::OK, "{ready}");
    assert_eq!(ready["redis"], "ok");

    let mut ws_b = ws_connect(&b, &format!("token={t1}")).await;
    redis.kill();
    // Everything still works from the database.
    let before = b.me(&t1).await["total_xp"].as_i64().unwrap();
    let posted = run(&b, &t1, 4).await;
    // Events still reach this instance's own connections (not replayable: id 0).
    let seen = until_event(&mut ws_b, "xp_awarded").await;
    assert_eq!(seen.last().unwrap()["id"], 0);
    let gained = posted["award"]["final"].as_i64().unwrap();
    assert_eq!(
        a.me(&t1).await["total_xp"],
        before + gained,
        "fresh on A, from the database"
    );
    let (s, _) = b.get("/api/v1/dashboard", &t1).await;
    assert_eq!(s, StatusCode::OK);
    run(&a, &t2, 10).await;
    let (during, me) = board(&b, &t1, "scope=global").await;
    assert_eq!(during, truth(&a, BoardScope::Global).await);
    assert_eq!(me["rank"], 2);
    let (s, ready) = a.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{ready}");
    assert_eq!(ready["redis"], "unreachable");
    assert_eq!(ready["database"], "ok");
    a.register("cell", [0, 9, 0]).await;

    // Back on the same port (empty: a restart loses everything, like a flush).
    redis.restart();
    let mut ok = false;
    for _ in 0..100 {
        let (sa, _) = a.call(Method::GET, "/readyz", None, None).await;
        let (sb, _) = b.call(Method::GET, "/readyz", None, None).await;
        if sa == StatusCode::OK && sb == StatusCode::OK {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok, "readyz recovers when Redis is back");
    // Pub/sub resubscribed: an event caused on B reaches a connection on A.
    let mut ws = ws_connect(&a, &format!("token={t1}")).await;
    let mut delivered = false;
    for _ in 0..20 {
        run(&b, &t1, 1).await;
        let got = tokio::time::timeout(Duration::from_millis(500), async {
            while let Some(Ok(m)) = ws.next().await {
                if let Message::Text(t) = m
                    && t.contains("xp_awarded")
                {
                    return true;
                }
            }
            false
        })
        .await;
        if got == Ok(true) {
            delivered = true;
            break;
        }
    }
    assert!(delivered, "events cross instances again after recovery");
    let db = truth(&a, BoardScope::Global).await;
    assert_eq!(board(&a, &t1, "scope=global").await.0, db);
    assert_eq!(board(&b, &t2, "scope=global").await.0, db);
    let me_a = a.me(&t1).await;
    assert_eq!(me_a["total_xp"], b.me(&t1).await["total_xp"]);
}

both_backends!(
    leaderboard_changes_are_announced_to_everyone_once_a_second,
    reclassify_moves_the_player_between_class_boards,
    leaderboard_validates_and_ranks_in_process,
    websocket_auth_replay_and_keepalive,
    training_announces_the_streak,
    the_award_comes_before_the_leaderboard_it_moved,
    a_duel_win_announces_its_xp_and_level,
    each_penalty_of_a_catch_up_carries_its_own_total,
    a_reclassified_leader_is_announced_on_the_global_board,
    a_new_week_announces_its_weekly_board,
);

/// At the week's turn the weekly board starts again (empty): everyone hears it.
async fn a_new_week_announces_its_weekly_board(be: Backend) {
    use chrono::{Datelike, Timelike};
    let app = TestApp::spawn(be).await;
    let (t, _) = app.register("mondayfan", [0, 9, 0]).await;
    run(&app, &t, 3).await;
    let mut ws = ws_connect(&app, &format!("token={t}")).await;
    read_off(&mut ws, Duration::from_millis(1500)).await;
    // To one minute past the next Monday 00:00 (UTC, the player's time zone).
    let now = app.now().await;
    let days = 7 - i64::from(now.weekday().num_days_from_monday());
    let to_midnight = days * 86_400 - i64::from(now.num_seconds_from_midnight());
    app.advance(to_midnight + 60).await;
    until_board(&mut ws, "weekly").await;
    let (_, board) = app.get("/api/v1/leaderboard?scope=weekly", &t).await;
    assert_eq!(board["entries"], json!([]), "{board}");
}

/// The global board shows each player's class: when the leader re-takes the class,
/// that board's top changed, and everyone hears it.
async fn a_reclassified_leader_is_announced_on_the_global_board(be: Backend) {
    let app = TestApp::spawn(be).await;
    let (t, _) = app.register("shinji", [0, 9, 0]).await;
    run(&app, &t, 3).await;
    let (watcher, _) = app.register("watcher", [5, 5, 5]).await;
    let mut ws = ws_connect(&app, &format!("token={watcher}")).await;
    // Past the once-a-second window of the run's own announcements.
    read_off(&mut ws, Duration::from_millis(1500)).await;
    let (s, p) = app
        .post(
            "/api/v1/me/reclassify",
            &t,
            json!({"goals": {"strength": 9, "agility": 1, "intelligence": 1}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    until_board(&mut ws, "global").await;
}

/// Reads frames until a `leaderboard` announcement of `scope` (within 5 s).
async fn until_board(ws: &mut Ws, scope: &str) {
    let mut scopes = Vec::new();
    let heard = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(msg) = ws.next().await {
            if let Ok(Message::Text(m)) = msg {
                let v: Value = serde_json::from_str(&m).expect("event is JSON");
                if v["type"] == "leaderboard" {
                    scopes.push(v["data"]["scope"].as_str().unwrap_or_default().to_string());
                    if v["data"]["scope"] == scope {
                        return;
                    }
                }
            }
        }
    })
    .await;
    assert!(heard.is_ok(), "no {scope} announcement: {scopes:?}");
}

/// Four days closed at once (three skips, then the break): each `penalty` event
/// carries the total as it stood right after it.
async fn each_penalty_of_a_catch_up_carries_its_own_total(be: Backend) {
    let app = TestApp::spawn(be).await;
    let (t, _) = app.register("sakura", [0, 9, 0]).await;
    app.schedule_every_day(&t).await;
    let v = run(&app, &t, 12).await;
    assert_eq!(v["award"]["final"], 300);
    let mut ws = ws_connect(&app, &format!("token={t}")).await;
    // The run's own events (its streak among them) are read off first.
    read_off(&mut ws, Duration::ZERO).await;
    app.advance(4 * 86_400).await;
    let seen = until_event(&mut ws, "streak").await;
    let totals: Vec<i64> = seen
        .iter()
        .filter(|e| e["type"] == "penalty")
        .map(|e| e["data"]["total_xp"].as_i64().unwrap())
        .collect();
    assert_eq!(totals, vec![250, 200, 150, 50], "{seen:?}");
}

/// The winner of a paid duel hears the Fighting XP (`xp_awarded`) and the level it
/// reached (`level_up`), as with an activity.
async fn a_duel_win_announces_its_xp_and_level(be: Backend) {
    let app = TestApp::spawn(be).await;
    let (a, _) = app.register("gaara", [5, 5, 5]).await;
    let (b, _) = app.register("neji", [5, 5, 5]).await;
    for t in [&a, &b] {
        let (s, v) = app
            .post(
                "/api/v1/activities",
                t,
                json!({"kind": "study", "duration_min": 15}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let mut wa = ws_connect(&app, &format!("token={a}")).await;
    let mut wb = ws_connect(&app, &format!("token={b}")).await;
    let (s, d) = app
        .post("/api/v1/duels", &a, json!({"opponent": "neji"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_i64().unwrap();
    let (s, d) = app
        .post(&format!("/api/v1/duels/{id}/accept"), &b, json!({}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{d}");
    let seen = until_event(&mut wa, "duel_resolved").await;
    let done = seen.last().unwrap()["data"].clone();
    let (winner_ws, winner_token) = if done["winner"] == "gaara" {
        (&mut wa, &a)
    } else {
        (&mut wb, &b)
    };
    let seen = until_event(winner_ws, "level_up").await;
    // The last award before the level-up (the study's own may come first).
    let award = seen
        .iter()
        .rev()
        .find(|e| e["type"] == "xp_awarded")
        .unwrap_or_else(|| panic!("no xp_awarded: {seen:?}"));
    let paid = award["data"]["award"]["final"].as_i64().unwrap();
    assert!(paid == 40 || paid == 60, "{award}");
    assert_eq!(award["data"]["award"]["stat"], "fighting");
    let me = app.me(winner_token).await;
    assert_eq!(award["data"]["total_xp"], me["total_xp"]);
    let up = seen.last().unwrap();
    assert_eq!(up["data"]["from"], 1, "{up}");
    assert_eq!(up["data"]["to"], me["level"], "{up}");
}

/// The first frame after logging an activity is its `xp_awarded`; the `leaderboard`
/// event the same write caused follows it.
async fn the_award_comes_before_the_leaderboard_it_moved(be: Backend) {
    let app = TestApp::spawn(be).await;
    let (t, _) = app.register("bolt", [0, 9, 0]).await;
    let mut ws = ws_connect(&app, &format!("token={t}")).await;
    // The registration's own announcement (a new name on the boards) may still be
    // on its way: past it, and past the once-a-second limit it started.
    read_off(&mut ws, Duration::from_millis(1100)).await;
    for round in 0..3 {
        run(&app, &t, 1 + round).await;
        let seen = until_event(&mut ws, "leaderboard").await;
        assert_eq!(seen[0]["type"], "xp_awarded", "round {round}: {seen:?}");
        // Past the once-a-second limit, so the next write announces again; the
        // round's other boards' events are read off first.
        read_off(&mut ws, Duration::from_millis(1100)).await;
    }
}

/// The first training of a day starts or extends the streak, and the socket hears
/// it; a second training that day and a wake-up do not announce it again.
async fn training_announces_the_streak(be: Backend) {
    let app = TestApp::spawn(be).await;
    let (t, _) = app.register("rocklee", [0, 9, 0]).await;
    let mut ws = ws_connect(&app, &format!("token={t}")).await;
    run(&app, &t, 2).await;
    let seen = until_event(&mut ws, "streak").await;
    assert_eq!(seen.last().unwrap()["data"]["streak"], 1, "{seen:?}");
    run(&app, &t, 2).await;
    app.advance(86_400).await;
    run(&app, &t, 2).await;
    let seen = until_event(&mut ws, "streak").await;
    let streaks: Vec<_> = seen.iter().filter(|e| e["type"] == "streak").collect();
    assert_eq!(streaks.len(), 1, "one announcement a day: {seen:?}");
    assert_eq!(streaks[0]["data"]["streak"], 2, "{seen:?}");
    assert_eq!(
        seen.iter().filter(|e| e["type"] == "xp_awarded").count(),
        2,
        "{seen:?}"
    );
    assert_eq!(app.me(&t).await["streak"], 2);
}

async fn leaderboard_validates_and_ranks_in_process(be: Backend) {
    let app = TestApp::spawn_with(be, |c| c.redis_url = None).await;
    let (t1, _) = app.register("naruto", [0, 9, 0]).await;
    let (t2, _) = app.register("sasuke", [0, 9, 0]).await;
    let (t3, _) = app.register("sakura", [0, 0, 9]).await;
    for (q, field) in [
        ("scope=bogus", "scope"),
        ("scope=class", "class"),
        ("scope=class&class=wizard", "class"),
        ("scope=global&class=brawler", "class"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
    ] {
        let (s, e) = app.get(&format!("/api/v1/leaderboard?{q}"), &t1).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {e}");
        assert_eq!(e["error"]["details"]["field"], field, "{q}");
    }
    let (s, _) = app
        .call(Method::GET, "/api/v1/leaderboard", None, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Fresh players are on the board at 0.
    let (entries, me) = board(&app, &t3, "").await;
    assert_eq!(entries.len(), 3);
    assert_eq!(me["xp"], 0);
    run(&app, &t2, 5).await;
    run(&app, &t1, 2).await;
    let (entries, me) = board(&app, &t1, "scope=global&limit=2").await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].0, "sasuke");
    assert_eq!(entries[1].0, "naruto");
    assert_eq!(me["rank"], 2);
    assert_eq!(entries, truth(&app, BoardScope::Global).await[..2].to_vec());
    let (_, body) = app
        .get("/api/v1/leaderboard?scope=class&class=strategist", &t1)
        .await;
    assert_eq!(
        body["me"]["rank"],
        Value::Null,
        "not on another class's board"
    );
    assert_eq!(body["entries"][0]["username"], "sakura");
    assert_eq!(body["entries"][0]["rank"], 1);
    assert_eq!(body["entries"][0]["level"], 1);
    let (weekly, me) = board(&app, &t3, "scope=weekly").await;
    assert_eq!(
        weekly.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        ["sasuke", "naruto"]
    );
    assert_eq!(me["rank"], Value::Null, "no XP this week");
    // A penalty (skipped training days) moves the board too.
    app.advance(3 * 86_400).await;
    let db = truth(&app, BoardScope::Global).await;
    assert_eq!(board(&app, &t1, "").await.0, db);
    assert_eq!(
        app.me(&t2).await["total_xp"],
        db.iter().find(|e| e.0 == "sasuke").unwrap().1
    );
}

async fn websocket_auth_replay_and_keepalive(be: Backend) {
    let app = TestApp::spawn(be).await;
    let (t, _) = app.register("ichigo", [9, 0, 0]).await;
    // No or bad token: 401 before the upgrade.
    let url = format!("{}/api/v1/ws", app.base.replacen("http", "ws", 1));
    assert!(tokio_tungstenite::connect_async(&url).await.is_err());
    assert!(
        tokio_tungstenite::connect_async(format!("{url}?token=nope"))
            .await
            .is_err()
    );
    let (s, e) = app.get("/api/v1/ws?since=-1", &t).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // Token in Sec-WebSocket-Protocol: offered alone, it is the selected protocol;
    // offered after `bearer`, `bearer` is (the token is not sent back).
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = url.as_str().into_client_request().unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", t.parse().unwrap());
    let (ws, resp) = tokio_tungstenite::connect_async(req).await.expect("ws");
    let selected = resp.headers().get("sec-websocket-protocol").unwrap();
    assert_eq!(selected.to_str().unwrap(), t);
    drop(ws);
    let mut req = url.as_str().into_client_request().unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        format!("bearer, {t}").parse().unwrap(),
    );
    let (mut ws, resp) = tokio_tungstenite::connect_async(req).await.expect("ws");
    let selected = resp.headers().get("sec-websocket-protocol").unwrap();
    assert_eq!(selected.to_str().unwrap(), "bearer");
    ws.send(Message::Ping(vec![1u8].into())).await.unwrap();
    run(&app, &t, 2).await;
    let first = until_event(&mut ws, "xp_awarded").await;
    let last_id = first.last().unwrap()["id"].as_i64().unwrap();
    let _ = ws.close(None).await;
    drop(ws);

    // Missed while away: replayed with ?since=, nothing twice, then live again.
    run(&app, &t, 3).await;
    run(&app, &t, 4).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut ws = ws_connect(&app, &format!("token={t}&since={last_id}")).await;
    let mut ids = Vec::new();
    for round in 0..3 {
        if round == 2 {
            run(&app, &t, 5).await;
        }
        let seen = until_event(&mut ws, "xp_awarded").await;
        ids.extend(seen.iter().map(|e| e["id"].as_i64().unwrap()));
    }
    assert!(ids.iter().all(|&i| i > last_id), "{ids:?}");
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, ids, "increasing, no duplicates");
}

async fn reclassify_moves_the_player_between_class_boards(be: Backend) {
    let app = TestApp::spawn(be).await;
    let (t, _) = app.register("killua", [0, 9, 0]).await;
    run(&app, &t, 2).await;
    let names = |v: Vec<(String, i64)>| v.into_iter().map(|e| e.0).collect::<Vec<_>>();
    let (speed, me) = board(&app, &t, "scope=class&class=speedster").await;
    assert_eq!(names(speed), ["killua"]);
    assert_eq!(me["rank"], 1);
    app.advance(31 * 86_400).await;
    let (s, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "killua", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let t = body["token"].as_str().unwrap().to_string();
    let (s, p) = app
        .post(
            "/api/v1/me/reclassify",
            &t,
            json!({"goals": {"strength": 9, "agility": 1, "intelligence": 1}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["class"], "brawler");
    let (speed, me) = board(&app, &t, "scope=class&class=speedster").await;
    assert!(speed.is_empty(), "{speed:?}");
    assert_eq!(me["rank"], Value::Null);
    let (brawl, me) = board(&app, &t, "scope=class&class=brawler").await;
    assert_eq!(names(brawl), ["killua"]);
    assert_eq!(me["rank"], 1);
    assert_eq!(
        brawl_class(&app, &t).await,
        "brawler",
        "entries show the new class"
    );
    assert_eq!(app.me(&t).await["class"], "brawler", "hot cache refreshed");
}

async fn brawl_class(app: &TestApp, t: &str) -> String {
    let (_, body) = app.get("/api/v1/leaderboard", t).await;
    body["entries"][0]["class"].as_str().unwrap().to_string()
}

/// `leaderboard` events (`{type, at, data: {scope, class?}}`, no `id`) seen on `ws`
/// within `window`, with the time each arrived.
async fn leaderboard_events(ws: &mut Ws, window: Duration) -> Vec<(std::time::Instant, Value)> {
    let mut seen = Vec::new();
    let _ = tokio::time::timeout(window, async {
        while let Some(msg) = ws.next().await {
            if let Ok(Message::Text(t)) = msg {
                let v: Value = serde_json::from_str(&t).expect("event is JSON");
                if v["type"] == "leaderboard" {
                    seen.push((std::time::Instant::now(), v));
                }
            }
        }
    })
    .await;
    seen
}

fn scopes(events: &[(std::time::Instant, Value)]) -> Vec<String> {
    let mut s: Vec<String> = events
        .iter()
        .map(|(_, e)| match e["data"]["class"].as_str() {
            Some(c) => format!("{}:{c}", e["data"]["scope"].as_str().unwrap()),
            None => e["data"]["scope"].as_str().unwrap().to_string(),
        })
        .collect();
    s.sort();
    s.dedup();
    s
}

/// Another player's XP reaches every connection as `leaderboard` events of the
/// boards it changed; a burst of changes is announced at most once a second per
/// board, and its last change is announced too.
async fn leaderboard_changes_are_announced_to_everyone_once_a_second(be: Backend) {
    let app = TestApp::spawn_with(be, |c| c.redis_url = None).await;
    let (watcher, _) = app.register("hinata", [0, 0, 9]).await;
    let (t, _) = app.register("neji", [0, 9, 0]).await;
    let class = app.me(&t).await["class"].as_str().unwrap().to_string();
    // Let the registrations' announcements pass (the second one waits out the first's
    // second).
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let mut ws = ws_connect(&app, &format!("token={watcher}")).await;
    run(&app, &t, 3).await;
    let seen = leaderboard_events(&mut ws, Duration::from_millis(800)).await;
    assert_eq!(
        scopes(&seen),
        vec![format!("class:{class}"), "global".into(), "weekly".into()],
        "{seen:?}"
    );
    for (_, e) in &seen {
        assert!(e.get("id").is_none() && e["at"].is_string(), "{e}");
    }

    // A burst: six changes within about a second. Times are the events' own `at`
    // (the server's clock when announced; this test never moves it).
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut before_last = chrono::Utc::now();
    for km in 1..=6 {
        before_last = chrono::Utc::now();
        run(&app, &t, km).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let seen = leaderboard_events(&mut ws, Duration::from_millis(2500)).await;
    let global: Vec<chrono::DateTime<chrono::Utc>> = seen
        .iter()
        .filter(|(_, e)| e["data"]["scope"] == "global")
        .map(|(_, e)| {
            chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap())
                .unwrap()
                .with_timezone(&chrono::Utc)
        })
        .collect();
    assert!(
        (1..=3).contains(&global.len()),
        "a burst is announced at most once a second: {global:?}"
    );
    for pair in global.windows(2) {
        assert!(
            pair[1] - pair[0] >= chrono::Duration::milliseconds(950),
            "two announcements of one board within a second: {global:?}"
        );
    }
    assert!(
        global.iter().any(|at| *at >= before_last),
        "the burst's last change is announced: {global:?} vs {before_last}"
    );
    // No change to the top, no announcement.
    let quiet = leaderboard_events(&mut ws, Duration::from_millis(1200)).await;
    assert!(quiet.is_empty(), "{quiet:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn leaderboard_announcements_cross_instances() {
    let Some(redis) = common::redis_url() else {
        eprintln!("skipping: SHONEN_TEST_REDIS_URL not set");
        return;
    };
    let Some((a, b)) = two_instances(&redis).await else {
        return;
    };
    let (t1, _) = a.register("chopper", [0, 0, 9]).await;
    let (t2, _) = b.register("zoro", [9, 0, 0]).await;
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let mut on_a = ws_connect(&a, &format!("token={t1}")).await;
    let mut on_b = ws_connect(&b, &format!("token={t1}")).await;
    run(&b, &t2, 4).await;
    for ws in [&mut on_a, &mut on_b] {
        let seen = leaderboard_events(ws, Duration::from_millis(1500)).await;
        let global = seen
            .iter()
            .filter(|(_, e)| e["data"]["scope"] == "global")
            .count();
        assert_eq!(global, 1, "one announcement for both instances: {seen:?}");
    }
}

/// Event ids keep increasing across a restart of the process (no Redis: the counter
/// lived in memory), so a client that reconnects with `?since=<last id>` after it
/// gets what followed instead of nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn event_ids_keep_increasing_across_a_restart() {
    let mut app = TestApp::spawn(Backend::Sqlite).await;
    let (t, _) = app.register("bisky", [0, 9, 0]).await;
    let mut ws = ws_connect(&app, &format!("token={t}")).await;
    run(&app, &t, 2).await;
    let before = until_event(&mut ws, "xp_awarded").await;
    let last_id = before.last().unwrap()["id"].as_i64().unwrap();
    drop(ws);
    app.stop().await;
    let cfg = common::config(&app.database_url, &app.data_dir);
    let app = TestApp::start(cfg, Backend::Sqlite).await;
    let mut ws = ws_connect(&app, &format!("token={t}&since={last_id}")).await;
    run(&app, &t, 3).await;
    let after = until_event(&mut ws, "xp_awarded").await;
    let ids: Vec<i64> = after.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.iter().all(|&i| i > last_id), "{last_id} then {ids:?}");
}

/// A graceful shutdown tells every WebSocket it is going away (close code 1001),
/// instead of cutting the connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shutdown_says_going_away_to_websockets() {
    let mut app = TestApp::spawn(Backend::Sqlite).await;
    let (t, _) = app.register("leorio", [0, 9, 0]).await;
    let mut ws = ws_connect(&app, &format!("token={t}")).await;
    let stopping = app.stop();
    let closed = async {
        tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(msg) = ws.next().await {
                match msg {
                    Ok(Message::Close(frame)) => {
                        return frame.map_or(1005, |f| u16::from(f.code));
                    }
                    Ok(_) => {}
                    Err(_) => return 1006,
                }
            }
            1006
        })
        .await
    };
    let ((), code) = tokio::join!(stopping, closed);
    assert_eq!(code, Ok(1001));
}
