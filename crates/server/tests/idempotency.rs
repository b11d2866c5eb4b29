//! Idempotency under faults: a key whose request committed replays its first 201
//! (same activity id) even when the response was never recorded; a reservation whose
//! request died runs again after its lease; the real binary SIGKILLed mid-burst
//! leaves no key stuck at 409 and no write counted twice; and no bearer token is ever
//! stored in clear (every text column of every table, and the SQLite files).

mod common;

use common::{Backend, TestApp, fresh_database};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use shonen_server::storage::Store;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

both_backends!(
    committed_key_replays_without_a_recorded_response,
    dead_reservation_runs_again_after_its_lease,
    a_committed_register_or_duel_replays_after_its_process_died,
    a_dead_challenge_or_registration_is_found_by_its_key,
    a_key_names_what_the_body_says_and_a_limit_is_not_its_answer,
    a_keyed_photo_upload_stores_one_photo,
    no_token_is_stored_in_clear,
    sigkill_mid_burst_leaves_no_key_stuck,
);

/// A keyed activity: `keyed` to POST /api/v1/activities.
async fn post_keyed(app: &TestApp, token: &str, key: &str, body: Value) -> (StatusCode, Value) {
    keyed(app, "/api/v1/activities", Some(token), key, body).await
}

fn run() -> Value {
    json!({"kind": "run", "distance_km": 3, "duration_min": 20})
}

