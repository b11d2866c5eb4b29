//! Security hardening, end to end against the real service: logout and expiry
//! close WebSockets (on every instance), invalid text is 422 on every path and
//! field, browser headers and compressed static files, one secret per database,
//! and the client address behind trusted proxies.

mod common;

use common::{Backend, TestApp};
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

both_backends!(
    logout_and_expiry_close_websockets,
    invalid_text_is_422_everywhere,
    instances_on_one_database_share_the_secret,
);

async fn ws_connect(app: &TestApp, token: &str) -> Ws {
    let url = format!(
        "{}/api/v1/ws?token={token}",
        app.base.replacen("http", "ws", 1)
    );
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects");
    ws
}

/// Reads the socket for up to `wait`: `Ok(close code)` when it closes, else
/// `Err(event type)` once an event of type `kind` arrives (other events skipped).
async fn next_outcome(ws: &mut Ws, kind: &str, wait: Duration) -> Result<u16, String> {
    let r = tokio::time::timeout(wait, async {
        while let Some(msg) = ws.next().await {
            match msg {
                Ok(Message::Close(frame)) => return Ok(frame.map_or(1005, |f| u16::from(f.code))),
                Ok(Message::Text(t)) => {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == kind {
                        return Err(kind.to_string());
                    }
                }
                Ok(_) => {}
                Err(e) => return Err(format!("socket error: {e}")),
            }
        }
        Ok(1006)
    })
    .await;
    r.unwrap_or_else(|_| Err("nothing within the wait".into()))
}

const WAIT: Duration = Duration::from_secs(10);

async fn login(app: &TestApp, username: &str) -> String {
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": username, "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_string()
}

