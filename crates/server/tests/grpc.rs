//! gRPC parity: every REST operation and its RPC give the same result, on both
//! backends (table-driven: reads and failures run through both protocols and are
//! compared; writes made through one protocol are read back through the other).
//! Also: one middleware stack (shared rate limits, metrics, request ids), rich error
//! details, UNIMPLEMENTED for unknown services, health, reflection v1 and v1alpha,
//! gRPC-Web, and the `Subscribe` stream next to the WebSocket, across instances.

mod common;

use ::shonen_server::grpc::proto::shonen_client::ShonenClient;
use ::shonen_server::grpc::proto::*;
use common::{Backend, TestApp, strength};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_types::StatusExt;

type Client = ShonenClient<Channel>;

both_backends!(
    parity_reads_writes_and_errors,
    subscribe_delivers_the_websocket_events,
    one_middleware_stack_for_both_protocols,
    grpc_dashboard_follows_every_write,
    one_connection_carries_a_stream_and_many_calls_at_once,
    creating_calls_run_once_per_key
);

/// A real 1×1 PNG.
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x0c\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

async fn client(app: &TestApp) -> Client {
    ShonenClient::connect(app.base.clone())
        .await
        .expect("gRPC on the REST port")
        .max_decoding_message_size(16 * 1024 * 1024)
        .max_encoding_message_size(16 * 1024 * 1024)
}

fn authed<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    if !token.is_empty() {
        let value: MetadataValue<_> = format!("Bearer {token}").parse().unwrap();
        req.metadata_mut().insert("authorization", value);
    }
    req
}

fn to_json<T: serde::Serialize>(msg: T) -> Value {
    serde_json::to_value(msg).expect("messages serialize")
}

/// Every field REST returned is in the gRPC reply with the same value (numbers
/// compared as numbers; a page cursor may be a string in REST). Fields REST leaves
/// null are unset in gRPC.
fn assert_same(what: &str, path: &str, rest: &Value, grpc: &Value) {
    match (rest, grpc) {
        (Value::Null, _) => {}
        (Value::Object(r), Value::Object(g)) => {
            for (k, rv) in r {
                let p = format!("{path}.{k}");
                match g.get(k) {
                    Some(gv) => assert_same(what, &p, rv, gv),
                    None if rv.is_null() => {}
                    None => panic!("{what}: {p} is in REST ({rv}) but not in the gRPC reply"),
                }
            }
        }
        (Value::Array(r), Value::Array(g)) => {
            assert_eq!(r.len(), g.len(), "{what}: {path} lengths differ");
            for (i, (rv, gv)) in r.iter().zip(g).enumerate() {
                assert_same(what, &format!("{path}[{i}]"), rv, gv);
            }
        }
        (Value::Number(r), Value::Number(g)) => {
            assert_eq!(r.as_f64(), g.as_f64(), "{what}: {path} differs");
        }
        (Value::String(r), Value::Number(g)) if r.parse::<f64>().ok() == g.as_f64() => {}
        _ => assert_eq!(rest, grpc, "{what}: {path} differs"),
    }
}

/// The same failure in both protocols: the expected code, the REST error code as
/// `ErrorInfo.reason`, and REST's `details.field` as the `BadRequest` field.
fn assert_same_error(what: &str, rest: (StatusCode, &Value), grpc: &Status, code: Code) {
    assert_eq!(
        grpc.code(),
        code,
        "{what}: {grpc:?} (REST {} {})",
        rest.0,
        rest.1
    );
    assert!(
        rest.0.is_client_error(),
        "{what}: REST answered {} {}",
        rest.0,
        rest.1
    );
    let details = grpc.get_error_details();
    let info = details.error_info().expect("ErrorInfo on every error");
    assert_eq!(info.reason, rest.1["error"]["code"], "{what}: reason");
    if let Some(field) = rest.1["error"]["details"]["field"].as_str()
        && code != Code::InvalidArgument
    {
        assert_eq!(
            info.metadata.get("field").map(String::as_str),
            Some(field),
            "{what}"
        );
    } else if let Some(field) = rest.1["error"]["details"]["field"].as_str() {
        let bad = details
            .bad_request()
            .unwrap_or_else(|| panic!("{what}: no BadRequest in {grpc:?} (REST {})", rest.1));
        assert_eq!(bad.field_violations[0].field, field, "{what}: field");
    }
}

type Rpc = Box<dyn FnOnce(Client) -> BoxFuture<'static, Result<Value, Status>> + Send>;

/// One RPC with a bearer token, its reply as JSON.
macro_rules! rpc {
    ($method:ident, $token:expr, $msg:expr) => {{
        let token: String = $token.to_string();
        let msg = $msg;
        Box::new(
            move |mut c: Client| -> BoxFuture<'static, Result<Value, Status>> {
                Box::pin(async move {
                    c.$method(authed(msg, &token))
                        .await
                        .map(|r| to_json(r.into_inner()))
                })
            },
        ) as Rpc
    }};
}

/// A row of the parity table: the REST request and its RPC.
struct Case {
    name: &'static str,
    method: Method,
    path: String,
    token: String,
    body: Option<Value>,
    rpc: Rpc,
    /// None: both succeed with the same result; Some(code): both fail alike.
    fails: Option<Code>,
}

fn case(
    name: &'static str,
    method: Method,
    path: impl Into<String>,
    token: &str,
    body: Option<Value>,
    rpc: Rpc,
    fails: Option<Code>,
) -> Case {
    Case {
        name,
        method,
        path: path.into(),
        token: token.to_string(),
        body,
        rpc,
        fails,
    }
}

async fn run_table(app: &TestApp, cases: Vec<Case>) {
    for c in cases {
        let token = (!c.token.is_empty()).then_some(c.token.as_str());
        let (status, rest) = app.call(c.method, &c.path, token, c.body).await;
        let grpc = (c.rpc)(client(app).await).await;
        match (c.fails, grpc) {
            (None, Ok(g)) => {
                assert!(status.is_success(), "{}: REST {status} {rest}", c.name);
                assert_same(c.name, "", &rest, &g);
            }
            (Some(code), Err(e)) => assert_same_error(c.name, (status, &rest), &e, code),
            (_, other) => panic!("{}: gRPC {other:?}, REST {status} {rest}", c.name),
        }
    }
}

fn sets(n: usize, kg: f64, reps: u32) -> Vec<Set> {
    (0..n)
        .map(|_| Set {
            exercise: "squat".into(),
            weight_kg: kg,
            reps,
        })
        .collect()
}

