//! Operations and hardening: health, readiness, metrics, the OpenAPI document, the
//! dev clock's absence in production, rate limits, the embedded web UI.

mod common;

use common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both_backends!(
    health_metrics_and_openapi,
    rate_limits_answer_429,
    dev_clock_is_off_by_default,
    the_dev_clock_is_one_for_every_instance_on_a_database,
    responses_are_dated_by_the_dev_clock
);

/// With the dev clock on, a response's `Date` is the service's time (the web app
/// judges the edit window by it).
async fn responses_are_dated_by_the_dev_clock(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.advance(25 * 3600).await;
    let resp = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    let date = resp.headers()["date"].to_str().unwrap().to_string();
    let date = chrono::DateTime::parse_from_rfc2822(&date.replace("GMT", "+0000")).unwrap();
    let ahead = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(
        ahead > chrono::Duration::hours(24) && ahead < chrono::Duration::hours(26),
        "Date {date} is {ahead} ahead"
    );
}

/// The dev clock moved on instance A is the clock of instance B on the same
/// database: B follows within a moment, and moving B never takes time back.
async fn the_dev_clock_is_one_for_every_instance_on_a_database(b: Backend) {
    let a = TestApp::spawn(b).await;
    let mut cfg = common::config(&a.database_url, &a.data_dir);
    cfg.redis_url = None;
    let other = TestApp::start(cfg, b).await;
    let (ta, _) = a.register("clockhand", [5, 5, 5]).await;
    let (tb, _) = other.register("clockface", [5, 5, 5]).await;
    let moved: chrono::DateTime<chrono::Utc> = a.advance(3 * 86_400).await["now"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    // B's own clock, read without moving it: the time it stamps a challenge with.
    let (s, d) = other
        .post("/api/v1/duels", &tb, json!({"opponent": "clockhand"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let stamped: chrono::DateTime<chrono::Utc> = d["created_at"].as_str().unwrap().parse().unwrap();
    assert!(stamped >= moved, "B at {stamped}, A moved to {moved}");
    // Moving B by nothing keeps A's time.
    assert!(other.now().await >= moved);
    let _ = ta;
}

async fn health_metrics_and_openapi(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("roshi", [3, 3, 3]).await;
    app.post(
        "/api/v1/activities",
        &t,
        json!({"kind": "study", "duration_min": 60}),
    )
    .await;

    let (s, _) = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    // A wrong method on an ops route: 405 in the contract's error body.
    for probe in ["/healthz", "/readyz", "/metrics"] {
        let (s, e) = app.call(Method::POST, probe, None, None).await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{probe}");
        assert_eq!(e["error"]["code"], "method_not_allowed", "{probe}: {e}");
    }

    let (s, metrics) = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let text = metrics.as_str().unwrap_or_default().to_string();
    for name in [
        "shonen_http_requests_total",
        "shonen_http_request_seconds",
        "shonen_job_queue_depth",
        "shonen_xp_awarded_total",
    ] {
        assert!(text.contains(name), "metrics lack {name}");
    }
    assert!(
        text.contains("route=\"/api/v1/activities\""),
        "requests are labelled by route"
    );

    let (s, doc) = app.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/activities",
        "/api/v1/activities/{id}",
        "/api/v1/dashboard",
        "/api/v1/ledger",
        "/api/v1/players/{username}",
    ] {
        assert!(paths.contains_key(p), "OpenAPI lacks {p}");
    }
    assert!(paths["/api/v1/me"].get("patch").is_some());

    // Unknown API routes answer in the error format; other paths get the web UI.
    let (s, e) = app.call(Method::GET, "/api/v1/nope", None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(e["error"]["code"], "not_found");
    let page = app
        .client
        .get(format!("{}/dashboard", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<div id=\"root\">") || html.contains("id=\"root\""),
        "the SPA shell is served"
    );
}

async fn rate_limits_answer_429(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.rate_limit_per_minute = 40).await;
    app.register("yamcha", [3, 3, 3]).await;
    let login = json!({"username": "yamcha", "password": "wrong password!!"});
    let mut limited = None;
    for _ in 0..15 {
        let resp = app
            .client
            .post(format!("{}/api/v1/auth/login", app.base))
            .json(&login)
            .send()
            .await
            .unwrap();
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(resp);
            break;
        }
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let resp = limited.expect("login attempts are limited");
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // Until the sliding minute lets one more in: past this window's end when it is
    // full (at most two windows from now).
    assert!((1..=120).contains(&retry), "{retry}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Even the right password waits out the window.
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "yamcha", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);

    // The per-IP budget covers every route.
    let mut saw_429 = false;
    for _ in 0..60 {
        let (s, _) = app.call(Method::GET, "/api/v1/me", None, None).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            saw_429 = true;
            break;
        }
    }
    assert!(saw_429, "per-IP limit");
    // Over budget, the probes still answer: liveness and readiness are never 429.
    for probe in ["/healthz", "/readyz"] {
        let (s, _) = app.call(Method::GET, probe, None, None).await;
        assert_eq!(s, StatusCode::OK, "{probe}");
    }
}

async fn dev_clock_is_off_by_default(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.dev_clock = false).await;
    let (s, e) = app
        .call(
            Method::POST,
            "/api/v1/dev/clock",
            None,
            Some(json!({"advance_seconds": 60})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (s, doc) = app.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["paths"].get("/api/v1/dev/clock").is_none());
}

/// Started under a soft limit of 256 open files (as from a shell with a low
/// `ulimit -n`), `shonen serve` raises it to the hard limit, so a thousand idle
/// connections do not lock new clients out.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_raises_the_open_files_limit() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -Sn 256 && exec \"$0\" serve")
        .arg(env!("CARGO_BIN_EXE_shonen"))
        .env("SHONEN_ADDR", format!("127.0.0.1:{port}"))
        .env("SHONEN_DATA_DIR", dir.path())
        .env("SHONEN_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..300 {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await
            && r.status() == StatusCode::OK
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(up, "the server did not start");
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap()
        .to_string();
    let nums: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(
        nums[0], nums[1],
        "soft limit raised to the hard one: {line}"
    );
}
