//! The battle Lambda run for real, as a child process, against a loopback
//! implementation of the documented Lambda Runtime API (`/2018-06-01/runtime/...`),
//! and the server's Lambda executor invoking it through a loopback Lambda Invoke
//! endpoint (`POST /2015-03-31/functions/{name}/invocations`) that forwards to the
//! runtime: the results equal the in-process executor's, input for input.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use shonen_rules::{Class, DuelInput, Fighter, moves_for};
use shonen_server::battles::{Executor, LambdaExecutor};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, mpsc, oneshot};

/// What the function answered: a response body, or an error body.
type Outcome = Result<Bytes, Bytes>;

struct Invocation {
    event: Bytes,
    reply: oneshot::Sender<Outcome>,
}

/// The Runtime API: hands queued events to the function one at a time and routes
/// its answers back to whoever queued them.
#[derive(Clone)]
struct Runtime {
    queue: Arc<Mutex<mpsc::Receiver<Invocation>>>,
    sender: mpsc::Sender<Invocation>,
    waiting: Arc<Mutex<HashMap<String, oneshot::Sender<Outcome>>>>,
    next_id: Arc<AtomicU64>,
}

impl Runtime {
    fn new() -> Runtime {
        let (sender, rx) = mpsc::channel(16);
        Runtime {
            queue: Arc::new(Mutex::new(rx)),
            sender,
            waiting: Arc::default(),
            next_id: Arc::default(),
        }
    }

    async fn invoke(&self, event: Bytes) -> Outcome {
        let (reply, rx) = oneshot::channel();
        self.sender
            .send(Invocation { event, reply })
            .await
            .expect("runtime alive");
        tokio::time::timeout(Duration::from_secs(30), rx)
            .await
            .expect("the function answers within 30 s")
            .expect("answer delivered")
    }
}

async fn next(State(rt): State<Runtime>) -> Response {
    let Some(inv) = rt.queue.lock().await.recv().await else {
        return StatusCode::GONE.into_response();
    };
    let id = format!("req-{}", rt.next_id.fetch_add(1, Ordering::SeqCst));
    rt.waiting.lock().await.insert(id.clone(), inv.reply);
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 30_000;
    let mut headers = HeaderMap::new();
    headers.insert(
        "Lambda-Runtime-Aws-Request-Id",
        HeaderValue::from_str(&id).unwrap(),
    );
    headers.insert(
        "Lambda-Runtime-Deadline-Ms",
        HeaderValue::from_str(&deadline.to_string()).unwrap(),
    );
    headers.insert(
        "Lambda-Runtime-Invoked-Function-Arn",
        HeaderValue::from_static("arn:aws:lambda:us-east-1:000000000000:function:shonen-battle"),
    );
    headers.insert(
        "Lambda-Runtime-Trace-Id",
        HeaderValue::from_static("Root=1-00000000-000000000000000000000000"),
    );
    headers.insert("Content-Type", HeaderValue::from_static("application/json"));
    (headers, inv.event).into_response()
}

async fn respond(State(rt): State<Runtime>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    match rt.waiting.lock().await.remove(&id) {
        Some(tx) => {
            let _ = tx.send(Ok(body));
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn fail(State(rt): State<Runtime>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    match rt.waiting.lock().await.remove(&id) {
        Some(tx) => {
            let _ = tx.send(Err(body));
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

/// The Lambda Invoke API in front of the runtime: one function, `shonen-battle`.
async fn invoke_api(State(rt): State<Runtime>, Path(name): Path<String>, body: Bytes) -> Response {
    if name != "shonen-battle" {
        return (
            StatusCode::NOT_FOUND,
            [("x-amzn-errortype", "ResourceNotFoundException")],
            json!({"Type": "User", "message": format!("Function not found: {name}")}).to_string(),
        )
            .into_response();
    }
    match rt.invoke(body).await {
        Ok(out) => (StatusCode::OK, out).into_response(),
        Err(err) => (StatusCode::OK, [("x-amz-function-error", "Unhandled")], err).into_response(),
    }
}

struct Harness {
    runtime: Runtime,
    addr: std::net::SocketAddr,
    child: tokio::process::Child,
}

async fn start() -> Harness {
    let runtime = Runtime::new();
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(respond),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
        .route("/2015-03-31/functions/{name}/invocations", post(invoke_api))
        .with_state(runtime.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_shonen-lambda"))
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "shonen-battle")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/shonen-battle")
        .kill_on_drop(true)
        .spawn()
        .expect("the shonen-lambda binary starts");
    Harness {
        runtime,
        addr,
        child,
    }
}

fn fighter(name: &str, total_xp: i64, streak: u32, strength_xp: i64, fighting: i64) -> Fighter {
    Fighter {
        username: name.into(),
        total_xp,
        streak,
        strength_xp,
        class: Class::Brawler,
        level: shonen_rules::level_for_xp(total_xp),
        moves: moves_for(fighting),
    }
}

fn inputs() -> Vec<DuelInput> {
    (0..6)
        .map(|i| DuelInput {
            duel_id: format!("{}", 100 + i),
            challenger: fighter("kenji", 500 * i, i as u32, 200 * i, 400 * i),
            opponent: fighter("rin", 3000 - 400 * i, 7, 900, 2000),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_function_answers_through_the_runtime_api() {
    let mut h = start().await;
    for input in inputs() {
        let out = h
            .runtime
            .invoke(serde_json::to_vec(&input).unwrap().into())
            .await
            .expect("a battle, not an error");
        let battle: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(battle, json!(shonen_rules::fight(&input)));
    }
    // A malformed event is reported on the error route; the function keeps serving.
    let err = h
        .runtime
        .invoke(Bytes::from_static(b"{\"duel_id\": 5}"))
        .await
        .expect_err("an error");
    let err: Value = serde_json::from_slice(&err).unwrap();
    assert!(err["errorMessage"].is_string(), "{err}");
    let input = &inputs()[0];
    let out = h
        .runtime
        .invoke(serde_json::to_vec(input).unwrap().into())
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&out).unwrap(),
        json!(shonen_rules::fight(input))
    );
    h.child.kill().await.unwrap();
}

fn sdk_config(addr: std::net::SocketAddr) -> aws_sdk_lambda::Config {
    aws_sdk_lambda::Config::builder()
        .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
        .region(aws_sdk_lambda::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .endpoint_url(format!("http://{addr}"))
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_executor_matches_the_in_process_executor() {
    let mut h = start().await;
    let lambda = Executor::Lambda(LambdaExecutor::with_config(
        sdk_config(h.addr),
        "shonen-battle".into(),
    ));
    let local = Executor::InProcess;
    for input in inputs() {
        let remote = lambda.fight(&input).await.expect("Lambda battle");
        let here = local.fight(&input).await.unwrap();
        assert_eq!(remote, here, "duel {}", input.duel_id);
    }
    // A missing function and a function error are errors for the job to retry.
    let missing = Executor::Lambda(LambdaExecutor::with_config(
        sdk_config(h.addr),
        "no-such-function".into(),
    ));
    let e = missing.fight(&inputs()[0]).await.unwrap_err();
    assert!(format!("{e:#}").contains("no-such-function"), "{e:#}");
    h.child.kill().await.unwrap();
}
