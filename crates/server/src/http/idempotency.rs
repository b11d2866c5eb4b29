//! `Idempotency-Key` on creating POSTs: the first response for a key is stored and
//! replayed for every retry; a retry never runs the request again. A key reused
//! with a different request is refused, and one still running answers 409.

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::bearer_token;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::Arc;

// Large enough for an image upload (5 MiB); each route still applies its own limit.
const MAX_BODY: usize = 5 * 1024 * 1024 + 1024;
const MAX_RESPONSE: usize = 8 * 1024 * 1024;

pub async fn layer(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return next.run(req).await;
    };
    if key.is_empty() || key.len() > 200 {
        return ApiError::validation(
            "Idempotency-Key",
            "invalid_idempotency_key",
            "Idempotency-Key must be 1–200 characters",
        )
        .into_response();
    }
    // Keys are scoped to the caller: the player behind the token, or anonymous.
    let owner = match bearer_token(req.headers()) {
        Some(token) => match state.accounts.player_for_token(token).await {
            Ok(Some(id)) => format!("player:{id}"),
            Ok(None) => return next.run(req).await, // the handler answers 401
            Err(e) => return e.into_response(),
        },
        None => "anonymous".to_string(),
    };
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the request body is larger than 5 MiB",
            )
            .into_response();
        }
    };
    let mut h = Sha256::new();
    h.update(parts.uri.path().as_bytes());
    h.update(b"\n");
    h.update(&bytes);
    let hash = hex::encode(h.finalize());
    let now = state.clock.now_micros();

    match state
        .store
        .reserve_idempotency(&owner, &key, &hash, now)
        .await
    {
        Ok(true) => {}
        Ok(false) => return replay(&state, &owner, &key, &hash).await,
        Err(e) => return ApiError::from(e).into_response(),
    }
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (rparts, rbody) = resp.into_parts();
    let rbytes = match to_bytes(rbody, MAX_RESPONSE).await {
        Ok(b) => b,
        Err(e) => {
            let _ = state.store.release_idempotency(&owner, &key).await;
            return ApiError::internal(format!("response body: {e}")).into_response();
        }
    };
    let saved = if rparts.status.is_server_error() {
        state.store.release_idempotency(&owner, &key).await
    } else {
        let text = String::from_utf8_lossy(&rbytes);
        state
            .store
            .complete_idempotency(&owner, &key, rparts.status.as_u16(), &text)
            .await
    };
    if let Err(e) = saved {
        tracing::error!(error = %e, "could not record idempotent response");
    }
    Response::from_parts(rparts, Body::from(rbytes))
}

async fn replay(state: &AppState, owner: &str, key: &str, hash: &str) -> Response {
    let saved = match state.store.idempotent_response(owner, key).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return ApiError::conflict("idempotency_conflict", "retry the request").into_response();
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    if saved.request_hash != hash {
        return ApiError::validation(
            "Idempotency-Key",
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request",
        )
        .into_response();
    }
    if saved.status == 0 {
        return ApiError::conflict(
            "request_in_progress",
            "a request with this Idempotency-Key is still being processed",
        )
        .into_response();
    }
    let status = StatusCode::from_u16(saved.status as u16).unwrap_or(StatusCode::OK);
    let mut resp = (status, saved.body).into_response();
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
