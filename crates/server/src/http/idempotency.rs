//! `Idempotency-Key` on creating POSTs, over REST: the header read, the caller
//! found and the body read (up to its route's limit); what the key does is
//! `crate::idempotency`'s, for gRPC calls too. A replay carries
//! `Idempotent-Replayed: true`. A login creates nothing: it runs again on every
//! try, key or not.

use crate::error::ApiError;
use crate::extract::bearer_token;
use crate::idempotency::{Answer, Keyed, Outcome};
use crate::state::AppState;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header, response::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

// An image upload (5 MiB) on the photos route; the JSON limit (1 MiB) elsewhere, so a
// stalled request with a key holds no more than its route would let it send.
const MAX_IMAGE_BODY: usize = 5 * 1024 * 1024 + 1024;
const MAX_JSON_BODY: usize = 1024 * 1024;
const MAX_RESPONSE: usize = 8 * 1024 * 1024;
const LOGIN: &str = "/api/v1/auth/login";

/// A fresh response, its body read so that it can be recorded.
struct Buffered {
    parts: Parts,
    body: Bytes,
}

impl Answer for Buffered {
    fn status(&self) -> u16 {
        self.parts.status.as_u16()
    }
    fn body(&self) -> &[u8] {
        &self.body
    }
}

pub async fn layer(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || req.uri().path() == LOGIN {
        return next.run(req).await;
    }
    let Some(sent) = req.headers().get("idempotency-key") else {
        return next.run(req).await;
    };
    // A key that is not visible ASCII is refused, never taken for "no key" (the
    // retry would then run again).
    let key = sent.to_str().ok().map(str::to_string).unwrap_or_default();
    if key.is_empty() || key.len() > 200 {
        return ApiError::validation(
            "Idempotency-Key",
            "invalid_idempotency_key",
            "Idempotency-Key must be 1–200 visible ASCII characters",
        )
        .into_response();
    }
    // Keys are scoped to the caller: the player behind the token, or anonymous.
    let player = match bearer_token(req.headers()) {
        Some(token) => match state.accounts.player_for_token(token).await {
            Ok(Some(id)) => Some(id),
            Ok(None) => return next.run(req).await, // the handler answers 401
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => None,
    };
    let (parts, body) = req.into_parts();
    let (limit, size) = if parts.uri.path().ends_with("/photos") {
        (MAX_IMAGE_BODY, "5 MiB")
    } else {
        (MAX_JSON_BODY, "1 MiB")
    };
    let bytes = match to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the request body is larger than {size}"),
            )
            .into_response();
        }
    };
    let keyed = Keyed::new(&state, player, key, parts.uri.path(), bytes.to_vec());
    let run = async move {
        let resp = next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
        let (parts, body) = resp.into_parts();
        match to_bytes(body, MAX_RESPONSE).await {
            Ok(body) => Ok(Buffered { parts, body }),
            Err(e) => Err(ApiError::internal(format!("response body: {e}"))),
        }
    };
    match crate::idempotency::once(keyed, run).await {
        Outcome::Ran(b) => Response::from_parts(b.parts, Body::from(b.body)),
        Outcome::Replayed { status, body } => replayed(status, body),
        Outcome::Refused(e) => e.into_response(),
    }
}

/// A recorded answer given again.
fn replayed(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    resp.headers_mut().insert(
        "idempotent-replayed",
        header::HeaderValue::from_static("true"),
    );
    resp
}
