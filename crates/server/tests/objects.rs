//! Object storage, the same suite against the local directory and against a real S3
//! API (the `moto` server that `scripts/test` starts on loopback and names in
//! `SHONEN_TEST_S3_ENDPOINT`): raw put/get, then through the service: a duel's
//! replay uploaded and downloaded, avatars and activity photos with their limits.

mod common;

use bytes::Bytes;
use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;
use shonen_server::objects::{Objects, S3Settings};
use std::time::Duration;

/// The S3 API to test against. With `SHONEN_TEST_REQUIRE_S3=1` (CI) a missing one
/// is a failure, never a silent skip.
fn s3_endpoint() -> Option<String> {
    let ep = std::env::var("SHONEN_TEST_S3_ENDPOINT")
        .ok()
        .filter(|s| !s.is_empty());
    if ep.is_none() {
        if std::env::var("SHONEN_TEST_REQUIRE_S3").as_deref() == Ok("1") {
            panic!("SHONEN_TEST_REQUIRE_S3=1 but SHONEN_TEST_S3_ENDPOINT is not set");
        }
        eprintln!(
            "skipping S3 variant: SHONEN_TEST_S3_ENDPOINT not set (scripts/test starts moto)"
        );
    }
    ep
}

fn s3_settings(endpoint: &str) -> S3Settings {
    S3Settings {
        endpoint: Some(endpoint.to_string()),
        region: Some("us-east-1".into()),
        access_key_id: Some("testing".into()),
        secret_access_key: Some("testing".into()),
    }
}

/// A fresh bucket on the S3 test server; returns its `s3://bucket/prefix` URL.
async fn fresh_bucket(endpoint: &str) -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let bucket = format!("shonen-test-{}-{n}", std::process::id());
    let resp = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("S3 test server reachable");
    assert!(
        resp.status().is_success(),
        "create bucket: {}",
        resp.status()
    );
    format!("s3://{bucket}/objects")
}

#[derive(Clone, Copy, Debug)]
enum Where {
    Local,
    S3,
}

/// The object store and the config tweak for one variant (None: skipped).
async fn target(w: Where, dir: &std::path::Path) -> Option<(String, S3Settings)> {
    match w {
        Where::Local => Some((
            dir.join("objs").display().to_string(),
            S3Settings::default(),
        )),
        Where::S3 => {
            let ep = s3_endpoint()?;
            Some((fresh_bucket(&ep).await, s3_settings(&ep)))
        }
    }
}

async fn put_get_round_trip(w: Where) {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, s3)) = target(w, dir.path()).await else {
        return;
    };
    let o = Objects::open(&url, dir.path(), &s3).unwrap();
    assert!(o.get("replays/1.json").await.unwrap().is_none());
    o.put("replays/1.json", Bytes::from_static(b"{\"a\":1}"))
        .await
        .unwrap();
    assert_eq!(o.get("replays/1.json").await.unwrap().unwrap(), "{\"a\":1}");
    // Overwrites replace; binary survives; keys do not collide.
    let binary: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    o.put("replays/1.json", Bytes::from_static(b"{}"))
        .await
        .unwrap();
    o.put("avatars/1", binary.clone().into()).await.unwrap();
    assert_eq!(o.get("replays/1.json").await.unwrap().unwrap(), "{}");
    assert_eq!(o.get("avatars/1").await.unwrap().unwrap(), binary);
    assert!(o.get("avatars/2").await.unwrap().is_none());
}