async fn committed_key_replays_without_a_recorded_response(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (token, player) = app.register("keyed", [0, 9, 0]).await;
    let pid = player["id"].as_i64().unwrap();
    let (status, first) = post_keyed(&app, &token, "k-1", run()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let id = first["activity"]["id"].as_i64().unwrap();

    let store = Store::open(&app.database_url).await.unwrap();
    let now = app.state.clock.now_micros();
    // The usual case: the same request hash, response not recorded.
    store
        .release_idempotency(&format!("player:{pid}"), "k-1")
        .await
        .unwrap();
    let (status, replay) = post_keyed(&app, &token, "k-1", run()).await;
    assert_eq!(status, StatusCode::CREATED, "{replay}");
    assert_eq!(replay["activity"]["id"].as_i64(), Some(id));
    assert_eq!(replay["award"], first["award"]);

    // Reserved (as by the killed request) and never completed: still the same 201.
    let (status, second) = post_keyed(&app, &token, "k-2", run()).await;
    assert_eq!(status, StatusCode::CREATED);
    let id2 = second["activity"]["id"].as_i64().unwrap();
    let hash: String = {
        let saved = store
            .idempotent_response(&format!("player:{pid}"), "k-2")
            .await
            .unwrap()
            .unwrap();
        saved.request_hash
    };
    store
        .release_idempotency(&format!("player:{pid}"), "k-2")
        .await
        .unwrap();
    assert!(
        store
            .reserve_idempotency(&format!("player:{pid}"), "k-2", &hash, now)
            .await
            .unwrap()
    );
    let (status, replay) = post_keyed(&app, &token, "k-2", run()).await;
    assert_eq!(status, StatusCode::CREATED, "{replay}");
    assert_eq!(replay["activity"]["id"].as_i64(), Some(id2));

    // Logged once each.
    let (_, list) = app.get("/api/v1/activities", &token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");
}

async fn dead_reservation_runs_again_after_its_lease(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.timeouts.idempotency_lease = Duration::from_millis(300);
    })
    .await;
    let (token, player) = app.register("leased", [0, 9, 0]).await;
    let pid = player["id"].as_i64().unwrap();
    // A request that reserved its key and died before writing anything.
    let (status, first) = post_keyed(&app, &token, "dead", run()).await;
    assert_eq!(status, StatusCode::CREATED);
    let store = Store::open(&app.database_url).await.unwrap();
    let saved = store
        .idempotent_response(&format!("player:{pid}"), "other")
        .await
        .unwrap();
    assert!(saved.is_none());
    // Same body as "dead" but a key whose reservation has no activity behind it.
    let hash = store
        .idempotent_response(&format!("player:{pid}"), "dead")
        .await
        .unwrap()
        .unwrap()
        .request_hash;
    let now = app.state.clock.now_micros();
    assert!(
        store
            .reserve_idempotency(&format!("player:{pid}"), "orphan", &hash, now)
            .await
            .unwrap()
    );
    // Within the lease: still in progress.
    let (status, body) = post_keyed(&app, &token, "orphan", run()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "request_in_progress");
    // After it: runs (once), and replays from then on.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, ran) = post_keyed(&app, &token, "orphan", run()).await;
    assert_eq!(status, StatusCode::CREATED, "{ran}");
    assert_ne!(ran["activity"]["id"], first["activity"]["id"]);
    let (status, replay) = post_keyed(&app, &token, "orphan", run()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(replay["activity"]["id"], ran["activity"]["id"]);
}

/// A POST of `body` to `path` with `Idempotency-Key: key` (and the bearer `token`):
/// its status and JSON answer.
async fn keyed(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    let mut r = app
        .client
        .post(format!("{}{path}", app.base))
        .header("Idempotency-Key", key)
        .json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let status = r.status();
    (status, r.json::<Value>().await.unwrap_or(Value::Null))
}

/// Puts a key's record back to "in progress" since the epoch: as a request that
/// committed its work and died before recording its answer leaves it.
fn died(key: &str) -> String {
    format!("UPDATE idempotency SET status = 0, body = '', created_at = 0 WHERE idem_key = '{key}'")
}

/// A register, a challenge and an accept that committed, then died before their
/// answers were recorded (the records are put back to "in progress" here): the
/// retry after the lease answers what they would have, not 409.
async fn a_committed_register_or_duel_replays_after_its_process_died(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.timeouts.idempotency_lease = Duration::from_millis(200);
    })
    .await;
    let reg = json!({"username": "phoenix", "email": "phoenix@example.com",
        "password": "correct horse battery", "goals": {"strength": 9, "agility": 1, "intelligence": 1}});
    let (s, first) = keyed(&app, "/api/v1/auth/register", None, "reg-1", reg.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    common::execute_sql(&app.database_url, &died("reg-1")).await;
    let (s, again) = keyed(&app, "/api/v1/auth/register", None, "reg-1", reg.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{again}");
    assert_eq!(again["player"]["id"], first["player"]["id"]);
    let token = again["token"].as_str().unwrap().to_string();
    assert_eq!(app.me(&token).await["username"], "phoenix");
    // The same key with another password is not let in.
    let mut wrong = reg.clone();
    wrong["password"] = json!("not the password!");
    let (s, _) = keyed(&app, "/api/v1/auth/register", None, "reg-1", wrong).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let (rival, _) = app.register("ikki", [9, 1, 1]).await;
    let (s, sent) = keyed(
        &app,
        "/api/v1/duels",
        Some(&token),
        "duel-1",
        json!({"opponent": "ikki"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    common::execute_sql(&app.database_url, &died("duel-1")).await;
    let (s, again) = keyed(
        &app,
        "/api/v1/duels",
        Some(&token),
        "duel-1",
        json!({"opponent": "ikki"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{again}");
    assert_eq!(again["id"], sent["id"]);

    let accept = format!("/api/v1/duels/{}/accept", sent["id"]);
    let (s, accepted) = keyed(&app, &accept, Some(&rival), "acc-1", json!({})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{accepted}");
    common::execute_sql(&app.database_url, &died("acc-1")).await;
    let (s, again) = keyed(&app, &accept, Some(&rival), "acc-1", json!({})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["id"], sent["id"]);
}

/// A registration and a challenge that committed, then died before their answers
/// were recorded, and then the world moved on: the address used up its
/// registrations, the duel was accepted and fought. Running them again would now
/// give 429 or a second duel; the retry finds what the key created instead.
async fn a_dead_challenge_or_registration_is_found_by_its_key(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.timeouts.idempotency_lease = Duration::from_millis(200);
        c.registrations_per_hour = 3;
    })
    .await;
    let reg = json!({"username": "shiryu", "email": "shiryu@example.com",
        "password": "correct horse battery", "goals": {"strength": 9, "agility": 1, "intelligence": 1}});
    let (s, first) = keyed(&app, "/api/v1/auth/register", None, "reg-d", reg.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let token = first["token"].as_str().unwrap().to_string();
    common::execute_sql(&app.database_url, &died("reg-d")).await;
    let (rival, _) = app.register("hyoga", [1, 9, 1]).await;
    app.register("shun", [1, 1, 9]).await;
    let (s, again) = keyed(&app, "/api/v1/auth/register", None, "reg-d", reg.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{again}");
    assert_eq!(again["player"]["id"], first["player"]["id"]);
    let fresh = again["token"].as_str().unwrap();
    assert_eq!(app.me(fresh).await["username"], "shiryu");
    let mut wrong = reg.clone();
    wrong["password"] = json!("not the password!");
    common::execute_sql(&app.database_url, &died("reg-d")).await;
    let (s, refused) = keyed(&app, "/api/v1/auth/register", None, "reg-d", wrong).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    let challenge = json!({"opponent": "hyoga"});
    let (s, sent) = keyed(
        &app,
        "/api/v1/duels",
        Some(&token),
        "duel-d",
        challenge.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    common::execute_sql(&app.database_url, &died("duel-d")).await;
    let id = sent["id"].as_i64().unwrap();
    let (s, _) = app
        .post(&format!("/api/v1/duels/{id}/accept"), &rival, json!({}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    for _ in 0..100 {
        let (_, d) = app.get(&format!("/api/v1/duels/{id}"), &token).await;
        if d["status"] == "resolved" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (s, again) = keyed(&app, "/api/v1/duels", Some(&token), "duel-d", challenge).await;
    assert_eq!(s, StatusCode::CREATED, "{again}");
    assert_eq!(again["id"], id, "{again}");
    let (_, list) = app.get("/api/v1/duels", &token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}

/// A key recognises its request by what the JSON says (spaces and member order
/// aside); a key that is not visible ASCII is refused, never ignored; and a 429 is
/// not the key's answer for good: once the limit allows, the retry runs.
async fn a_key_names_what_the_body_says_and_a_limit_is_not_its_answer(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.registrations_per_hour = 1).await;
    let (token, _) = app.register("spacer", [1, 1, 9]).await;
    let raw = |key: &[u8], body: &'static str| {
        let req = app
            .client
            .post(format!("{}/api/v1/activities", app.base))
            .bearer_auth(&token)
            .header(
                "Idempotency-Key",
                reqwest::header::HeaderValue::from_bytes(key).unwrap(),
            )
            .header("content-type", "application/json")
            .body(body);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, first) = raw(b"fmt-1", r#"{"kind":"study","duration_min":30}"#).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (s, again) = raw(
        b"fmt-1",
        "{ \"duration_min\" : 30,\n  \"kind\": \"study\" }",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{again}");
    assert_eq!(again["activity"]["id"], first["activity"]["id"]);
    let (s, e) = raw("café".as_bytes(), r#"{"kind":"study","duration_min":15}"#).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "invalid_idempotency_key");
    let (_, list) = app.get("/api/v1/activities", &token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");

    // The address has used its one registration of the hour.
    let reg = json!({"username": "latecomer", "email": "latecomer@example.com",
        "password": "correct horse battery", "goals": {"strength": 1, "agility": 1, "intelligence": 1}});
    let register = || {
        let req = app
            .client
            .post(format!("{}/api/v1/auth/register", app.base))
            .header("Idempotency-Key", "reg-later")
            .json(&reg);
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(register().await, StatusCode::TOO_MANY_REQUESTS);
    app.advance(3_700).await;
    assert_eq!(register().await, StatusCode::CREATED, "the retry ran");
}

/// A photo upload with a key stores one photo however often it runs: replayed from
/// its record with a link that works (the first one may have expired), and run
/// again after its process died without listing a second photo.
async fn a_keyed_photo_upload_stores_one_photo(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.timeouts.idempotency_lease = Duration::from_millis(200);
    })
    .await;
    let (token, _) = app.register("shutter", [0, 9, 0]).await;
    let (s, logged) = app.post("/api/v1/activities", &token, run()).await;
    assert_eq!(s, StatusCode::CREATED, "{logged}");
    let act = logged["activity"]["id"].as_i64().unwrap();
    let png = {
        let img =
            image::RgbImage::from_fn(24, 16, |x, y| image::Rgb([x as u8 * 9, y as u8 * 13, 77]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let upload = || {
        let req = app
            .client
            .post(format!("{}/api/v1/activities/{act}/photos", app.base))
            .bearer_auth(&token)
            .header("Idempotency-Key", "ph-1")
            .header("content-type", "image/png")
            .body(png.clone());
        async move {
            let r = req.send().await.unwrap();
            let status = r.status();
            let replayed = r.headers().contains_key("idempotent-replayed");
            let body: Value = r.json().await.unwrap_or(Value::Null);
            (
                status,
                replayed,
                body["photo_url"].as_str().unwrap_or_default().to_string(),
            )
        }
    };
    let fetch = |url: String| {
        let req = app.client.get(format!("{}{url}", app.base));
        async move { req.send().await.unwrap().status() }
    };
    let photos = || async {
        let (_, shown) = app.get(&format!("/api/v1/activities/{act}"), &token).await;
        shown["activity"]["photos"].as_array().map_or(0, Vec::len)
    };

    let (s, replayed, first) = upload().await;
    assert_eq!((s, replayed), (StatusCode::CREATED, false), "{first}");
    let (s, replayed, again) = upload().await;
    assert_eq!((s, replayed), (StatusCode::CREATED, true));
    assert_eq!(fetch(again).await, StatusCode::OK);
    // Stored, then died before its answer was recorded: the retry runs it again.
    common::execute_sql(&app.database_url, &died("ph-1")).await;
    let (s, _, rerun) = upload().await;
    assert_eq!(s, StatusCode::CREATED, "{rerun}");
    assert_eq!(fetch(rerun).await, StatusCode::OK);
    assert_eq!(photos().await, 1, "one photo however often the upload ran");
    // A day later the first link has expired; the replay's link works.
    app.advance(25 * 3600).await;
    assert_eq!(fetch(first).await, StatusCode::FORBIDDEN);
    let (s, replayed, late) = upload().await;
    assert_eq!((s, replayed), (StatusCode::CREATED, true));
    assert_eq!(fetch(late).await, StatusCode::OK);
    assert_eq!(photos().await, 1);
}

/// Every value of every PostgreSQL table, cast to text.
async fn postgres_text(url: &str) -> Vec<String> {
    use sqlx::Row;
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let columns: Vec<(String, String)> = sqlx::query(
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM \
         information_schema.columns WHERE table_schema = 'public'",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    assert!(columns.len() > 20, "columns found: {columns:?}");
    let mut out = Vec::new();
    for (table, column) in columns {
        let values: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(\"{column}\" AS TEXT) FROM \"{table}\""
        )))
        .fetch_all(&pool)
        .await
        .unwrap();
        out.extend(values.into_iter().flatten());
    }
    pool.close().await;
    out
}

/// Every value of every SQLite table, as bytes (a column may hold binary data) read
/// leniently as text.
async fn sqlite_text(url: &str) -> Vec<String> {
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut columns = Vec::new();
    for t in tables {
        let names: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{t}')"
        )))
        .fetch_all(&pool)
        .await
        .unwrap();
        columns.extend(names.into_iter().map(|c| (t.clone(), c)));
    }
    assert!(columns.len() > 20, "columns found: {columns:?}");
    let mut out = Vec::new();
    for (table, column) in columns {
        let values: Vec<Option<Vec<u8>>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(\"{column}\" AS BLOB) FROM \"{table}\""
        )))
        .fetch_all(&pool)
        .await
        .unwrap();
        out.extend(
            values
                .into_iter()
                .flatten()
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
        );
    }
    pool.close().await;
    out
}

/// Every text value of every table (cast to text), and on SQLite the raw files.
async fn everything_stored(app: &TestApp) -> Vec<String> {
    let mut out = match app.backend {
        Backend::Postgres => postgres_text(&app.database_url).await,
        Backend::Sqlite => sqlite_text(&app.database_url).await,
    };
    if app.backend == Backend::Sqlite {
        for name in ["test.db", "test.db-wal"] {
            if let Ok(bytes) = std::fs::read(app.data_dir.join(name)) {
                out.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    out
}

async fn no_token_is_stored_in_clear(b: Backend) {
    let app = TestApp::spawn(b).await;
    let mut tokens = Vec::new();
    let register = json!({
        "username": "vault", "email": "vault@example.com",
        "password": "correct horse battery", "goals": {"strength": 1, "agility": 1, "intelligence": 1},
    });
    let login = json!({"username": "vault", "password": "correct horse battery"});
    for (path, body, key) in [
        ("/api/v1/auth/register", &register, "reg-1"),
        ("/api/v1/auth/register", &register, "reg-1"),
        ("/api/v1/auth/login", &login, "login-1"),
        ("/api/v1/auth/login", &login, "login-1"),
        ("/api/v1/auth/login", &login, "login-2"),
    ] {
        let r = app
            .client
            .post(format!("{}{path}", app.base))
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        let v: Value = r.json().await.unwrap();
        let token = v["token"]
            .as_str()
            .expect("a token in every answer")
            .to_string();
        // Each answer, replays included, carries a working token.
        assert_eq!(app.me(&token).await["username"], "vault");
        tokens.push(token);
    }
    // The register's retry with another password is another request: no token.
    let mut wrong = register.clone();
    wrong["password"] = json!("correct horse battery staple");
    let r = app
        .client
        .post(format!("{}/api/v1/auth/register", app.base))
        .header("Idempotency-Key", "reg-1")
        .json(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "idempotency_key_reused", "{v}");
    assert!(v.get("token").is_none(), "{v}");
    let (token, _) = app.register("other", [0, 0, 9]).await;
    tokens.push(token.clone());
    let (status, _) = post_keyed(&app, &token, "act-1", run()).await;
    assert_eq!(status, StatusCode::CREATED);
    let stored = everything_stored(&app).await;
    // Nor the password, nor a fast hash of a body holding it that a leaked database
    // would let anyone test guesses against (SHA-256 of route and body, unkeyed).
    for (path, body) in [
        ("/api/v1/auth/register", &register),
        ("/api/v1/auth/login", &login),
    ] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(path.as_bytes());
        h.update(b"\n");
        h.update(serde_json::to_vec(body).unwrap());
        let fast = hex::encode(h.finalize());
        for value in &stored {
            assert!(
                !value.contains(&fast),
                "{path}: an unkeyed hash of the body is stored"
            );
            assert!(
                !value.contains("correct horse battery"),
                "a password is stored"
            );
        }
    }
    for token in &tokens {
        for value in &stored {
            assert!(
                !value.contains(token.as_str()),
                "a bearer token is stored in clear: {}",
                &value[..value.len().min(300)]
            );
        }
    }
    // The scan does see what is stored (the idempotency records among it).
    assert!(stored.iter().any(|v| v.contains("\"username\":\"vault\"")));
}

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
            .env("SHONEN_RATE_LIMIT_PER_MINUTE", "1000000")
            .env("SHONEN_IDEMPOTENCY_LEASE_MS", "500")
            .env("SHONEN_LOG", "error")
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
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What a burst of keyed writes produced: key → the activity id of its 201 (when
/// acknowledged), for every key sent.
type Sent = Arc<Mutex<HashMap<String, Option<i64>>>>;

async fn burst(base: String, token: String, writer: usize, round: usize, sent: Sent) {
    let client = Client::new();
    for n in 0.. {
        let key = format!("w{writer}-r{round}-{n}");
        sent.lock().unwrap().insert(key.clone(), None);
        let r = client
            .post(format!("{base}/api/v1/activities"))
            .bearer_auth(&token)
            .header("Idempotency-Key", &key)
            .json(&json!({"kind": "study", "duration_min": 15}))
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        let Ok(r) = r else { return };
        if r.status() != StatusCode::CREATED {
            return;
        }
        let Ok(v) = r.json::<Value>().await else {
            return;
        };
        let id = v["activity"]["id"].as_i64();
        sent.lock().unwrap().insert(key, id);
    }
}

async fn sigkill_mid_burst_leaves_no_key_stuck(b: Backend) {
    const KILLS: usize = 3;
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(b, dir.path()).await;
    let client = Client::new();
    let sent: Sent = Arc::default();
    let mut tokens = Vec::new();
    for round in 0..KILLS {
        let mut server = Server::start(&url, dir.path()).await;
        if tokens.is_empty() {
            for i in 0..3 {
                let r = client
                    .post(format!("{}/api/v1/auth/register", server.base))
                    .json(&json!({"username": format!("burst{i}"), "email": format!("burst{i}@example.com"), "password": "correct horse battery", "goals": {"strength": 0, "agility": 0, "intelligence": 9}}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
                let v: Value = r.json().await.unwrap();
                tokens.push(v["token"].as_str().unwrap().to_string());
            }
        }
        let writers: Vec<_> = tokens
            .iter()
            .enumerate()
            .flat_map(|(i, t)| [(i * 2, t.clone()), (i * 2 + 1, t.clone())])
            .map(|(w, t)| tokio::spawn(burst(server.base.clone(), t, w, round, sent.clone())))
            .collect();
        let acked = |s: &Sent| s.lock().unwrap().values().filter(|v| v.is_some()).count();
        let target = acked(&sent) + 30;
        let deadline = Instant::now() + Duration::from_secs(20);
        while acked(&sent) < target && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.kill();
        for w in writers {
            let _ = w.await;
        }
    }

    // Restarted once more: every key answers, none stays "in progress" beyond the
    // lease, and each acknowledged one replays its own activity.
    let server = Server::start(&url, dir.path()).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let sent = sent.lock().unwrap().clone();
    let mut stuck = 0;
    let mut final_ids = HashMap::new();
    for (key, acked) in &sent {
        let writer: usize = key[1..key.find('-').unwrap()].parse().unwrap();
        let token = &tokens[writer / 2];
        let mut answer = None;
        for _ in 0..3 {
            let r = client
                .post(format!("{}/api/v1/activities", server.base))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&json!({"kind": "study", "duration_min": 15}))
                .send()
                .await
                .unwrap();
            let status = r.status();
            let v: Value = r.json().await.unwrap();
            if status == StatusCode::CONFLICT {
                tokio::time::sleep(Duration::from_millis(600)).await;
                continue;
            }
            assert_eq!(status, StatusCode::CREATED, "{key}: {v}");
            answer = v["activity"]["id"].as_i64();
            break;
        }
        match answer {
            None => stuck += 1,
            Some(id) => {
                if let Some(first) = acked {
                    assert_eq!(*first, id, "acknowledged key {key} replays its activity");
                }
                final_ids.insert(key.clone(), id);
            }
        }
    }
    assert_eq!(stuck, 0, "keys stuck at 409 request_in_progress");
    // One activity per key, no more: nothing was logged twice.
    let distinct: std::collections::HashSet<i64> = final_ids.values().copied().collect();
    assert_eq!(distinct.len(), final_ids.len());
    let store = Store::open(&url).await.unwrap();
    let mut activities = 0;
    for i in 0..tokens.len() {
        let p = store
            .player_by_username(&format!("burst{i}"))
            .await
            .unwrap()
            .unwrap();
        activities += store.activities(p.id, None, 10_000).await.unwrap().len();
        let ledger = store.ledger_sum(p.id).await.unwrap();
        assert_eq!(ledger, p.total_xp, "totals equal the ledger");
    }
    assert_eq!(activities, final_ids.len(), "one activity per key");
    drop(server);
}
