//! Failing fast: a declared body larger than the route accepts is refused before a
//! byte of it is read (413), and API requests answer 503 `database_unavailable` at
//! once while the database watchdog says it is down, or as soon as it says so while
//! they wait on it (a partition never holds a request for its whole length).

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The JSON body limit (also applied by `DefaultBodyLimit`).
pub const JSON_LIMIT: u64 = 1024 * 1024;

/// The largest body the matched route accepts: images have their own limit.
fn body_limit(req: &Request) -> u64 {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str())
        .unwrap_or("");
    if route.ends_with("/avatar") || route.ends_with("/photos") {
        crate::media::MAX_IMAGE_BYTES as u64
    } else {
        JSON_LIMIT
    }
}

pub async fn layer(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let limit = body_limit(&req);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        let mut resp = ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is larger than {limit} bytes"),
        )
        .with_details(serde_json::json!({ "max_bytes": limit }))
        .into_response();
        // The body was not read: the connection cannot carry another request.
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return resp;
    }
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let health = state.store.health();
    if health.is_down() {
        return ApiError::database_unavailable().into_response();
    }
    let write = req.method() != Method::GET && req.method() != Method::HEAD;
    let resp = tokio::select! {
        resp = next.run(req) => resp,
        () = health.wait_down() => return ApiError::database_unavailable().into_response(),
    };
    // SQLite has no server to lose: a write answered 503 means the file refused it
    // (full disk, I/O error, locked); readiness says so until a write succeeds.
    if write
        && resp.status() == StatusCode::SERVICE_UNAVAILABLE
        && state.store.dialect() == crate::storage::Dialect::Sqlite
    {
        health.write_unavailable();
    }
    resp
}
