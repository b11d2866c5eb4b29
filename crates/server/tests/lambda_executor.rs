//! The service configured for the Lambda executor (`SHONEN_BATTLE_EXECUTOR=lambda`),
//! run as the real `shonen` binary with the standard AWS environment, against a
//! loopback Lambda Invoke endpoint that runs the pure battle function: a duel
//! accepted over the API is fought by "Lambda" and gives the in-process result.
//! (crates/lambda/tests/runtime.rs runs the real function binary behind the Runtime
//! API and compares the two executors input for input.)

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::post;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

async fn invoke(
    State(calls): State<Arc<AtomicUsize>>,
    Path(name): Path<String>,
    body: Bytes,
) -> (StatusCode, String) {
    if name != "shonen-battle" {
        return (StatusCode::NOT_FOUND, "{}".into());
    }
    calls.fetch_add(1, Ordering::SeqCst);
    match serde_json::from_slice::<shonen_rules::DuelInput>(&body) {
        Ok(input) => (
            StatusCode::OK,
            json!(shonen_rules::fight(&input)).to_string(),
        ),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            json!({"message": e.to_string()}).to_string(),
        ),
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duels_are_fought_by_the_lambda_executor() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new()
        .route("/2015-03-31/functions/{name}/invocations", post(invoke))
        .with_state(calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let lambda_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_shonen"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SHONEN_ADDR", format!("127.0.0.1:{port}"))
        .env("SHONEN_DATA_DIR", dir.path())
        .env("SHONEN_LOG", "warn")
        .env("SHONEN_BATTLE_EXECUTOR", "lambda")
        .env("SHONEN_BATTLE_LAMBDA", "shonen-battle")
        .env("SHONEN_LAMBDA_ENDPOINT", format!("http://{lambda_addr}"))
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.path().join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("no-aws-credentials"),
        )
        .kill_on_drop(true)
        .spawn()
        .expect("the shonen binary starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status() == StatusCode::OK
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the service answers /healthz");

    let call = |method: reqwest::Method, path: String, token: Option<String>, body: Value| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let mut req = client.request(method, format!("{base}{path}")).json(&body);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status();
            (status, resp.json::<Value>().await.unwrap_or_default())
        }
    };
    let mut tokens = vec![];
    for name in ["naruto", "sasuke"] {
        let (status, body) = call(
            reqwest::Method::POST,
            "/api/v1/auth/register".into(),
            None,
            json!({"username": name, "email": format!("{name}@example.com"),
                   "password": "correct horse battery", "goals": {"strength": 5, "agility": 3, "intelligence": 2}}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        tokens.push(body["token"].as_str().unwrap().to_string());
    }
    let (status, duel) = call(
        reqwest::Method::POST,
        "/api/v1/duels".into(),
        Some(tokens[0].clone()),
        json!({"opponent": "sasuke"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{duel}");
    let id = duel["id"].as_i64().unwrap();
    let (status, _) = call(
        reqwest::Method::POST,
        format!("/api/v1/duels/{id}/accept"),
        Some(tokens[1].clone()),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let mut done = Value::Null;
    for _ in 0..200 {
        let (_, d) = call(
            reqwest::Method::GET,
            format!("/api/v1/duels/{id}"),
            Some(tokens[0].clone()),
            json!(null),
        )
        .await;
        if d["status"] == "resolved" {
            done = d;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done["status"], "resolved", "resolved through Lambda");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one Lambda invocation");
    let (status, replay) = call(
        reqwest::Method::GET,
        format!("/api/v1/duels/{id}/replay"),
        Some(tokens[1].clone()),
        json!(null),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let input: shonen_rules::DuelInput = serde_json::from_value(json!({
        "duel_id": id.to_string(),
        "challenger": replay["challenger"],
        "opponent": replay["opponent"],
    }))
    .unwrap();
    assert_eq!(replay["battle"], json!(shonen_rules::fight(&input)));
    assert_eq!(done["rounds"], replay["battle"]["rounds"]);
    child.kill().await.unwrap();
}
