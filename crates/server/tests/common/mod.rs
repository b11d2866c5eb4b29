//! Test harness: starts the real service on port 0 against a fresh database (a
//! SQLite file in a temp dir, or a new PostgreSQL database per test) and talks to it
//! over HTTP like any client.
#![allow(dead_code)]

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use shonen_server::{Application, Config};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares one test per backend from an `async fn(Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::common::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if $crate::common::postgres_admin_url().is_none() { return; }
                super::$name($crate::common::Backend::Postgres).await
            })*
        }
    };
}

/// The PostgreSQL server to test against. With `SHONEN_TEST_REQUIRE_POSTGRES=1`
/// (CI) a missing URL is a failure, never a silent skip.
pub fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("SHONEN_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty());
    if url.is_none() && std::env::var("SHONEN_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") {
        panic!("SHONEN_TEST_REQUIRE_POSTGRES=1 but SHONEN_TEST_POSTGRES_URL is not set");
    }
    if url.is_none() {
        eprintln!("skipping PostgreSQL variant: SHONEN_TEST_POSTGRES_URL not set");
    }
    url
}

/// The Redis to test against (`SHONEN_TEST_REDIS_URL`). With
/// `SHONEN_TEST_REQUIRE_REDIS=1` (CI) a missing URL is a failure, never a skip.
pub fn redis_url() -> Option<String> {
    let url = std::env::var("SHONEN_TEST_REDIS_URL")
        .ok()
        .filter(|s| !s.is_empty());
    if url.is_none() && std::env::var("SHONEN_TEST_REQUIRE_REDIS").as_deref() == Ok("1") {
        panic!("SHONEN_TEST_REQUIRE_REDIS=1 but SHONEN_TEST_REDIS_URL is not set");
    }
    url
}

/// A test that needs something this machine lacks (a program, a permission): a
/// failure where `require_var` is `1` (CI sets it), else a note that it skipped.
pub fn lacking(what: &str, require_var: &str) {
    if std::env::var(require_var).as_deref() == Ok("1") {
        panic!("{require_var}=1 but {what}");
    }
    eprintln!("skipped: {what} (set {require_var}=1 to make this a failure)");
}

/// A key prefix no other test (or process) uses.
pub fn unique_prefix() -> String {
    format!("{}:", unique("shonen_test"))
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{}_{n}", std::process::id(), t % 1_000_000_000)
}

/// A fresh, empty database URL for the backend.
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
        Backend::Postgres => {
            use sqlx::Connection;
            let admin = postgres_admin_url().expect("PostgreSQL URL");
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is unreachable: {e}"));
            let name = unique("shonen_t");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            format!("{base}/{name}")
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub backend: Backend,
    pub database_url: String,
    pub data_dir: PathBuf,
    /// The running service's state (to subscribe to its events, run its jobs).
    pub state: std::sync::Arc<shonen_server::state::AppState>,
    _dir: Option<tempfile::TempDir>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    /// (Redis URL, key prefix) to clean up after the test.
    redis: Option<(String, String)>,
}

pub fn config(database_url: &str, data_dir: &std::path::Path) -> Config {
    Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.to_path_buf(),
        database_url: database_url.to_string(),
        secret: Some("test-secret-test-secret-test-secret".into()),
        dev_clock: true,
        workers: 1,
        rate_limit_per_minute: 100_000,
        login_attempts_per_minute: 10,
        // Tests and benchmarks register many players from 127.0.0.1.
        registrations_per_hour: 1_000_000,
        villain_llm: None,
        object_store_url: String::new(),
        s3: Default::default(),
        battle_executor: String::new(),
        battle_lambda: None,
        lambda_endpoint: None,
        // Apps use Redis when the suite has one (CI), each under its own prefix.
        redis_url: redis_url(),
        redis_prefix: unique_prefix(),
        trusted_proxies: Vec::new(),
        timeouts: Default::default(),
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = fresh_database(backend, dir.path()).await;
        let mut cfg = config(&url, dir.path());
        tweak(&mut cfg);
        let data_dir = dir.path().to_path_buf();
        let mut app = Self::start(cfg, backend).await;
        app._dir = Some(dir);
        app.data_dir = data_dir;
        app
    }

    /// Starts (or restarts) a service on an existing database.
    pub async fn start(cfg: Config, backend: Backend) -> TestApp {
        let database_url = cfg.database_url.clone();
        let data_dir = cfg.data_dir.clone();
        let redis = cfg.redis_url.clone();
        let redis_keys = redis.clone().map(|url| (url, cfg.redis_prefix.clone()));
        let app = Application::build(cfg).await.expect("app builds");
        if let Some(url) = redis {
            // Fail loudly: a configured but unreachable Redis is a broken test setup.
            app.state()
                .cache
                .ping()
                .await
                .unwrap_or_else(|e| panic!("Redis at {url} is unreachable: {e}"));
        }
        let base = format!("http://{}", app.local_addr());
        let state = app.state();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            app.run_until(async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        TestApp {
            base,
            client: Client::new(),
            backend,
            database_url,
            data_dir,
            state,
            _dir: None,
            stop: Some(tx),
            handle: Some(handle),
            redis: redis_keys,
        }
    }

    /// Stops gracefully and waits for the server and workers to finish.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Registers a player; returns (token, player).
    pub async fn register(&self, username: &str, goals: [i64; 3]) -> (String, Value) {
        self.register_tz(username, goals, "UTC").await
    }

    pub async fn register_tz(&self, username: &str, goals: [i64; 3], tz: &str) -> (String, Value) {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/auth/register",
                None,
                Some(json!({
                    "username": username,
                    "email": format!("{username}@example.com"),
                    "password": "correct horse battery",
                    "timezone": tz,
                    "goals": {"strength": goals[0], "agility": goals[1], "intelligence": goals[2]},
                })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "register: {body}");
        (
            body["token"].as_str().unwrap().to_string(),
            body["player"].clone(),
        )
    }

    pub async fn advance(&self, seconds: i64) -> Value {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/dev/clock",
                None,
                Some(json!({ "advance_seconds": seconds })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "advance clock: {body}");
        body
    }

    pub async fn me(&self, token: &str) -> Value {
        let (status, body) = self.get("/api/v1/me", token).await;
        assert_eq!(status, StatusCode::OK, "me: {body}");
        body
    }

    /// Moves the clock to `hour`:00 UTC today if it is earlier than that, so that a
    /// wake-up at an earlier local time is not in the future (game rules §2).
    pub async fn not_before_hour(&self, hour: u32) {
        use chrono::Timelike;
        let now = self.now().await;
        if now.hour() < hour {
            let target = now
                .with_hour(hour)
                .and_then(|t| t.with_minute(0))
                .and_then(|t| t.with_second(0))
                .and_then(|t| t.with_nanosecond(0))
                .unwrap();
            self.advance((target - now).num_seconds() + 1).await;
        }
    }

    /// Schedules every weekday for the player (from their next local midnight).
    pub async fn schedule_every_day(&self, token: &str) {
        let (s, body) = self
            .call(
                Method::PATCH,
                "/api/v1/me",
                Some(token),
                Some(json!({
                    "training_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                })),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }

    /// The service's current time.
    pub async fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let v = self.advance(0).await;
        v["now"].as_str().unwrap().parse().unwrap()
    }
}

/// Deletes the keys under a test's own prefix (never anything else).
pub fn drop_redis_keys(url: &str, prefix: &str) {
    let _ = std::process::Command::new("sh")
        .arg("-c")
        .arg("redis-cli -u \"$1\" --scan --pattern \"$2*\" | xargs -r redis-cli -u \"$1\" DEL >/dev/null 2>&1")
        .arg("sh")
        .arg(url)
        .arg(prefix)
        .status();
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        // Leave the shared Redis as we found it: drop this test's own keys only.
        if let Some((url, prefix)) = self.redis.take()
            && prefix.starts_with("shonen_test_")
        {
            drop_redis_keys(&url, &prefix);
        }
    }
}

/// The `combo` factor of a logged activity's award (1.0 when the award has none).
pub fn combo(logged: &Value) -> f64 {
    logged["award"]["factors"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["name"] == "combo")
        .and_then(|f| f["value"].as_f64())
        .unwrap_or(1.0)
}

pub fn strength(sets: usize, kg: f64, reps: u32, minutes: f64) -> Value {
    let sets: Vec<Value> = (0..sets)
        .map(|_| json!({"exercise": "squat", "weight_kg": kg, "reps": reps}))
        .collect();
    json!({"kind": "strength", "sets": sets, "duration_min": minutes})
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket to `/api/v1/ws?<query>`.
pub async fn ws_connect(app: &TestApp, query: &str) -> Ws {
    let url = format!("{}/api/v1/ws?{query}", app.base.replacen("http", "ws", 1));
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects");
    ws
}

/// Two instances (A, B) on one fresh PostgreSQL database and the given Redis,
/// sharing a key prefix like two nodes of one deployment. `None` without PostgreSQL.
pub async fn two_instances(redis_url: &str) -> Option<(TestApp, TestApp)> {
    postgres_admin_url()?;
    let prefix = unique_prefix();
    let url = redis_url.to_string();
    let p2 = prefix.clone();
    let a = TestApp::spawn_with(Backend::Postgres, move |c| {
        c.redis_url = Some(url);
        c.redis_prefix = p2;
    })
    .await;
    let mut cfg = config(&a.database_url, &a.data_dir);
    cfg.redis_url = Some(redis_url.to_string());
    cfg.redis_prefix = prefix;
    let b = TestApp::start(cfg, Backend::Postgres).await;
    Some((a, b))
}

/// Runs one statement on a test database, through that backend's own driver.
pub async fn execute_sql(database_url: &str, statement: &str) {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(statement.to_string());
    if database_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(database_url).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    } else {
        let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }
}

/// The one text value a query returns from a test database.
pub async fn fetch_text(database_url: &str, query: &str) -> String {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(query.to_string());
    if database_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(database_url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    }
}
