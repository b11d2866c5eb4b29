//! The contract's conventions on both backends: errors always in the envelope (404
//! for unknown `/api` paths, 405 for wrong methods), 422s naming their field in plain
//! words, non-object bodies refused, and the OpenAPI document (typed, validated,
//! identical to `shonen openapi`).

mod common;

use common::{Backend, TestApp, strength};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both_backends!(
    missing_and_mistyped_fields_are_named,
    bodies_that_are_not_objects_are_refused,
    integral_numbers_are_integers,
    unknown_paths_and_wrong_methods_answer_in_the_envelope,
    taken_username_and_email_name_the_username,
    openapi_document_is_complete,
);

/// Serde's and Rust's vocabulary, which must not reach a client.
fn assert_plain_words(e: &Value) {
    let message = e["error"]["message"].as_str().unwrap_or_default();
    for word in [
        "expected",
        "i64",
        "u32",
        "f64",
        "struct ",
        "invalid type",
        "sequence",
        "`",
        "elements",
    ] {
        assert!(
            !message.contains(word),
            "message {message:?} contains {word:?}"
        );
    }
    assert!(!message.is_empty(), "{e}");
}

async fn missing_and_mistyped_fields_are_named(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (token, _) = app.register("kenshiro", [5, 5, 5]).await;
    // An empty object names the first required field.
    for (path, field) in [
        ("/api/v1/activities", "kind"),
        ("/api/v1/duels", "opponent"),
        ("/api/v1/me/reclassify", "goals"),
    ] {
        let (s, e) = app.post(path, &token, json!({})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {e}");
        assert_eq!(e["error"]["details"]["field"], field, "{path}: {e}");
        assert_plain_words(&e);
    }
    let (s, e) = app
        .call(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({"username": "raoh", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"]["field"], "email");
    assert_plain_words(&e);

    // Wrong types, nested, named by their path.
    let mut body = strength(3, 60.0, 5, 30.0);
    body["sets"][2]["reps"] = json!("five");
    let (s, e) = app.post("/api/v1/activities", &token, body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"]["field"], "sets[2].reps");
    assert_plain_words(&e);
    let mut body = strength(3, 60.0, 5, 30.0);
    body["sets"][1]["reps"] = json!(-3);
    let (s, e) = app.post("/api/v1/activities", &token, body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"]["field"], "sets[1].reps");
    assert_plain_words(&e);
    let mut body = strength(2, 60.0, 5, 30.0);
    body["sets"][0].as_object_mut().unwrap().remove("exercise");
    let (s, e) = app.post("/api/v1/activities", &token, body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"]["field"], "sets[0].exercise");
    assert_plain_words(&e);
    // An exercise is named: not blank, not a novel.
    for name in [json!(""), json!("   "), json!("x".repeat(101))] {
        let mut body = strength(2, 60.0, 5, 30.0);
        body["sets"][1]["exercise"] = name.clone();
        let (s, e) = app.post("/api/v1/activities", &token, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {e}");
        assert_eq!(e["error"]["details"]["field"], "sets[1].exercise");
    }
    for (body, field) in [
        (
            json!({"kind": "run", "distance_km": "far", "duration_min": 30}),
            "distance_km",
        ),
        (json!({"kind": 7}), "kind"),
        (
            json!({"kind": "run", "occurred_at": "yesterday", "distance_km": 5, "duration_min": 30}),
            "occurred_at",
        ),
        (
            json!({"kind": "run", "sets": {"a": 1}, "distance_km": 5, "duration_min": 30}),
            "sets",
        ),
    ] {
        let (s, e) = app.post("/api/v1/activities", &token, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {e}");
        assert_eq!(e["error"]["details"]["field"], field, "{body}: {e}");
        assert_plain_words(&e);
    }
    let (s, e) = app
        .call(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({"username": "raoh", "email": "raoh@example.com",
                "password": "correct horse battery", "goals": {"strength": "lots", "agility": 1, "intelligence": 1}})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"]["field"], "goals.strength");
    assert_plain_words(&e);
    // NUL characters in any text are refused (PostgreSQL would fail on them).
    for (path, body, field) in [
        ("/api/v1/duels", json!({"opponent": "ra\0oh"}), "opponent"),
        (
            "/api/v1/activities",
            json!({"kind": "study", "duration_min": 30, "note": "a\0b"}),
            "note",
        ),
        (
            "/api/v1/auth/login",
            json!({"username": "kenshi\0ro", "password": "x"}),
            "username",
        ),
    ] {
        let (s, e) = app.post(path, &token, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {e}");
        assert_eq!(e["error"]["code"], "invalid_text", "{path}: {e}");
        assert_eq!(e["error"]["details"]["field"], field, "{path}: {e}");
    }
    // Members the contract does not define are ignored, whatever text they hold:
    // nothing reads them, so nothing stores them.
    let (s, e) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "kenshiro", "password": "correct horse battery", "x\0": "\u{1}", "y": {"\0": [1]}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (s, e) = app.get("/api/v1/players/ra%00oh", &token).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "invalid_text", "{e}");
    // Query parameters: an empty or out-of-range value is refused, not ignored.
    for (q, field) in [
        ("/api/v1/activities?before=0", "before"),
        ("/api/v1/activities?before=-4", "before"),
        ("/api/v1/activities?before=", "before"),
        ("/api/v1/ledger?before=0", "before"),
        ("/api/v1/ledger?limit=", "limit"),
        ("/api/v1/leaderboard?class=", "class"),
        ("/api/v1/leaderboard?limit=", "limit"),
        ("/api/v1/duels?status=", "status"),
    ] {
        let (s, e) = app.get(q, &token).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {e}");
        assert_eq!(e["error"]["details"]["field"], field, "{q}: {e}");
    }
    // Nothing was written by any of them.
    let (_, page) = app.get("/api/v1/activities", &token).await;
    assert_eq!(page["items"], json!([]));

    // An edit's sets name their exercises too.
    let (s, logged) = app
        .post("/api/v1/activities", &token, strength(2, 60.0, 5, 30.0))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{logged}");
    let edit = format!("/api/v1/activities/{}", logged["activity"]["id"]);
    let (s, e) = app
        .call(
            reqwest::Method::PATCH,
            &edit,
            Some(&token),
            Some(json!({"sets": [{"exercise": " ", "weight_kg": 60, "reps": 5}]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"]["field"], "sets[0].exercise");
}

async fn integral_numbers_are_integers(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (token, _) = app.register("kenshiro", [5, 5, 5]).await;
    // JSON Schema's integers include 9.0; the API takes them as integers.
    let (s, p) = app
        .post(
            "/api/v1/me/reclassify",
            &token,
            json!({"goals": {"strength": 9.0, "agility": 1.0, "intelligence": 0}}),
        )
        .await;
    assert!(s == StatusCode::OK || s == StatusCode::CONFLICT, "{s}: {p}");
    let mut body = strength(2, 60.0, 5, 30.0);
    body["sets"][0]["reps"] = json!(5.0);
    let (s, e) = app.post("/api/v1/activities", &token, body).await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    // A fraction is still refused.
    let mut body = strength(2, 60.0, 5, 30.0);
    body["sets"][0]["reps"] = json!(5.5);
    let (s, e) = app.post("/api/v1/activities", &token, body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["details"]["field"], "sets[0].reps");
}

async fn bodies_that_are_not_objects_are_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (token, _) = app.register("kenshiro", [5, 5, 5]).await;
    let array = json!(["raoh", "raoh@example.com", "correct horse battery", "UTC",
        {"strength": 5, "agility": 5, "intelligence": 5}]);
    for body in [array, json!("raoh"), json!(42), json!(null), json!(true)] {
        let (s, e) = app
            .call(
                Method::POST,
                "/api/v1/auth/register",
                None,
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {e}");
        assert_eq!(e["error"]["code"], "not_an_object", "{e}");
        let (s, e) = app.post("/api/v1/activities", &token, body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {e}");
    }
    // The array did not register anyone.
    let (s, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "raoh", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Malformed JSON is 400 too, without the parser's wording.
    let resp = app
        .client
        .post(format!("{}/api/v1/activities", app.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"kind\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"]["code"], "malformed_json");
    // A declared non-JSON type is 415.
    let resp = app
        .client
        .post(format!("{}/api/v1/activities", app.base))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{\"kind\": \"study\", \"duration_min\": 30}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"]["code"], "unsupported_media_type");
}

async fn envelope(app: &TestApp, method: Method, path: &str, token: &str) -> (StatusCode, Value) {
    let resp = app
        .client
        .request(method.clone(), format!("{}{}", app.base, path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_string())
        .unwrap_or_default();
    let text = resp.text().await.unwrap_or_default();
    if method == Method::HEAD {
        return (status, Value::Null);
    }
    assert!(
        ct.starts_with("application/json"),
        "{method} {path}: {status} {ct} {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert!(
        body["error"]["code"].is_string() && body["error"]["message"].is_string(),
        "{method} {path}: {body}"
    );
    (status, body)
}

async fn unknown_paths_and_wrong_methods_answer_in_the_envelope(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (token, _) = app.register("kenshiro", [5, 5, 5]).await;
    let all = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ];
    for path in ["/api/v1/nothing-here", "/api/v2/me", "/api/x"] {
        for m in all.clone() {
            let (s, body) = envelope(&app, m.clone(), path, &token).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{m} {path}: {body}");
            if m != Method::HEAD {
                assert_eq!(body["error"]["code"], "not_found");
            }
        }
    }
    for (path, wrong) in [
        (
            "/api/v1/dashboard",
            vec![
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
                Method::OPTIONS,
            ],
        ),
        (
            "/api/v1/me",
            vec![Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS],
        ),
        (
            "/api/v1/activities",
            vec![Method::PUT, Method::PATCH, Method::DELETE],
        ),
        (
            "/api/v1/auth/register",
            vec![
                Method::GET,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
                Method::HEAD,
            ],
        ),
        ("/api/v1/duels/1/accept", vec![Method::GET, Method::DELETE]),
        ("/api/openapi.json", vec![Method::POST, Method::DELETE]),
    ] {
        for m in wrong {
            let (s, body) = envelope(&app, m.clone(), path, &token).await;
            assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{m} {path}: {body}");
            if m != Method::HEAD {
                assert_eq!(body["error"]["code"], "method_not_allowed");
            }
        }
    }
    // HEAD of a GET route is served like the GET.
    let (s, _) = envelope(&app, Method::HEAD, "/api/v1/me", &token).await;
    assert_eq!(s, StatusCode::OK);
}

async fn taken_username_and_email_name_the_username(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.register("vegeta", [5, 5, 5]).await;
    app.register("trunks", [5, 5, 5]).await;
    let register = |username: &str, email: &str| {
        json!({"username": username, "email": email, "password": "correct horse battery",
            "goals": {"strength": 5, "agility": 5, "intelligence": 5}})
    };
    for (body, code) in [
        // Both taken (by two different players, and by one): the username is named.
        (register("vegeta", "trunks@example.com"), "username_taken"),
        (register("vegeta", "vegeta@example.com"), "username_taken"),
        (register("bulma", "vegeta@example.com"), "email_taken"),
        (register("vegeta", "bulma@example.com"), "username_taken"),
    ] {
        let (s, e) = app
            .call(
                Method::POST,
                "/api/v1/auth/register",
                None,
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}: {e}");
        assert_eq!(e["error"]["code"], code, "{body}: {e}");
    }
}

const PUBLIC_OPERATIONS: [&str; 4] = ["register", "login", "advance_clock", "get_avatar"];

async fn openapi_document_is_complete(b: Backend) {
    let app = TestApp::spawn(b).await;
    let resp = app
        .client
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc: Value = resp.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));

    // The same document from the command line.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shonen"))
        .arg("openapi")
        .env_clear()
        // The test servers run with the development clock.
        .env("SHONEN_DEV_CLOCK", "1")
        .output()
        .expect("shonen openapi runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(
        printed, doc,
        "`shonen openapi` differs from the served document"
    );

    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"],
        json!({"type": "http", "scheme": "bearer", "description": "the token from register or login"})
    );
    let error_ref = json!({"$ref": "#/components/schemas/ErrorBody"});
    let mut ids = std::collections::BTreeSet::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(!path.contains("/ws"), "the WebSocket route is left out");
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            assert!(!id.is_empty(), "{method} {path} has no operationId");
            assert!(ids.insert(id.clone()), "operationId {id} used twice");
            let secured = op.get("security").is_some();
            assert_eq!(
                secured,
                !PUBLIC_OPERATIONS.contains(&id.as_str()),
                "{id}: security"
            );
            let responses = op["responses"].as_object().unwrap();
            if secured {
                assert!(responses.contains_key("401"), "{id} lacks 401");
            }
            assert!(responses.contains_key("429"), "{id} lacks 429");
            for (status, r) in responses {
                let r = match r.get("$ref").and_then(Value::as_str) {
                    Some(name) => {
                        let name = name.rsplit('/').next().unwrap();
                        &doc["components"]["responses"][name]
                    }
                    None => r,
                };
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        r["content"]["application/json"]["schema"], error_ref,
                        "{id} {status}"
                    );
                } else if status != "204" && !status.starts_with('3') {
                    let content = r["content"].as_object();
                    assert!(
                        content.is_some_and(|c| c.values().all(|m| m.get("schema").is_some())),
                        "{id} {status} has no typed body: {r}"
                    );
                }
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                let schema = &p["schema"];
                match name {
                    "limit" => {
                        assert_eq!(schema["type"], "integer", "{id} limit");
                        assert_eq!(schema["minimum"], 1);
                        assert_eq!(schema["maximum"], 100);
                    }
                    "before" | "id" => assert_eq!(schema["type"], "integer", "{id} {name}"),
                    // Text in a path names something only in one form; the pattern
                    // says which (anything else is 404 or 422, never a 2xx).
                    "username" | "photo" => {
                        assert_eq!(schema["type"], "string", "{id} {name}");
                        assert!(schema["pattern"].is_string(), "{id} {name}: {schema}");
                    }
                    "status" | "scope" | "class" => {
                        let target = schema["$ref"].as_str().unwrap_or_default();
                        let name_of = target.rsplit('/').next().unwrap_or_default();
                        let resolved = &doc["components"]["schemas"][name_of];
                        assert!(resolved["enum"].is_array(), "{id} {name}: {schema}")
                    }
                    _ => {}
                }
            }
            if let Some(content) = op["requestBody"]["content"].as_object() {
                for (media, m) in content {
                    if media.starts_with("image/") {
                        assert_eq!(m["schema"], json!({"type": "string", "format": "binary"}));
                    }
                }
            }
        }
    }
    assert!(operations >= 27, "{operations} operations");
    let avatar = &doc["paths"]["/api/v1/me/avatar"]["put"]["requestBody"]["content"];
    for media in ["image/png", "image/jpeg", "image/webp"] {
        assert!(avatar.get(media).is_some(), "avatar body lacks {media}");
    }
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["Class"]["enum"],
        json!(["brawler", "speedster", "strategist", "balanced"])
    );
    assert_eq!(
        schemas["Player"]["properties"]["training_days"]["items"]["$ref"],
        "#/components/schemas/Weekday"
    );
    assert_eq!(
        schemas["Activity"]["properties"]["kind"]["$ref"],
        "#/components/schemas/ActivityKind"
    );
    assert_eq!(
        schemas["Duel"]["properties"]["status"]["$ref"],
        "#/components/schemas/DuelStatus"
    );
    // Request fields whose every schema-valid value the server accepts: time zones
    // are the tz database's names (not any string), an opponent is not empty.
    let zones = schemas["Timezone"]["enum"]
        .as_array()
        .expect("Timezone enum");
    assert!(zones.len() > 400 && zones.contains(&json!("Europe/Berlin")));
    for input in ["RegisterInput", "SettingsInput"] {
        let tz = &schemas[input]["properties"]["timezone"];
        assert!(
            tz.to_string().contains("#/components/schemas/Timezone"),
            "{input}.timezone: {tz}"
        );
    }
    assert_eq!(
        schemas["ChallengeInput"]["properties"]["opponent"]["minLength"],
        1
    );
    // Free text carries the clean-text pattern (no control characters but tab and
    // line breaks), as the server refuses them.
    for (schema, property) in [
        ("ActivityBody", "style"),
        ("ActivityBody", "woke_at"),
        ("ActivityBody", "note"),
        ("SetView", "exercise"),
        ("ChallengeInput", "opponent"),
    ] {
        assert_eq!(
            schemas[schema]["properties"][property]["pattern"],
            r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]*$",
            "{schema}.{property}"
        );
    }

    validate_with_standard_validator(&doc);
}

/// Runs PyPI's `openapi-spec-validator` on the document when it is installed (in the
/// venv `scripts/test` prepares, `SHONEN_TEST_OPENAPI_VALIDATOR`); with
/// `SHONEN_TEST_REQUIRE_SCHEMATHESIS` set, a missing validator fails the test.
fn validate_with_standard_validator(doc: &Value) {
    let validator = std::env::var("SHONEN_TEST_OPENAPI_VALIDATOR").ok();
    let Some(validator) = validator.filter(|v| std::path::Path::new(v).exists()) else {
        assert!(
            std::env::var_os("SHONEN_TEST_REQUIRE_SCHEMATHESIS").is_none(),
            "SHONEN_TEST_OPENAPI_VALIDATOR must name openapi-spec-validator"
        );
        eprintln!("openapi-spec-validator not available: standard validation skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec(doc).unwrap()).unwrap();
    let out = std::process::Command::new(validator)
        .arg(&file)
        .output()
        .expect("the validator runs");
    assert!(
        out.status.success(),
        "openapi-spec-validator: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