/// A real image of `w`×`h` (noise, so it does not compress), PNG or JPEG.
fn image_bytes(w: u32, h: u32, format: image::ImageFormat) -> Vec<u8> {
    let mut seed = 0x2545_f491_u32;
    let img = image::RgbImage::from_fn(w, h, |_, _| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        image::Rgb([seed as u8, (seed >> 8) as u8, (seed >> 16) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn png() -> Vec<u8> {
    image_bytes(32, 24, image::ImageFormat::Png)
}

fn jpeg() -> Vec<u8> {
    image_bytes(32, 24, image::ImageFormat::Jpeg)
}

/// GET without any credentials, as an `<img src>` or `fetch` would.
async fn get_public(
    app: &TestApp,
    url: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let url = if url.starts_with("http") {
        url.to_string()
    } else {
        format!("{}{}", app.base, url)
    };
    let mut req = app.client.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let h = resp.headers().clone();
    (status, h, resp.bytes().await.unwrap().to_vec())
}

async fn put_body(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let resp = app
        .client
        .request(method, format!("{}{}", app.base, path))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or_default())
}

async fn get_raw(app: &TestApp, path: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = app
        .client
        .get(format!("{}{}", app.base, path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, resp.bytes().await.unwrap().to_vec())
}

async fn service_stores_replays_avatars_and_photos(w: Where) {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, s3)) = target(w, dir.path()).await else {
        return;
    };
    let endpoint = s3.endpoint.clone();
    let app = TestApp::spawn_with(Backend::Sqlite, move |cfg| {
        cfg.object_store_url = url;
        cfg.s3 = s3;
    })
    .await;
    // With S3, the page policy lets images and replays come from the bucket's origin.
    let (_, h, _) = get_public(&app, "/", &[]).await;
    let csp = h["content-security-policy"].to_str().unwrap();
    match &endpoint {
        Some(ep) => {
            let origin = ep.trim_end_matches('/');
            assert!(
                csp.contains(&format!("img-src 'self' data: blob: {origin};")),
                "{csp}"
            );
            assert!(
                csp.contains(&format!("connect-src 'self' {origin};")),
                "{csp}"
            );
        }
        None => assert!(csp.contains("img-src 'self' data: blob:;"), "{csp}"),
    }
    let (a, _) = app.register("ichigo", [8, 2, 2]).await;
    let (b, _) = app.register("rukia", [2, 8, 2]).await;

    // A duel's replay is uploaded by the battle job and downloaded by both players.
    let (_, d) = app
        .post("/api/v1/duels", &a, json!({"opponent": "rukia"}))
        .await;
    let id = d["id"].as_i64().unwrap();
    let (status, _) = app
        .post(&format!("/api/v1/duels/{id}/accept"), &b, json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let mut done = json!(null);
    for _ in 0..200 {
        let (_, v) = app.get(&format!("/api/v1/duels/{id}"), &a).await;
        if v["status"] == "resolved" {
            done = v;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done["status"], "resolved", "duel resolved");
    for t in [&a, &b] {
        let (status, replay) = app.get(&format!("/api/v1/duels/{id}/replay"), t).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(replay["battle"]["rounds"], done["rounds"]);
        assert_eq!(replay["battle"]["winner_username"], done["winner"]);
    }
    // replay_url is a signed link that needs no token.
    let replay_url = done["replay_url"].as_str().unwrap().to_string();
    let (status, h, bytes) = get_public(&app, &replay_url, &[]).await;
    assert_eq!(status, StatusCode::OK, "{replay_url}");
    let replay: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(replay["battle"]["rounds"], done["rounds"]);
    if matches!(w, Where::Local) {
        assert_eq!(h["content-type"], "application/json");
    }
    check_link_lifetime(w, &replay_url);
    let raw = app
        .state
        .objects
        .get(&format!("replays/{id}.json"))
        .await
        .unwrap()
        .expect("replay under replays/<id>.json");
    assert!(raw.starts_with(b"{"));

    // Avatars: decoded and re-encoded (opaque → JPEG), public, with an ETag.
    let (status, body) = put_body(&app, reqwest::Method::PUT, "/api/v1/me/avatar", &a, png()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["avatar_url"], "/api/v1/players/ichigo/avatar");
    assert_eq!(
        app.me(&a).await["avatar_url"],
        "/api/v1/players/ichigo/avatar"
    );
    let (_, profile) = app.get("/api/v1/players/ichigo", &b).await;
    assert_eq!(profile["avatar_url"], "/api/v1/players/ichigo/avatar");
    let (_, profile) = app.get("/api/v1/players/rukia", &a).await;
    assert_eq!(profile["avatar_url"], json!(null));
    let (status, h, bytes) = get_public(&app, "/api/v1/players/ichigo/avatar", &[]).await;
    assert_eq!(status, StatusCode::OK, "no token needed");
    assert_eq!(h["content-type"], "image/jpeg");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["cache-control"].to_str().unwrap().contains("public"));
    let first = image::load_from_memory(&bytes).unwrap();
    assert_eq!((first.width(), first.height()), (32, 24));
    let etag = h["etag"].to_str().unwrap().to_string();
    let (status, h, bytes) = get_public(
        &app,
        "/api/v1/players/ichigo/avatar",
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert_eq!(h["etag"].to_str().unwrap(), etag);
    assert!(bytes.is_empty());
    // A new avatar: the old validator no longer matches.
    let (status, _) = put_body(&app, reqwest::Method::PUT, "/api/v1/me/avatar", &a, jpeg()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, h, _) = get_public(
        &app,
        "/api/v1/players/ichigo/avatar",
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(h["etag"].to_str().unwrap(), etag);
    let (status, body) = put_body(
        &app,
        reqwest::Method::PUT,
        "/api/v1/me/avatar",
        &a,
        b"GIF89a....".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["error"]["code"], "unsupported_image_type");
    // A JPEG by its first bytes that does not decode: 422 naming the image.
    let mut cut = jpeg();
    cut.truncate(40);
    let (status, body) = put_body(&app, reqwest::Method::PUT, "/api/v1/me/avatar", &a, cut).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_image");
    assert_eq!(body["error"]["details"]["field"], "image");
    let (status, body) =
        put_body(&app, reqwest::Method::PUT, "/api/v1/me/avatar", &a, vec![]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Bigger than the 1 MiB JSON limit is fine for images; bigger than 5 MiB is not.
    let big = image_bytes(900, 800, image::ImageFormat::Png);
    assert!(big.len() > 1024 * 1024);
    let (status, body) = put_body(&app, reqwest::Method::PUT, "/api/v1/me/avatar", &a, big).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, bytes) = get_public(&app, "/api/v1/players/ichigo/avatar", &[]).await;
    let thumb = image::load_from_memory(&bytes).unwrap();
    assert_eq!(thumb.width(), 256, "a thumbnail");
    assert!((227..=228).contains(&thumb.height()), "{}", thumb.height());
    let mut huge = png();
    huge.resize(5 * 1024 * 1024 + 1, 7);
    let (status, body) = put_body(&app, reqwest::Method::PUT, "/api/v1/me/avatar", &a, huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    // Refused from its Content-Length, before the body is read (http/guard.rs).
    assert_eq!(body["error"]["code"], "body_too_large");
    let (status, _, _) = get_public(&app, "/api/v1/players/rukia/avatar", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no avatar yet");

    // Photos: own activities only, appended to the activity, read through signed
    // links that need no token.
    let (status, logged) = app
        .post("/api/v1/activities", &a, common::strength(3, 60.0, 5, 30.0))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{logged}");
    let act = logged["activity"]["id"].as_i64().unwrap();
    // The dashboard (cached after this read) shows the session without photos.
    let (_, dash) = app.get("/api/v1/dashboard", &a).await;
    assert_eq!(dash["recent"][0]["photos"], json!([]));
    let path = format!("/api/v1/activities/{act}/photos");
    let (status, body) = put_body(&app, reqwest::Method::POST, &path, &b, jpeg()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = put_body(&app, reqwest::Method::POST, &path, &a, b"text".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    let mut urls = vec![];
    for img in [jpeg(), png()] {
        let (status, body) = put_body(&app, reqwest::Method::POST, &path, &a, img).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        urls.push(body["photo_url"].as_str().unwrap().to_string());
    }
    for url in &urls {
        let (status, h, bytes) = get_public(&app, url, &[]).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        if matches!(w, Where::Local) {
            assert_eq!(h["content-type"], "image/jpeg");
        }
        assert!(image::load_from_memory(&bytes).is_ok());
        check_link_lifetime(w, url);
    }
    let (_, shown) = app.get(&format!("/api/v1/activities/{act}"), &a).await;
    let shown = shown["activity"]["photos"].as_array().unwrap().clone();
    assert_eq!(shown.len(), 2);
    let (_, dash) = app.get("/api/v1/dashboard", &a).await;
    let recent = dash["recent"][0]["photos"].as_array().unwrap().clone();
    assert_eq!(recent.len(), 2, "the dashboard shows new photos");
    for url in shown.iter().chain(&recent) {
        let (status, _, _) = get_public(&app, url.as_str().unwrap(), &[]).await;
        assert_eq!(status, StatusCode::OK, "{url}");
    }
    // The bearer route still serves the owner, and nobody else.
    let photo_id = |u: &str| {
        let key = u.split("/photos/").nth(1).unwrap();
        key.split(['?', '/']).next_back().unwrap().to_string()
    };
    let own = format!("{path}/{}", photo_id(urls[0].split('?').next().unwrap()));
    let (status, ct, _) = get_raw(&app, &own, &a).await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "image/jpeg"));
    let (status, _, _) = get_raw(&app, &own, &b).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "photos are the owner's");
    let (status, _, _) = get_raw(&app, &format!("{path}/0000"), &a).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    if matches!(w, Where::Local) {
        // Tampered links are refused: another key, another expiry, another signature.
        let url = &urls[0];
        let (head, query) = url.split_once('?').unwrap();
        let other_key = head.replace(&format!("/{act}/"), &format!("/{}/", act + 1));
        let expires: i64 = query.split('&').next().unwrap()[8..].parse().unwrap();
        let sig = query.split("sig=").nth(1).unwrap();
        let flipped = if sig.ends_with('0') { '1' } else { '0' };
        for bad in [
            format!("{other_key}?{query}"),
            format!("{head}?expires={}&sig={sig}", expires + 3600),
            format!(
                "{head}?expires={expires}&sig={}{flipped}",
                &sig[..sig.len() - 1]
            ),
            head.to_string(),
            format!("/api/v1/files/avatars/1?expires={expires}&sig={sig}"),
        ] {
            let (status, _, body) = get_public(&app, &bad, &[]).await;
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(status, StatusCode::FORBIDDEN, "{bad}: {body}");
            assert_eq!(body["error"]["code"], "invalid_signature");
        }
        // Expired links are refused; a fresh read gives a working one.
        app.advance(25 * 3600).await;
        let (status, _, body) = get_public(&app, url, &[]).await;
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"]["code"], "link_expired");
        let (_, shown) = app.get(&format!("/api/v1/activities/{act}"), &a).await;
        let fresh = shown["activity"]["photos"][0].as_str().unwrap().to_string();
        assert_ne!(&fresh, url);
        let (status, _, _) = get_public(&app, &fresh, &[]).await;
        assert_eq!(status, StatusCode::OK);
    }
}

/// Links live at most 24 h: ours say so in `expires`, S3's in `X-Amz-Expires`.
fn check_link_lifetime(w: Where, url: &str) {
    match w {
        Where::Local => {
            assert!(url.starts_with("/api/v1/files/"), "{url}");
            assert!(url.contains("expires=") && url.contains("&sig="), "{url}");
        }
        Where::S3 => {
            assert!(url.starts_with("http"), "a presigned URL: {url}");
            let secs: u64 = url
                .split("X-Amz-Expires=")
                .nth(1)
                .and_then(|s| s.split('&').next())
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("X-Amz-Expires in {url}"));
            assert!(secs > 0 && secs <= 24 * 3600, "{url}");
            assert!(url.contains("X-Amz-Signature="), "{url}");
        }
    }
}

mod local {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn put_get_round_trip() {
        super::put_get_round_trip(Where::Local).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn service_stores_replays_avatars_and_photos() {
        super::service_stores_replays_avatars_and_photos(Where::Local).await
    }
}

mod s3 {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn put_get_round_trip() {
        super::put_get_round_trip(Where::S3).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn service_stores_replays_avatars_and_photos() {
        super::service_stores_replays_avatars_and_photos(Where::S3).await
    }
}