fn register_request(name: &str, goals: Option<Goals>) -> RegisterRequest {
    RegisterRequest {
        username: name.into(),
        email: format!("{name}@example.com"),
        password: "correct horse battery".into(),
        timezone: Some("Europe/Berlin".into()),
        goals,
    }
}

async fn wait_resolved(app: &TestApp, token: &str, id: i64) {
    for _ in 0..100 {
        let (_, d) = app.get(&format!("/api/v1/duels/{id}"), token).await;
        if d["status"] == "resolved" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("duel {id} not resolved in 10 s");
}

async fn parity_reads_writes_and_errors(b: Backend) {
    let app = TestApp::spawn(b).await;
    let mut c = client(&app).await;
    let (goku, _) = app.register("goku", [9, 0, 0]).await;

    // Writes through gRPC, read back through REST.
    let reg = c
        .register(register_request(
            "vegeta",
            Some(Goals {
                strength: 0,
                agility: 9,
                intelligence: 0,
            }),
        ))
        .await
        .unwrap()
        .into_inner();
    let vegeta = reg.token.clone();
    assert_same(
        "register",
        "",
        &app.me(&vegeta).await,
        &to_json(reg.player.unwrap()),
    );

    let logged = c
        .log_activity(authed(
            LogActivityRequest {
                kind: "strength".into(),
                duration_min: Some(25.0),
                sets: sets(4, 10.0, 15),
                note: Some("leg day".into()),
                ..Default::default()
            },
            &goku,
        ))
        .await
        .unwrap()
        .into_inner();
    let strength_id = logged.activity.as_ref().unwrap().id;
    let (_, rest) = app
        .get(&format!("/api/v1/activities/{strength_id}"), &goku)
        .await;
    assert_same("log activity", "", &rest, &to_json(&logged));
    assert!(!logged.activity.as_ref().unwrap().created_at.is_empty());

    // A retry with the same `idempotency-key` metadata gets the first answer and logs
    // nothing more, as REST's `Idempotency-Key` does; a bad key is INVALID_ARGUMENT.
    let study = |key: &str| {
        let mut req = authed(
            LogActivityRequest {
                kind: "study".into(),
                duration_min: Some(30.0),
                ..Default::default()
            },
            &goku,
        );
        req.metadata_mut()
            .insert("idempotency-key", key.parse().unwrap());
        req
    };
    let (_, before) = app.get("/api/v1/activities?limit=100", &goku).await;
    let first = c
        .log_activity(study("grpc-try-1"))
        .await
        .unwrap()
        .into_inner();
    let again = c
        .log_activity(study("grpc-try-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, again);
    let other = c
        .log_activity(study("grpc-try-2"))
        .await
        .unwrap()
        .into_inner();
    let first_id = first.activity.as_ref().unwrap().id;
    assert_ne!(other.activity.unwrap().id, first_id);
    let (_, after) = app.get("/api/v1/activities?limit=100", &goku).await;
    assert_eq!(
        after["items"].as_array().unwrap().len(),
        before["items"].as_array().unwrap().len() + 2
    );
    let long = "k".repeat(201);
    let bad = c.log_activity(study(&long)).await.unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument, "{bad:?}");
    // The key sent again with another request is refused, as over REST, and logs
    // nothing.
    let mut longer = study("grpc-try-1");
    longer.get_mut().duration_min = Some(45.0);
    let reused = c.log_activity(longer).await.unwrap_err();
    assert_eq!(reused.code(), Code::InvalidArgument, "{reused:?}");
    assert_eq!(
        reused
            .get_error_details()
            .bad_request()
            .unwrap()
            .field_violations[0]
            .field,
        "idempotency-key"
    );
    // The REST retry of a key first used over gRPC finds the same activity.
    let resp = app
        .client
        .post(format!("{}/api/v1/activities", app.base))
        .bearer_auth(&goku)
        .header("Idempotency-Key", "grpc-try-1")
        .json(&json!({"kind": "study", "duration_min": 30}))
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["activity"]["id"], first_id, "{v}");

    let edited = c
        .edit_activity(authed(
            EditActivityRequest {
                id: strength_id,
                sets: sets(5, 10.0, 15),
                duration_min: Some(30.0),
            },
            &goku,
        ))
        .await
        .unwrap()
        .into_inner();
    let (_, rest) = app
        .get(&format!("/api/v1/activities/{strength_id}"), &goku)
        .await;
    assert_same("edit activity", "", &rest, &to_json(&edited));
    assert!(edited.activity.unwrap().edited);

    let photo = c
        .add_photo(authed(
            AddPhotoRequest {
                activity_id: strength_id,
                image: PNG.to_vec(),
            },
            &goku,
        ))
        .await
        .unwrap()
        .into_inner();
    let (_, rest) = app
        .get(&format!("/api/v1/activities/{strength_id}"), &goku)
        .await;
    let photos = rest["activity"]["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 1, "{rest}");
    assert!(!photo.photo_url.is_empty());

    let avatar = c
        .set_avatar(authed(
            SetAvatarRequest {
                image: PNG.to_vec(),
            },
            &goku,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(app.me(&goku).await["avatar_url"], avatar.avatar_url);

    let settings = c
        .update_settings(authed(
            UpdateSettingsRequest {
                weekly_goal: Some(4),
                training_days: Some(TrainingDays {
                    days: vec!["mon".into(), "wed".into(), "fri".into(), "sat".into()],
                }),
                ..Default::default()
            },
            &goku,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_same(
        "update settings",
        "",
        &app.me(&goku).await,
        &to_json(settings),
    );

    // Writes through REST, read through gRPC (the table's reads below).
    let (s, run) = app
        .post(
            "/api/v1/activities",
            &goku,
            json!({"kind": "run", "distance_km": 5, "duration_min": 30}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{run}");
    let run_id = run["activity"]["id"].as_i64().unwrap();

    // Duels: challenge through gRPC, accept through gRPC, resolved by the job.
    let duel = c
        .create_duel(authed(
            CreateDuelRequest {
                opponent: "vegeta".into(),
            },
            &goku,
        ))
        .await
        .unwrap()
        .into_inner();
    let (_, rest) = app.get(&format!("/api/v1/duels/{}", duel.id), &goku).await;
    assert_same("create duel", "", &rest, &to_json(&duel));
    let accepted = c
        .accept_duel(authed(DuelRequest { id: duel.id }, &vegeta))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(accepted.status, "queued");
    wait_resolved(&app, &goku, duel.id).await;
    // A second one, challenged through REST and declined through gRPC.
    let (s, second) = app
        .post("/api/v1/duels", &vegeta, json!({"opponent": "goku"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{second}");
    let second = second["id"].as_i64().unwrap();
    let declined = c
        .decline_duel(authed(DuelRequest { id: second }, &goku))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(declined.status, "declined");

    let g = goku.as_str();
    let v = vegeta.as_str();
    let get = Method::GET;
    let post = Method::POST;
    let cases = vec![
        // ---- the same reads through both protocols
        case(
            "me",
            get.clone(),
            "/api/v1/me",
            g,
            None,
            rpc!(get_me, g, GetMeRequest {}),
            None,
        ),
        case(
            "dashboard",
            get.clone(),
            "/api/v1/dashboard",
            g,
            None,
            rpc!(get_dashboard, g, GetDashboardRequest {}),
            None,
        ),
        case(
            "get activity",
            get.clone(),
            format!("/api/v1/activities/{run_id}"),
            g,
            None,
            rpc!(get_activity, g, GetActivityRequest { id: run_id }),
            None,
        ),
        case(
            "list activities",
            get.clone(),
            "/api/v1/activities?limit=1",
            g,
            None,
            rpc!(
                list_activities,
                g,
                ListActivitiesRequest {
                    limit: Some(1),
                    before: None
                }
            ),
            None,
        ),
        case(
            "list activities page 2",
            get.clone(),
            format!("/api/v1/activities?limit=1&before={run_id}"),
            g,
            None,
            rpc!(
                list_activities,
                g,
                ListActivitiesRequest {
                    limit: Some(1),
                    before: Some(run_id)
                }
            ),
            None,
        ),
        case(
            "ledger",
            get.clone(),
            "/api/v1/ledger?limit=2",
            g,
            None,
            rpc!(
                get_ledger,
                g,
                GetLedgerRequest {
                    limit: Some(2),
                    before: None
                }
            ),
            None,
        ),
        case(
            "leaderboard",
            get.clone(),
            "/api/v1/leaderboard",
            g,
            None,
            rpc!(get_leaderboard, g, GetLeaderboardRequest::default()),
            None,
        ),
        case(
            "weekly leaderboard",
            get.clone(),
            "/api/v1/leaderboard?scope=weekly&limit=5",
            g,
            None,
            rpc!(
                get_leaderboard,
                g,
                GetLeaderboardRequest {
                    scope: Some("weekly".into()),
                    class: None,
                    limit: Some(5)
                }
            ),
            None,
        ),
        case(
            "class leaderboard",
            get.clone(),
            "/api/v1/leaderboard?scope=class&class=speedster",
            v,
            None,
            rpc!(
                get_leaderboard,
                v,
                GetLeaderboardRequest {
                    scope: Some("class".into()),
                    class: Some("speedster".into()),
                    limit: None
                }
            ),
            None,
        ),
        case(
            "profile",
            get.clone(),
            "/api/v1/players/vegeta",
            g,
            None,
            rpc!(
                get_profile,
                g,
                GetProfileRequest {
                    username: "vegeta".into()
                }
            ),
            None,
        ),
        case(
            "boss",
            get.clone(),
            "/api/v1/boss",
            g,
            None,
            rpc!(get_boss, g, GetBossRequest {}),
            None,
        ),
        case(
            "boss history",
            get.clone(),
            "/api/v1/boss/history",
            g,
            None,
            rpc!(get_boss_history, g, GetBossHistoryRequest {}),
            None,
        ),
        case(
            "duels",
            get.clone(),
            "/api/v1/duels",
            g,
            None,
            rpc!(list_duels, g, ListDuelsRequest { status: None }),
            None,
        ),
        case(
            "resolved duels",
            get.clone(),
            "/api/v1/duels?status=resolved",
            v,
            None,
            rpc!(
                list_duels,
                v,
                ListDuelsRequest {
                    status: Some("resolved".into())
                }
            ),
            None,
        ),
        case(
            "resolved duel",
            get.clone(),
            format!("/api/v1/duels/{}", duel.id),
            g,
            None,
            rpc!(get_duel, g, DuelRequest { id: duel.id }),
            None,
        ),
        case(
            "replay",
            get.clone(),
            format!("/api/v1/duels/{}/replay", duel.id),
            v,
            None,
            rpc!(get_duel_replay, v, DuelRequest { id: duel.id }),
            None,
        ),
        // ---- the same failures through both protocols (nothing changes)
        case(
            "register without goals",
            post.clone(),
            "/api/v1/auth/register",
            "",
            Some(
                json!({"username": "gohan", "email": "gohan@example.com", "password": "correct horse battery", "timezone": "Europe/Berlin"}),
            ),
            rpc!(register, "", register_request("gohan", None)),
            Some(Code::InvalidArgument),
        ),
        case(
            "register taken",
            post.clone(),
            "/api/v1/auth/register",
            "",
            Some(
                json!({"username": "vegeta", "email": "other@example.com", "password": "correct horse battery", "goals": {"strength": 1, "agility": 0, "intelligence": 0}}),
            ),
            rpc!(
                register,
                "",
                RegisterRequest {
                    email: "other@example.com".into(),
                    timezone: None,
                    ..register_request(
                        "vegeta",
                        Some(Goals {
                            strength: 1,
                            agility: 0,
                            intelligence: 0
                        })
                    )
                }
            ),
            Some(Code::AlreadyExists),
        ),
        case(
            "register bad fields",
            post.clone(),
            "/api/v1/auth/register",
            "",
            Some(
                json!({"username": "x", "email": "bad", "password": "short", "goals": {"strength": 0, "agility": 0, "intelligence": 0}}),
            ),
            rpc!(
                register,
                "",
                RegisterRequest {
                    username: "x".into(),
                    email: "bad".into(),
                    password: "short".into(),
                    timezone: None,
                    goals: Some(Goals::default())
                }
            ),
            Some(Code::InvalidArgument),
        ),
        case(
            "login wrong password",
            post.clone(),
            "/api/v1/auth/login",
            "",
            Some(json!({"username": "goku", "password": "wrong password!"})),
            rpc!(
                login,
                "",
                LoginRequest {
                    username: Some("goku".into()),
                    password: Some("wrong password!".into())
                }
            ),
            Some(Code::Unauthenticated),
        ),
        case(
            "me without token",
            get.clone(),
            "/api/v1/me",
            "",
            None,
            rpc!(get_me, "", GetMeRequest {}),
            Some(Code::Unauthenticated),
        ),
        case(
            "me with a bad token",
            get.clone(),
            "/api/v1/me",
            "not-a-token",
            None,
            rpc!(get_me, "not-a-token", GetMeRequest {}),
            Some(Code::Unauthenticated),
        ),
        case(
            "volume zero",
            post.clone(),
            "/api/v1/activities",
            g,
            Some(
                json!({"kind": "strength", "duration_min": 60, "sets": (0..50).map(|_| json!({"exercise": "pushup", "weight_kg": 0, "reps": 10})).collect::<Vec<_>>()}),
            ),
            rpc!(
                log_activity,
                g,
                LogActivityRequest {
                    kind: "strength".into(),
                    duration_min: Some(60.0),
                    sets: (0..50)
                        .map(|_| Set {
                            exercise: "pushup".into(),
                            weight_kg: 0.0,
                            reps: 10
                        })
                        .collect(),
                    ..Default::default()
                }
            ),
            Some(Code::InvalidArgument),
        ),
        case(
            "bad kind",
            post.clone(),
            "/api/v1/activities",
            g,
            Some(json!({"kind": "nap", "duration_min": 10})),
            rpc!(
                log_activity,
                g,
                LogActivityRequest {
                    kind: "nap".into(),
                    duration_min: Some(10.0),
                    ..Default::default()
                }
            ),
            Some(Code::InvalidArgument),
        ),
        case(
            "a set's field",
            post.clone(),
            "/api/v1/activities",
            g,
            Some(
                json!({"kind": "strength", "duration_min": 10, "sets": [{"exercise": "squat", "weight_kg": 10, "reps": 5}, {"exercise": "squat", "weight_kg": -3, "reps": 5}]}),
            ),
            rpc!(
                log_activity,
                g,
                LogActivityRequest {
                    kind: "strength".into(),
                    duration_min: Some(10.0),
                    sets: vec![
                        Set {
                            exercise: "squat".into(),
                            weight_kg: 10.0,
                            reps: 5
                        },
                        Set {
                            exercise: "squat".into(),
                            weight_kg: -3.0,
                            reps: 5
                        }
                    ],
                    ..Default::default()
                }
            ),
            Some(Code::InvalidArgument),
        ),
        case(
            "missing activity",
            get.clone(),
            "/api/v1/activities/999999",
            g,
            None,
            rpc!(get_activity, g, GetActivityRequest { id: 999_999 }),
            Some(Code::NotFound),
        ),
        case(
            "another player's activity",
            get.clone(),
            format!("/api/v1/activities/{run_id}"),
            v,
            None,
            rpc!(get_activity, v, GetActivityRequest { id: run_id }),
            Some(Code::NotFound),
        ),
        case(
            "bad limit",
            get.clone(),
            "/api/v1/activities?limit=0",
            g,
            None,
            rpc!(
                list_activities,
                g,
                ListActivitiesRequest {
                    limit: Some(0),
                    before: None
                }
            ),
            Some(Code::InvalidArgument),
        ),
        case(
            "edit a run",
            Method::PATCH,
            format!("/api/v1/activities/{run_id}"),
            g,
            Some(json!({"duration_min": 20})),
            rpc!(
                edit_activity,
                g,
                EditActivityRequest {
                    id: run_id,
                    sets: vec![],
                    duration_min: Some(20.0)
                }
            ),
            Some(Code::InvalidArgument),
        ),
        case(
            "bad scope",
            get.clone(),
            "/api/v1/leaderboard?scope=galaxy",
            g,
            None,
            rpc!(
                get_leaderboard,
                g,
                GetLeaderboardRequest {
                    scope: Some("galaxy".into()),
                    class: None,
                    limit: None
                }
            ),
            Some(Code::InvalidArgument),
        ),
        case(
            "unknown player",
            get.clone(),
            "/api/v1/players/nobody",
            g,
            None,
            rpc!(
                get_profile,
                g,
                GetProfileRequest {
                    username: "nobody".into()
                }
            ),
            Some(Code::NotFound),
        ),
        case(
            "bad weekly goal",
            Method::PATCH,
            "/api/v1/me",
            g,
            Some(json!({"weekly_goal": 9})),
            rpc!(
                update_settings,
                g,
                UpdateSettingsRequest {
                    weekly_goal: Some(9),
                    ..Default::default()
                }
            ),
            Some(Code::InvalidArgument),
        ),
        case(
            "self duel",
            post.clone(),
            "/api/v1/duels",
            g,
            Some(json!({"opponent": "goku"})),
            rpc!(
                create_duel,
                g,
                CreateDuelRequest {
                    opponent: "goku".into()
                }
            ),
            Some(Code::InvalidArgument),
        ),
        case(
            "challenger answers",
            post.clone(),
            format!("/api/v1/duels/{second}/accept"),
            v,
            None,
            rpc!(accept_duel, v, DuelRequest { id: second }),
            Some(Code::PermissionDenied),
        ),
        case(
            "decline twice",
            post.clone(),
            format!("/api/v1/duels/{second}/decline"),
            g,
            None,
            rpc!(decline_duel, g, DuelRequest { id: second }),
            Some(Code::FailedPrecondition),
        ),
        case(
            "replay of a declined duel",
            get.clone(),
            format!("/api/v1/duels/{second}/replay"),
            g,
            None,
            rpc!(get_duel_replay, g, DuelRequest { id: second }),
            Some(Code::NotFound),
        ),
    ];
    run_table(&app, cases).await;

    // Reclassify: the same 30-day cooldown (409 → FAILED_PRECONDITION) after one
    // change, whichever protocol made it.
    let goals = Goals {
        strength: 0,
        agility: 0,
        intelligence: 9,
    };
    let first = c
        .reclassify(authed(ReclassifyRequest { goals: Some(goals) }, &vegeta))
        .await;
    let (s, rest) = app
        .post(
            "/api/v1/me/reclassify",
            &vegeta,
            json!({"goals": {"strength": 0, "agility": 0, "intelligence": 9}}),
        )
        .await;
    match first {
        Ok(p) => {
            assert_eq!(s, StatusCode::CONFLICT, "{rest}");
            assert_eq!(p.into_inner().class, "strategist");
        }
        Err(e) => assert_same_error("reclassify", (s, &rest), &e, Code::FailedPrecondition),
    }
    let again = c
        .reclassify(authed(ReclassifyRequest { goals: Some(goals) }, &vegeta))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition, "{again:?}");

    // Images: too large → RESOURCE_EXHAUSTED (REST 413); not an image → INVALID_ARGUMENT.
    let big = c
        .set_avatar(authed(
            SetAvatarRequest {
                image: vec![0u8; 5 * 1024 * 1024 + 1],
            },
            &goku,
        ))
        .await
        .unwrap_err();
    assert_eq!(big.code(), Code::ResourceExhausted, "{big:?}");
    // Past the message limit tonic itself refuses it; still RESOURCE_EXHAUSTED with
    // the contract's details, for an avatar or a photo alike.
    for huge in [
        c.set_avatar(authed(
            SetAvatarRequest {
                image: vec![0u8; 6 * 1024 * 1024],
            },
            &goku,
        ))
        .await
        .unwrap_err(),
        c.add_photo(authed(
            AddPhotoRequest {
                activity_id: 1,
                image: vec![0u8; 6 * 1024 * 1024],
            },
            &goku,
        ))
        .await
        .unwrap_err(),
    ] {
        assert_eq!(huge.code(), Code::ResourceExhausted, "{huge:?}");
        let info = huge.get_error_details().error_info().cloned();
        assert_eq!(
            info.map(|i| i.reason).as_deref(),
            Some("body_too_large"),
            "{huge:?}"
        );
    }
    let junk = c
        .set_avatar(authed(
            SetAvatarRequest {
                image: b"<script>".to_vec(),
            },
            &goku,
        ))
        .await
        .unwrap_err();
    assert_eq!(junk.code(), Code::InvalidArgument, "{junk:?}");

    // NUL characters: INVALID_ARGUMENT naming the field, never INTERNAL.
    let nul = c
        .get_profile(authed(
            GetProfileRequest {
                username: "ab\0c".into(),
            },
            &goku,
        ))
        .await
        .unwrap_err();
    assert_eq!(nul.code(), Code::InvalidArgument, "{nul:?}");
    let nul = c
        .login(LoginRequest {
            username: Some("go\0ku".into()),
            password: Some("x".into()),
        })
        .await
        .unwrap_err();
    assert_eq!(nul.code(), Code::InvalidArgument, "{nul:?}");
    // A login without its password names it, as REST's 422 does.
    let bare = c
        .login(LoginRequest {
            username: Some("goku".into()),
            password: None,
        })
        .await
        .unwrap_err();
    assert_eq!(bare.code(), Code::InvalidArgument, "{bare:?}");
    assert_eq!(
        bare.get_error_details()
            .bad_request()
            .unwrap()
            .field_violations[0]
            .field,
        "password"
    );
    // A NUL in an exercise's name, and a set without its exercise (proto3 cannot
    // tell it from an empty one), are refused as REST refuses them, naming the field.
    for exercise in ["sq\0uat", ""] {
        let refused = c
            .log_activity(authed(
                LogActivityRequest {
                    kind: "strength".into(),
                    duration_min: Some(20.0),
                    sets: vec![Set {
                        exercise: exercise.into(),
                        weight_kg: 10.0,
                        reps: 5,
                    }],
                    ..Default::default()
                },
                &goku,
            ))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
        let details = refused.get_error_details();
        assert_eq!(
            details.bad_request().unwrap().field_violations[0].field,
            "sets[0].exercise"
        );
    }

    // Logout through gRPC: the token is dead in both protocols.
    c.logout(authed(LogoutRequest {}, &vegeta)).await.unwrap();
    let err = c
        .get_me(authed(GetMeRequest {}, &vegeta))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let (s, _) = app.get("/api/v1/me", &vegeta).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

/// Reads WebSocket events up to the first of type `kind`.
async fn ws_until(ws: &mut common::Ws, kind: &str) -> Vec<Value> {
    use tokio_tungstenite::tungstenite::Message;
    let mut out: Vec<Value> = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(10), async {
        while out.last().is_none_or(|e| e["type"] != kind) {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => out.push(serde_json::from_str(&t).unwrap()),
                Some(Ok(_)) => {}
                _ => return,
            }
        }
    })
    .await;
    assert!(r.is_ok(), "no {kind} on the WebSocket: {out:?}");
    out
}

async fn grpc_events(stream: &mut tonic::Streaming<Event>, n: usize) -> Vec<Event> {
    let mut out = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(10), async {
        while out.len() < n {
            match stream.message().await {
                Ok(Some(e)) => out.push(e),
                other => panic!("stream ended: {other:?}"),
            }
        }
    })
    .await;
    assert!(r.is_ok(), "only {} of {n} gRPC events: {out:?}", out.len());
    out
}

/// The first event of one type; broadcasts (a `leaderboard` tick from another
/// test sharing the Redis channel, say) may come before it.
async fn grpc_event_of(stream: &mut tonic::Streaming<Event>, kind: &str) -> Event {
    let mut seen = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.message().await {
                Ok(Some(e)) if e.r#type == kind => return e,
                Ok(Some(e)) => seen.push(e.r#type),
                other => panic!("stream ended: {other:?}"),
            }
        }
    })
    .await;
    r.unwrap_or_else(|_| panic!("no {kind} event; saw {seen:?}"))
}

/// The WebSocket's `{id, type, at, data}` and the stream's event are the same.
fn assert_same_event(ws: &Value, e: &Event) {
    assert_eq!(ws["id"], e.id);
    assert_eq!(ws["type"], e.r#type);
    assert_eq!(ws["at"], e.at);
    let typed = to_json(e);
    let data = &typed["data"][e.r#type.as_str()];
    assert!(
        !data.is_null(),
        "event {} has no typed data: {typed}",
        e.r#type
    );
    assert_same(&e.r#type, "data", &ws["data"], data);
}

async fn subscribe_delivers_the_websocket_events(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (goku, _) = app.register("goku", [9, 0, 0]).await;
    let (vegeta, _) = app.register("vegeta", [9, 0, 0]).await;
    let mut ws = common::ws_connect(&app, &format!("token={goku}")).await;
    let mut c = client(&app).await;
    let mut stream = c
        .subscribe(authed(SubscribeRequest { since: None }, &goku))
        .await
        .unwrap()
        .into_inner();
    // An XP award with a level-up and a skill, then a duel challenge.
    let (s, body) = app
        .post("/api/v1/activities", &goku, strength(4, 10.0, 15, 25.0))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, body) = app
        .post("/api/v1/duels", &vegeta, json!({"opponent": "goku"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    // The player's own events, in order; broadcasts (`leaderboard`, no id) travel
    // on a channel of their own and may fall anywhere between them.
    let from_ws: Vec<Value> = ws_until(&mut ws, "duel_challenged")
        .await
        .into_iter()
        .filter(|e| e["id"].is_u64())
        .collect();
    let n = from_ws.len();
    let mut from_grpc = Vec::new();
    while from_grpc.len() < n {
        from_grpc.extend(
            grpc_events(&mut stream, 1)
                .await
                .into_iter()
                .filter(|e| e.id != 0),
        );
    }
    for (w, g) in from_ws.iter().zip(&from_grpc) {
        assert_same_event(w, g);
    }
    assert!(from_grpc.iter().any(|e| e.r#type == "xp_awarded"));
    assert!(from_grpc.iter().any(|e| e.r#type == "duel_challenged"));

    // With `since`, logged events come first, like `?since=` on the WebSocket.
    let first = from_grpc[0].id;
    let mut again = c
        .subscribe(authed(
            SubscribeRequest {
                since: Some(first - 1),
            },
            &goku,
        ))
        .await
        .unwrap()
        .into_inner();
    let replayed = grpc_events(&mut again, 2).await;
    assert_eq!(replayed[0].id, first);
    assert_eq!(replayed[1].id, from_grpc[1].id);

    // Logging out (through REST) ends the token's stream, as it closes its sockets.
    let (s, _) = app
        .call(Method::POST, "/api/v1/auth/logout", Some(&goku), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // (A board announcement already on its way may come first: broadcasts have id 0.)
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.message().await {
                Ok(Some(e)) if e.id == 0 => continue,
                other => break other,
            }
        }
    })
    .await
    .expect("the stream ends after logout");
    assert_eq!(end.unwrap_err().code(), Code::Unauthenticated);

    // A bad `since`, no token and a logged-out token are refused.
    let err = c
        .subscribe(authed(SubscribeRequest { since: Some(-1) }, &vegeta))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let err = c
        .subscribe(authed(SubscribeRequest { since: None }, &goku))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let err = c
        .subscribe(SubscribeRequest { since: None })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn subscribe_across_instances() {
    let Some(redis) = common::redis_url() else {
        eprintln!("skipping: SHONEN_TEST_REDIS_URL not set");
        return;
    };
    let Some((a, b)) = common::two_instances(&redis).await else {
        return;
    };
    let (goku, _) = a.register("goku", [9, 0, 0]).await;
    let mut c = client(&a).await;
    let mut stream = c
        .subscribe(authed(SubscribeRequest { since: None }, &goku))
        .await
        .unwrap()
        .into_inner();
    // Logged on B, streamed from A.
    let (s, body) = b
        .post("/api/v1/activities", &goku, strength(4, 10.0, 15, 25.0))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let got = [grpc_event_of(&mut stream, "xp_awarded").await];
    let Some(event::Data::XpAwarded(x)) = &got[0].data else {
        panic!("untyped event {got:?}");
    };
    assert_eq!(x.total_xp, body["award"]["final"].as_i64().unwrap());
    // And B replays it to a stream that starts there.
    let mut cb = client(&b).await;
    let mut replay = cb
        .subscribe(authed(SubscribeRequest { since: Some(0) }, &goku))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(grpc_event_of(&mut replay, "xp_awarded").await.id, got[0].id);
}

/// gRPC-Web: a length-prefixed frame over HTTP/1.1, as a browser sends it.
fn grpc_web_frame(msg: &impl prost::Message) -> Vec<u8> {
    let body = msg.encode_to_vec();
    let mut out = vec![0u8];
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

async fn one_middleware_stack_for_both_protocols(b: Backend) {
    const LIMIT: u32 = 12;
    let app = TestApp::spawn_with(b, |c| c.rate_limit_per_minute = LIMIT).await;
    let mut c = client(&app).await;
    // Keep the whole budget in one window: start early in a minute.
    let now = app.now().await;
    let into_minute = now.timestamp().rem_euclid(60);
    if into_minute > 40 {
        app.advance(61 - into_minute).await;
    }
    let reg = c
        .register(register_request(
            "piccolo",
            Some(Goals {
                strength: 0,
                agility: 9,
                intelligence: 0,
            }),
        ))
        .await
        .unwrap()
        .into_inner();
    let token = reg.token;
    // Used so far from this address in this window: now (unless the clock moved on
    // since), register.
    let mut used = if into_minute > 40 { 1 } else { 2 };

    // Request ids: given ones are echoed, else one is made, in both protocols.
    let mut req = authed(GetMeRequest {}, &token);
    req.metadata_mut()
        .insert("x-request-id", "grpc-req-1".parse().unwrap());
    let me = c.get_me(req).await.unwrap();
    assert_eq!(me.metadata().get("x-request-id").unwrap(), "grpc-req-1");
    let mut req = authed(GetActivityRequest { id: 42 }, &token);
    req.metadata_mut()
        .insert("x-request-id", "grpc-req-2".parse().unwrap());
    let err = c.get_activity(req).await.unwrap_err();
    assert_eq!(err.metadata().get("x-request-id").unwrap(), "grpc-req-2");
    let resp = app
        .client
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .header("x-request-id", "rest-req-1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "rest-req-1");
    let resp = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"].len(), 32);
    // Three count against the budget: probes (`/healthz`) never do.
    used += 3;

    // gRPC-Web from a browser: HTTP/1.1, base64-free binary framing.
    let resp = app
        .client
        .post(format!("{}/shonen.v1.Shonen/GetMe", app.base))
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .bearer_auth(&token)
        .body(grpc_web_frame(&GetMeRequest {}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/grpc-web")
    );
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(bytes[0], 0, "a data frame first");
    let len = u32::from_be_bytes(bytes[1..5].try_into().unwrap()) as usize;
    let player = <Player as prost::Message>::decode(&bytes[5..5 + len]).unwrap();
    assert_eq!(player.username, "piccolo");
    assert!(String::from_utf8_lossy(&bytes[5 + len..]).contains("grpc-status:0"));
    used += 1;

    // One budget per address and token, whichever protocol spends it: calls
    // alternate, and the budget runs out after LIMIT of them in all.
    let mut calls = 0;
    while used < LIMIT {
        if calls % 2 == 0 {
            let (s, body) = app.get("/api/v1/me", &token).await;
            assert_eq!(s, StatusCode::OK, "call {used}: {body}");
        } else if let Err(e) = c.get_me(authed(GetMeRequest {}, &token)).await {
            panic!("call {used}: {e:?}");
        }
        used += 1;
        calls += 1;
    }
    let limited = c.get_me(authed(GetMeRequest {}, &token)).await.unwrap_err();
    assert_eq!(limited.code(), Code::ResourceExhausted, "{limited:?}");
    let retry = limited
        .get_error_details()
        .retry_info()
        .unwrap()
        .retry_delay
        .unwrap();
    assert!(retry > Duration::ZERO && retry <= Duration::from_secs(60));
    assert_eq!(
        limited.get_error_details().error_info().unwrap().reason,
        "rate_limited"
    );
    let err = c
        .register(register_request(
            "cell",
            Some(Goals {
                strength: 9,
                agility: 0,
                intelligence: 0,
            }),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::ResourceExhausted,
        "no token: the address's budget"
    );
    let (s, _) = app.get("/api/v1/me", &token).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);

    // gRPC calls are in /metrics with their method and code (not rate limited: a
    // fresh window after the clock moves on).
    app.state.clock.advance(61);
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("shonen_grpc_requests_total")
                && l.contains("method=\"/shonen.v1.Shonen/GetMe\"")
                && l.contains("code=\"ResourceExhausted\"")
        })
        .unwrap_or_else(|| panic!("no gRPC GetMe rate-limit series in:\n{text}"));
    assert!(!line.ends_with(" 0"), "{line}");
    assert!(text.contains("method=\"/shonen.v1.Shonen/Register\""));

    // An unknown service or method is UNIMPLEMENTED, never the web UI.
    let channel = Channel::from_shared(app.base.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    for path in [
        "/nope.v1.Nope/Call",
        "/shonen.v1.Shonen/Nope",
        "/shonen.v1.Shonen/",
        "/shonen.v1.Shonen",
        "/shonen.v1.Shonen/GetMe/more",
        "/grpc.health.v1.Health/",
    ] {
        let mut raw = tonic::client::Grpc::new(channel.clone());
        raw.ready().await.unwrap();
        let err = raw
            .unary(
                tonic::Request::new(()),
                tonic::codegen::http::uri::PathAndQuery::from_static(path),
                tonic_prost::ProstCodec::<(), ()>::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::Unimplemented, "{path}: {err:?}");
        let info = err.get_error_details().error_info().cloned();
        assert_eq!(
            info.map(|i| i.reason).as_deref(),
            Some("unknown_method"),
            "{path}: {err:?}"
        );
    }

    // A request that does not speak gRPC to a gRPC method gets the contract's error
    // body: 405 for another method than POST, 415 for another content type.
    for (method, ctype, want, code) in [
        (
            Method::GET,
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::OPTIONS,
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::POST,
            Some("application/json"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
    ] {
        let mut req = app.client.request(
            method.clone(),
            format!("{}/shonen.v1.Shonen/GetMe", app.base),
        );
        if let Some(ctype) = ctype {
            req = req.header("content-type", ctype).body("{}");
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), want, "{method}");
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], code, "{method}: {v}");
    }

    // A message that does not decode as its method's type (here a varint where
    // GetProfile's `username` string belongs) is the client's fault, as REST's body
    // that does not parse: INVALID_ARGUMENT, never INTERNAL.
    let mut raw = tonic::client::Grpc::new(channel.clone());
    raw.ready().await.unwrap();
    let err = raw
        .unary(
            tonic::Request::new(GetActivityRequest { id: 1 }),
            tonic::codegen::http::uri::PathAndQuery::from_static("/shonen.v1.Shonen/GetProfile"),
            tonic_prost::ProstCodec::<GetActivityRequest, PublicProfile>::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    let info = err.get_error_details().error_info().cloned();
    assert_eq!(info.map(|i| i.reason).as_deref(), Some("malformed_message"));

    // Health follows readiness; reflection answers in v1 and v1alpha.
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let mut serving = false;
    for _ in 0..50 {
        let r = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: "shonen.v1.Shonen".into(),
            })
            .await
            .unwrap()
            .into_inner();
        if r.status == tonic_health::pb::health_check_response::ServingStatus::Serving as i32 {
            serving = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(serving, "health never SERVING");
    // Watch tells of changes: the status, then nothing while it holds (readiness is
    // checked every 2 s).
    let mut watch = health
        .watch(tonic_health::pb::HealthCheckRequest {
            service: "shonen.v1.Shonen".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let first = watch.message().await.unwrap().unwrap();
    assert_eq!(
        first.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    let more = tokio::time::timeout(Duration::from_millis(4500), watch.message()).await;
    assert!(more.is_err(), "told again of an unchanged status: {more:?}");

    use tonic_reflection::pb::{v1, v1alpha};
    let mut r1 = v1::server_reflection_client::ServerReflectionClient::new(channel.clone());
    let req = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(v1::server_reflection_request::MessageRequest::ListServices(
            String::new(),
        )),
    };
    let reply = r1
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await
        .unwrap()
        .into_inner()
        .next()
        .await
        .unwrap()
        .unwrap();
    let Some(v1::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        reply.message_response
    else {
        panic!("unexpected v1 reflection reply");
    };
    assert!(list.service.iter().any(|s| s.name == "shonen.v1.Shonen"));
    let mut ra = v1alpha::server_reflection_client::ServerReflectionClient::new(channel);
    let req = v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            v1alpha::server_reflection_request::MessageRequest::ListServices(String::new()),
        ),
    };
    let reply = ra
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await
        .unwrap()
        .into_inner()
        .next()
        .await
        .unwrap()
        .unwrap();
    let Some(v1alpha::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        reply.message_response
    else {
        panic!("unexpected v1alpha reflection reply");
    };
    let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"shonen.v1.Shonen"), "{names:?}");
    assert!(names.contains(&"grpc.health.v1.Health"), "{names:?}");
}

/// GetDashboard keeps its chart and recent activities encoded between calls:
/// each write (through either protocol, or a job) shows at once, and the reply
/// stays the REST dashboard's.
async fn grpc_dashboard_follows_every_write(b: Backend) {
    let app = TestApp::spawn(b).await;
    let mut c = client(&app).await;
    let (goku, _) = app.register("goku", [9, 0, 0]).await;
    let dashboard = |c: &mut Client| {
        let mut c = c.clone();
        let token = goku.clone();
        async move {
            c.get_dashboard(authed(GetDashboardRequest {}, &token))
                .await
                .unwrap()
                .into_inner()
        }
    };
    let empty = dashboard(&mut c).await;
    assert!(empty.recent.is_empty());
    assert_eq!(dashboard(&mut c).await, empty, "a second read is the same");

    // Through REST.
    let (s, run) = app
        .post(
            "/api/v1/activities",
            &goku,
            json!({"kind": "run", "distance_km": 5, "duration_min": 30}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{run}");
    let after_rest = dashboard(&mut c).await;
    assert_eq!(after_rest.recent.len(), 1);
    assert_eq!(
        after_rest.recent[0].id,
        run["activity"]["id"].as_i64().unwrap()
    );
    let this_week = after_rest.weekly.last().unwrap();
    assert_eq!(this_week.xp, run["activity"]["xp"].as_i64().unwrap());

    // Through gRPC.
    let study = c
        .log_activity(authed(
            LogActivityRequest {
                kind: "study".into(),
                duration_min: Some(40.0),
                ..Default::default()
            },
            &goku,
        ))
        .await
        .unwrap()
        .into_inner();
    let after_grpc = dashboard(&mut c).await;
    assert_eq!(after_grpc.recent.len(), 2);
    assert_eq!(after_grpc.recent[0].id, study.activity.unwrap().id);
    let (_, rest) = app.get("/api/v1/dashboard", &goku).await;
    assert_same("dashboard after writes", "", &rest, &to_json(&after_grpc));
    assert_eq!(dashboard(&mut c).await, after_grpc);
}

/// The streams of one HTTP/2 connection run beside each other (inside the
/// connection's task): an open `Subscribe` never holds back the calls sharing its
/// connection, 48 concurrent calls on one channel all answer, and the writes among
/// them reach the stream.
async fn one_connection_carries_a_stream_and_many_calls_at_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (goku, _) = app.register("goku", [9, 0, 0]).await;
    let c = client(&app).await;
    let mut stream = c
        .clone()
        .subscribe(authed(SubscribeRequest { since: None }, &goku))
        .await
        .unwrap()
        .into_inner();
    let calls = (0..48).map(|i| {
        let mut c = c.clone();
        let token = goku.clone();
        async move {
            if i % 8 == 0 {
                c.log_activity(authed(
                    LogActivityRequest {
                        kind: "study".into(),
                        duration_min: Some(20.0),
                        ..Default::default()
                    },
                    &token,
                ))
                .await
                .map(|_| ())
            } else {
                c.get_dashboard(authed(GetDashboardRequest {}, &token))
                    .await
                    .map(|_| ())
            }
        }
    });
    let results = tokio::time::timeout(
        Duration::from_secs(30),
        futures_util::future::join_all(calls),
    )
    .await
    .expect("every call answered while the stream stayed open");
    // Every read answers; the writes (6 of one player at once) may meet each other,
    // but at least one goes through and reaches the stream.
    let (writes, reads): (Vec<_>, Vec<_>) =
        results.iter().enumerate().partition(|(i, _)| i % 8 == 0);
    for (_, r) in &reads {
        assert!(r.is_ok(), "{r:?}");
    }
    assert!(writes.iter().any(|(_, r)| r.is_ok()), "{writes:?}");
    let award = grpc_event_of(&mut stream, "xp_awarded").await;
    assert_eq!(award.r#type, "xp_awarded");
}

/// `req` with the `idempotency-key` metadata entry `key` (and the bearer `token`).
fn keyed<T>(msg: T, token: &str, key: &str) -> tonic::Request<T> {
    let mut req = authed(msg, token);
    req.metadata_mut()
        .insert("idempotency-key", key.parse().unwrap());
    req
}

/// Register, CreateDuel, AcceptDuel and DeclineDuel take an `idempotency-key` as
/// REST's creating POSTs take `Idempotency-Key`: a retry gets the first answer and
/// changes nothing; the key sent with another request is refused.
async fn creating_calls_run_once_per_key(b: Backend) {
    let app = TestApp::spawn(b).await;
    let mut c = client(&app).await;
    let piccolo = || {
        register_request(
            "piccolo",
            Some(Goals {
                strength: 5,
                agility: 3,
                intelligence: 2,
            }),
        )
    };
    let reflected = |e: &Status| {
        e.get_error_details()
            .bad_request()
            .map(|b| b.field_violations[0].field.clone())
    };

    // Register: the retry is the same player, signed in afresh; another password
    // under the key is refused (it must not hand out the account); without the key
    // the name is taken.
    let first = c
        .register(keyed(piccolo(), "", "reg-1"))
        .await
        .unwrap()
        .into_inner();
    let again = c
        .register(keyed(piccolo(), "", "reg-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.player, again.player);
    assert_ne!(first.token, again.token);
    let me = c
        .get_me(authed(GetMeRequest {}, &again.token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(me.username, "piccolo");
    let mut other_password = piccolo();
    other_password.password = "another long password".into();
    let reused = c
        .register(keyed(other_password, "", "reg-1"))
        .await
        .unwrap_err();
    assert_eq!(reused.code(), Code::InvalidArgument, "{reused:?}");
    assert_eq!(reflected(&reused).as_deref(), Some("idempotency-key"));
    let taken = c.register(keyed(piccolo(), "", "reg-2")).await.unwrap_err();
    assert_eq!(taken.code(), Code::AlreadyExists, "{taken:?}");
    // A refusal is answered again as it was, with its details.
    let refused = c.register(keyed(piccolo(), "", "reg-2")).await.unwrap_err();
    assert_eq!(refused.code(), Code::AlreadyExists, "{refused:?}");
    assert_eq!(refused.message(), taken.message());
    assert_eq!(reflected(&refused), reflected(&taken));

    // CreateDuel: one duel however often it is sent.
    let (krillin, _) = app.register("krillin", [0, 9, 0]).await;
    let challenger = first.token;
    let challenge = || CreateDuelRequest {
        opponent: "krillin".into(),
    };
    let duel = c
        .create_duel(keyed(challenge(), &challenger, "duel-1"))
        .await
        .unwrap()
        .into_inner();
    let resent = c
        .create_duel(keyed(challenge(), &challenger, "duel-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(duel.id, resent.id);
    let (_, list) = app.get("/api/v1/duels", &challenger).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    // The REST retry of the same challenge under the key is the same duel.
    let resp = app
        .client
        .post(format!("{}/api/v1/duels", app.base))
        .bearer_auth(&challenger)
        .header("Idempotency-Key", "duel-1")
        .json(&json!({"opponent": "krillin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["id"], duel.id, "{v}");

    // AcceptDuel: the retry is the accepted duel, not "already accepted".
    let accepted = c
        .accept_duel(keyed(DuelRequest { id: duel.id }, &krillin, "acc-1"))
        .await
        .unwrap()
        .into_inner();
    let retried = c
        .accept_duel(keyed(DuelRequest { id: duel.id }, &krillin, "acc-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(accepted, retried);
    let unkeyed = c
        .accept_duel(authed(DuelRequest { id: duel.id }, &krillin))
        .await
        .unwrap_err();
    assert_eq!(unkeyed.code(), Code::FailedPrecondition, "{unkeyed:?}");
    // The key sent again for another duel is refused.
    let reused = c
        .decline_duel(keyed(DuelRequest { id: duel.id }, &krillin, "acc-1"))
        .await
        .unwrap_err();
    assert_eq!(reused.code(), Code::InvalidArgument, "{reused:?}");
    assert_eq!(reflected(&reused).as_deref(), Some("idempotency-key"));
    // A malformed key is refused before anything runs.
    let long = "k".repeat(201);
    let bad = c
        .register(keyed(register_request("gohan", piccolo().goals), "", &long))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument, "{bad:?}");
    let (status, _) = app
        .post(
            "/api/v1/auth/login",
            "",
            json!({"username": "gohan", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