async fn logout(app: &TestApp, token: &str) {
    let (status, body) = app
        .call(Method::POST, "/api/v1/auth/logout", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

/// Logout closes the sockets opened with that token (1008) and no other; a token
/// that expires closes its sockets too.
async fn logout_and_expiry_close_websockets(be: Backend) {
    let app = TestApp::spawn(be).await;
    let (t1, player) = app.register("naruto", [3, 3, 3]).await;
    let naruto = player["id"].as_i64().unwrap();
    let (rival, _) = app.register("sasuke", [3, 3, 3]).await;
    let t2 = login(&app, "naruto").await;
    let mut ws1 = ws_connect(&app, &t1).await;
    let mut ws2 = ws_connect(&app, &t2).await;
    // Both are registered before the logout (an event reaches both).
    let (s, _) = app
        .post(
            "/api/v1/activities",
            &t2,
            common::strength(1, 40.0, 5, 20.0),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        next_outcome(&mut ws1, "xp_awarded", WAIT).await,
        Err("xp_awarded".into())
    );
    assert_eq!(
        next_outcome(&mut ws2, "xp_awarded", WAIT).await,
        Err("xp_awarded".into())
    );

    logout(&app, &t1).await;
    assert_eq!(
        next_outcome(&mut ws1, "none", WAIT).await,
        Ok(1008),
        "the logged-out token's socket closes"
    );
    let (s, _) = app
        .post("/api/v1/duels", &rival, json!({"opponent": "naruto"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        next_outcome(&mut ws2, "duel_challenged", WAIT).await,
        Err("duel_challenged".into()),
        "the other token's socket stays open"
    );

    // Expiry: 31 days later the token is dead; its socket closes instead of
    // receiving the next event.
    app.state.clock.age_sessions(31 * 86_400);
    app.state
        .events
        .publish(naruto, "streak", json!({"streak": 0}));
    assert_eq!(
        next_outcome(&mut ws2, "none", WAIT).await,
        Ok(1008),
        "an expired token's socket closes"
    );
}

/// Two instances on one PostgreSQL and one Redis: a logout on A closes the socket
/// held by B.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_closes_sockets_on_every_instance() {
    let Some(redis) = common::redis_url() else {
        eprintln!("skipping: SHONEN_TEST_REDIS_URL not set");
        return;
    };
    if common::postgres_admin_url().is_none() {
        return;
    }
    let prefix = common::unique_prefix();
    let (url, p2) = (redis.clone(), prefix.clone());
    let a = TestApp::spawn_with(Backend::Postgres, move |c| {
        c.redis_url = Some(url);
        c.redis_prefix = p2;
    })
    .await;
    let mut cfg = common::config(&a.database_url, &a.data_dir);
    cfg.redis_url = Some(redis);
    cfg.redis_prefix = prefix;
    let b = TestApp::start(cfg, Backend::Postgres).await;

    let (t1, _) = a.register("luffy", [3, 3, 3]).await;
    let t2 = login(&a, "luffy").await;
    let mut on_b = ws_connect(&b, &t1).await;
    let mut other_on_b = ws_connect(&b, &t2).await;
    // Subscribed on B (an event posted to A arrives there).
    let (s, _) = a
        .post(
            "/api/v1/activities",
            &t1,
            common::strength(1, 40.0, 5, 20.0),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        next_outcome(&mut on_b, "xp_awarded", WAIT).await,
        Err("xp_awarded".into())
    );
    assert_eq!(
        next_outcome(&mut other_on_b, "xp_awarded", WAIT).await,
        Err("xp_awarded".into())
    );
    logout(&a, &t1).await;
    assert_eq!(
        next_outcome(&mut on_b, "none", WAIT).await,
        Ok(1008),
        "closed on B by a logout on A"
    );
    let (s, _) = a
        .post(
            "/api/v1/activities",
            &t2,
            common::strength(1, 40.0, 5, 20.0),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        next_outcome(&mut other_on_b, "xp_awarded", WAIT).await,
        Err("xp_awarded".into()),
        "the other token's socket on B stays open"
    );
}

async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = app.client.request(method, format!("{}{}", app.base, path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or_default())
}

fn assert_422(status: StatusCode, body: &Value, field: &str, what: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
    assert_eq!(body["error"]["details"]["field"], field, "{what}: {body}");
}

/// NUL (and other control characters, and broken UTF-8 in URLs) is 422 naming the
/// field, with or without a token, before any storage sees it.
async fn invalid_text_is_422_everywhere(be: Backend) {
    let app = TestApp::spawn(be).await;
    let (token, _) = app.register("kakashi", [3, 3, 3]).await;
    let post = |path: &'static str, body: Value, token: Option<String>| {
        let app = &app;
        async move {
            app.call(Method::POST, path, token.as_deref(), Some(body))
                .await
        }
    };
    // Unauthenticated bodies.
    let (s, b) = post(
        "/api/v1/auth/login",
        json!({"username": "ab\u{0}c", "password": "whatever at all"}),
        None,
    )
    .await;
    assert_422(s, &b, "username", "login username");
    let (s, b) = post(
        "/api/v1/auth/login",
        json!({"username": "kakashi", "password": "pass\u{0}word123"}),
        None,
    )
    .await;
    assert_422(s, &b, "password", "login password");
    let register = |field: &str, value: &str| {
        let mut v = json!({
            "username": "obito", "email": "obito@example.com",
            "password": "correct horse battery", "timezone": "UTC",
            "goals": {"strength": 3, "agility": 3, "intelligence": 3},
        });
        v[field] = json!(value);
        v
    };
    for field in ["username", "email", "password", "timezone"] {
        let (s, b) = post(
            "/api/v1/auth/register",
            register(field, "x\u{0}yyyyyyyyyyy"),
            None,
        )
        .await;
        assert_422(s, &b, field, field);
    }
    // Authenticated bodies: duel opponent, activity note and sets, settings.
    let t = Some(token.clone());
    let (s, b) = post("/api/v1/duels", json!({"opponent": "ri\u{0}n"}), t.clone()).await;
    assert_422(s, &b, "opponent", "duel opponent");
    let mut act = common::strength(2, 40.0, 5, 20.0);
    act["sets"][1]["exercise"] = json!("squ\u{0}at");
    let (s, b) = post("/api/v1/activities", act, t.clone()).await;
    assert_422(s, &b, "sets[1].exercise", "set exercise");
    let mut act = common::strength(1, 40.0, 5, 20.0);
    act["note"] = json!("bell\u{7}");
    let (s, b) = post("/api/v1/activities", act, t.clone()).await;
    assert_422(s, &b, "note", "control character in a note");
    let (s, b) = app
        .call(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(json!({"timezone": "Europe/\u{0}Berlin"})),
        )
        .await;
    assert_422(s, &b, "timezone", "settings");
    // Paths and query strings, with and without a token.
    for path in [
        "/api/v1/players/ab%00c",
        "/api/v1/players/ab%00c/avatar",
        "/api/v1/players/ab%FFc",
        "/api/v1/duels/1%00",
    ] {
        let (s, b) = raw(&app, Method::GET, path, None).await;
        assert_422(s, &b, "path", path);
    }
    let (s, b) = raw(
        &app,
        Method::GET,
        "/api/v1/activities?before=1%00",
        Some(&token),
    )
    .await;
    assert_422(s, &b, "before", "query string");
    let (s, b) = raw(&app, Method::GET, "/api/v1/ws?token=%00", None).await;
    assert_422(s, &b, "token", "websocket token");
    // Clean text still works, nothing was written by the refused requests.
    let (s, _) = raw(&app, Method::GET, "/api/v1/players/kakashi", Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    let (_, list) = raw(&app, Method::GET, "/api/v1/activities", Some(&token)).await;
    assert_eq!(list["items"], json!([]));
}

/// With no `SHONEN_SECRET`, instances on one database agree on the secret kept in
/// it, even when they start at the same moment, so a token from one works on the
/// other.
async fn instances_on_one_database_share_the_secret(be: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database(be, dir.path()).await;
    // Schema first, then two instances racing to store the secret.
    shonen_server::storage::Store::open(&url)
        .await
        .expect("migrate")
        .close()
        .await;
    let config = |sub: &str| {
        let data = dir.path().join(sub);
        std::fs::create_dir_all(&data).unwrap();
        let mut cfg = common::config(&url, &data);
        cfg.secret = None;
        cfg
    };
    let (a, b) = tokio::join!(
        TestApp::start(config("a"), be),
        TestApp::start(config("b"), be)
    );
    let (token, _) = a.register("itachi", [3, 3, 3]).await;
    let (status, body) = b.get("/api/v1/me", &token).await;
    assert_eq!(status, StatusCode::OK, "A's token on B: {body}");
    let (token, _) = b.register("shisui", [3, 3, 3]).await;
    let (status, _) = a.get("/api/v1/me", &token).await;
    assert_eq!(status, StatusCode::OK, "B's token on A");
    // Neither wrote a secret file of its own: the database holds the one secret.
    assert!(!dir.path().join("a/secret").exists() && !dir.path().join("b/secret").exists());
}

/// An older install kept its generated secret in `<data dir>/secret`: the first
/// start moves it into the database, so tokens issued before keep working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_file_of_an_older_install_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database(Backend::Sqlite, dir.path()).await;
    let old_secret = "ab".repeat(32);
    std::fs::write(dir.path().join("secret"), format!("{old_secret}\n")).unwrap();
    // What the older version did with that file: hash tokens with it.
    let mut cfg = common::config(&url, dir.path());
    cfg.secret = Some(old_secret.clone());
    let mut old = TestApp::start(cfg, Backend::Sqlite).await;
    let (token, _) = old.register("jiraiya", [3, 3, 3]).await;
    old.stop().await;
    drop(old);
    let mut cfg = common::config(&url, dir.path());
    cfg.secret = None;
    let new = TestApp::start(cfg, Backend::Sqlite).await;
    let (status, body) = new.get("/api/v1/me", &token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        new.state.store.state("token_secret").await.unwrap(),
        Some(old_secret)
    );
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; \
    manifest-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'none'";

/// `nosniff` on every kind of response; the page policy on the web app; static
/// files compressed (brotli, gzip) and cached by whether their name is hashed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_headers_and_compressed_static_files() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let get = |path: String, accept: Option<&'static str>| {
        let app = &app;
        async move {
            let mut req = app.client.get(format!("{}{path}", app.base));
            if let Some(a) = accept {
                req = req.header("accept-encoding", a);
            }
            let resp = req.send().await.unwrap();
            let (s, h) = (resp.status(), resp.headers().clone());
            (s, h, resp.bytes().await.unwrap().to_vec())
        }
    };
    for path in [
        "/healthz",
        "/metrics",
        "/api/v1/me",
        "/api/v1/nope",
        "/api/v1/players/nobody",
        "/api/openapi.json",
        "/",
        "/some/app/route",
    ] {
        let (s, h, _) = get(path.to_string(), None).await;
        assert_eq!(
            header(&h, "x-content-type-options"),
            "nosniff",
            "{path} ({s})"
        );
    }
    let (s, h, page) = get("/".into(), Some("gzip, br")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(header(&h, "content-security-policy"), CSP);
    assert_eq!(
        header(&h, "referrer-policy"),
        "strict-origin-when-cross-origin"
    );
    assert_eq!(header(&h, "cache-control"), "no-cache");
    let page = match header(&h, "content-encoding") {
        "br" => decompress_br(&page),
        "gzip" => decompress_gzip(&page),
        _ => page,
    };
    let page = String::from_utf8(page).unwrap();
    assert!(!page.contains("<script>"), "no inline script in the page");
    // The hashed bundle the page loads.
    let js = page
        .split('"')
        .find(|s| s.starts_with("/assets/") && s.ends_with(".js"))
        .expect("the page loads a hashed script")
        .to_string();
    let (_, h, plain) = get(js.clone(), None).await;
    assert_eq!(header(&h, "content-encoding"), "");
    assert_eq!(
        header(&h, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&h, "content-type").contains("javascript"));
    // Compressed in the background from start-up: ready within moments.
    let mut tries = 0;
    let (h, br) = loop {
        let (_, h, br) = get(js.clone(), Some("gzip, deflate, br")).await;
        if header(&h, "content-encoding") == "br" || tries == 300 {
            break (h, br);
        }
        tries += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(header(&h, "content-encoding"), "br");
    assert_eq!(header(&h, "vary"), "accept-encoding");
    assert_eq!(decompress_br(&br), plain);
    assert!(
        br.len() < plain.len() / 2,
        "{} of {}",
        br.len(),
        plain.len()
    );
    let mut tries = 0;
    let (h, gz) = loop {
        let (_, h, gz) = get(js.clone(), Some("gzip")).await;
        if header(&h, "content-encoding") == "gzip" || tries == 300 {
            break (h, gz);
        }
        tries += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(header(&h, "content-encoding"), "gzip");
    assert_eq!(header(&h, "x-content-type-options"), "nosniff");
    assert_eq!(decompress_gzip(&gz), plain);
    // Small text files too (the manifest is a few hundred bytes).
    let (_, _, plain) = get("/manifest.webmanifest".into(), None).await;
    let mut tries = 0;
    let (h, gz) = loop {
        let (_, h, gz) = get("/manifest.webmanifest".into(), Some("gzip")).await;
        if header(&h, "content-encoding") == "gzip" || tries == 300 {
            break (h, gz);
        }
        tries += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(header(&h, "content-encoding"), "gzip");
    assert!(plain.len() < 1024, "{}", plain.len());
    assert_eq!(decompress_gzip(&gz), plain);
}

fn decompress_br(b: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    brotli::Decompressor::new(b, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn decompress_gzip(b: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The edges of the service answer in the contract's format: `/api` itself, methods
/// the web UI does not take, a missing build file, too many header fields, a made-up
/// method (which must not add a metrics series per name), a 401's scheme, an empty
/// image.
#[tokio::test]
async fn the_edges_answer_in_the_contracts_format() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let send = |method: &str, path: &str| {
        let req = app.client.request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{path}", app.base),
        );
        async move {
            let resp = req.send().await.unwrap();
            let (s, h) = (resp.status(), resp.headers().clone());
            (s, h, resp.json::<Value>().await.unwrap_or_default())
        }
    };
    let cases = [
        ("GET", "/api", StatusCode::NOT_FOUND, "not_found"),
        ("GET", "/api/", StatusCode::NOT_FOUND, "not_found"),
        ("POST", "/api", StatusCode::NOT_FOUND, "not_found"),
        ("DELETE", "/api/", StatusCode::NOT_FOUND, "not_found"),
        (
            "POST",
            "/",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            "DELETE",
            "/favicon.svg",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            "PUT",
            "/some/app/route",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        ("GET", "/assets/nope.js", StatusCode::NOT_FOUND, "not_found"),
        (
            "PVYRGHVUEGML",
            "/api/v1/me",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            "PVYRGHVUEGML",
            "/",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    for (method, path, status, code) in cases {
        let (s, h, body) = send(method, path).await;
        assert_eq!(s, status, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], code, "{method} {path}: {body}");
        assert_eq!(header(&h, "x-content-type-options"), "nosniff");
        if s == StatusCode::METHOD_NOT_ALLOWED && !path.starts_with("/api") {
            assert_eq!(header(&h, "allow"), "GET, HEAD", "{method} {path}");
        }
    }
    // The app's pages and files are still there.
    let (s, _, _) = send("GET", "/some/app/route").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = send("HEAD", "/").await;
    assert_eq!(s, StatusCode::OK);

    let (_, metrics) = app.call(Method::GET, "/metrics", None, None).await;
    let text = metrics.as_str().unwrap_or_default();
    assert!(
        !text.contains("PVYRGHVUEGML"),
        "a made-up method became a label"
    );
    assert!(text.contains("method=\"other\""), "{text}");

    // 101 header fields: 431 in the contract's body (hyper alone would send none).
    let mut req = app.client.get(format!("{}/api/v1/me", app.base));
    for i in 0..101 {
        req = req.header(format!("x-filler-{i}"), "1");
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(header(resp.headers(), "x-content-type-options"), "nosniff");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_headers", "{body}");

    // A 401 names the scheme (RFC 6750).
    let (s, h, _) = send("GET", "/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(header(&h, "www-authenticate").starts_with("Bearer"));

    // An empty image is a 422 that names its field, as every 422 does.
    let (token, _) = app.register("framer", [1, 1, 9]).await;
    let resp = app
        .client
        .put(format!("{}/api/v1/me/avatar", app.base))
        .bearer_auth(&token)
        .header("content-type", "image/png")
        .body(Vec::<u8>::new())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["details"]["field"], "image", "{body}");
}

/// Behind a trusted proxy each forwarded client has its own budget; an untrusted
/// peer's `X-Forwarded-For` is ignored (it cannot buy itself a fresh budget).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_clients_are_believed_only_from_trusted_proxies() {
    for trusted in [true, false] {
        let app = TestApp::spawn_with(Backend::Sqlite, move |c| {
            c.rate_limit_per_minute = 3;
            if trusted {
                c.trusted_proxies = shonen_server::config::parse_cidrs("127.0.0.1/32").unwrap();
            }
        })
        .await;
        let hit = |xff: &'static str| {
            let app = &app;
            async move {
                app.client
                    .get(format!("{}/api/v1/players/nobody/avatar", app.base))
                    .header("x-forwarded-for", xff)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        for _ in 0..3 {
            assert_eq!(hit("203.0.113.1").await, StatusCode::NOT_FOUND);
        }
        assert_eq!(hit("203.0.113.1").await, StatusCode::TOO_MANY_REQUESTS);
        // Another client behind the proxy (the forged left entry is not believed).
        let other = hit("203.0.113.1, 198.51.100.7").await;
        if trusted {
            assert_eq!(other, StatusCode::NOT_FOUND, "a different client");
            // …and the forged entry did not count for 203.0.113.1's budget.
            assert_eq!(hit("203.0.113.1").await, StatusCode::TOO_MANY_REQUESTS);
        } else {
            assert_eq!(
                other,
                StatusCode::TOO_MANY_REQUESTS,
                "same peer, same budget"
            );
        }
    }
}

/// An IPv6 client holds a whole /64: its addresses share one budget (requests and
/// registrations alike), so rotating through them buys nothing; another /64 is
/// another client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ipv6_client_is_its_64() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.registrations_per_hour = 2;
        c.trusted_proxies = shonen_server::config::parse_cidrs("127.0.0.1/32").unwrap();
    })
    .await;
    let register = |n: u32, xff: String| {
        let app = &app;
        async move {
            app.client
                .post(format!("{}/api/v1/auth/register", app.base))
                .header("x-forwarded-for", xff)
                .json(&json!({
                    "username": format!("hopper{n}"),
                    "email": format!("hopper{n}@example.com"),
                    "password": "correct horse battery",
                    "goals": {"strength": 1, "agility": 1, "intelligence": 1}
                }))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for n in 1..=2 {
        let s = register(n, format!("2001:db8:7:7::{n}")).await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let s = register(3, "2001:db8:7:7:abcd::3".into()).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "the same /64");
    let s = register(4, "2001:db8:7:8::1".into()).await;
    assert_eq!(s, StatusCode::CREATED, "another /64");
}
