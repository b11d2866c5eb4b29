//! Failing fast: a declared body larger than the route accepts is refused before a
//! byte of it is read (413), and API requests answer 503 `database_unavailable` at
//! once while the database watchdog says it is down, or as soon as it says so while
//! they wait on it (a partition never holds a request for its whole length).

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::Frame;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

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
            format!(
                "the request body is larger than {} MiB",
                limit / (1024 * 1024)
            ),
        )
        .with_details(serde_json::json!({ "max_bytes": limit }))
        .into_response();
        // The body was not read: the connection cannot carry another request.
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return resp;
    }
    // An HTTP/1 request whose body is answered before it is read to its end (a 401,
    // 404, 405 or 415 decided on the headers) leaves the rest of it on the
    // connection, which is then closed: the answer says so, so that a client's pool
    // does not send its next request into a closing connection.
    let has_body =
        declared.is_some_and(|n| n > 0) || req.headers().contains_key(header::TRANSFER_ENCODING);
    if has_body && req.version() <= Version::HTTP_11 {
        let read = Arc::new(AtomicBool::new(false));
        let req = req.map(|body| {
            Body::new(Watched {
                body,
                read: read.clone(),
            })
        });
        let mut resp = guarded(&state, req, next).await;
        if !read.load(Ordering::Relaxed) {
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        return resp;
    }
    guarded(&state, req, next).await
}

/// A request body that notes when it has been read to its end.
struct Watched {
    body: Body,
    read: Arc<AtomicBool>,
}

impl http_body::Body for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.body.is_end_stream() {
            self.read.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

async fn guarded(state: &AppState, req: Request, next: Next) -> Response {
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
