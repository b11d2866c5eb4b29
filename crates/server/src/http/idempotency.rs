//! `Idempotency-Key` on creating POSTs: the first response for a key is replayed for
//! every retry; a retry never runs the request again. A key reused with a different
//! request is refused (422), and one whose request is still running answers 409.
//!
//! Surviving crashes: the key is reserved before the request runs, with a lease
//! (`SHONEN_IDEMPOTENCY_LEASE_MS`). A reservation whose request died (process killed,
//! database lost before the response was recorded) is taken over by the first retry
//! after the lease and runs again. Runs again safely: an activity keeps its key in
//! its own row, written in the same transaction (a unique index refuses a second
//! one), so a retry of a request that did commit finds the activity and replays its
//! 201 with the same id, whether or not the response itself was recorded.
//!
//! No bearer token is ever stored: a recorded response keeps `"token": null`, and a
//! replay of a register issues a fresh token for the player. No password is stored
//! either, not even as a fast hash that a leaked database would let an attacker test
//! guesses against: a register is recorded by its body without the password, and its
//! replay needs the password to match the player's (argon2id), as a login would. A
//! login creates nothing: it runs again on every try, key or not.

use crate::error::ApiError;
use crate::extract::bearer_token;
use crate::request::IDEMPOTENCY_KEY;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;

// An image upload (5 MiB) on the photos route; the JSON limit (1 MiB) elsewhere, so a
// stalled request with a key holds no more than its route would let it send.
const MAX_IMAGE_BODY: usize = 5 * 1024 * 1024 + 1024;
const MAX_JSON_BODY: usize = 1024 * 1024;
const MAX_RESPONSE: usize = 8 * 1024 * 1024;
const ACTIVITIES: &str = "/api/v1/activities";
const REGISTER: &str = "/api/v1/auth/register";
const LOGIN: &str = "/api/v1/auth/login";

/// Whose key it is, and what the request does.
struct Scope<'a> {
    state: &'a AppState,
    owner: String,
    player: Option<i64>,
    key: String,
    hash: String,
    /// A POST /api/v1/activities: the activity carries the key.
    activity: bool,
    /// A player's photo upload, to this activity: the photo's id comes from the key.
    photo_of: Option<i64>,
    /// A register's password (kept out of `hash`), which its replay must match.
    password: Option<String>,
}

pub async fn layer(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || req.uri().path() == LOGIN {
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
    let (owner, player) = match bearer_token(req.headers()) {
        Some(token) => match state.accounts.player_for_token(token).await {
            Ok(Some(id)) => (format!("player:{id}"), Some(id)),
            Ok(None) => return next.run(req).await, // the handler answers 401
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => ("anonymous".to_string(), None),
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
    let (fingerprinted, password) = without_password(parts.uri.path(), &bytes);
    let mut h = Sha256::new();
    h.update(parts.uri.path().as_bytes());
    h.update(b"\n");
    h.update(fingerprinted.as_deref().unwrap_or(&bytes));
    // Keyed with the service secret, like the tokens' hashes.
    let hash = state
        .accounts
        .token_hash(&format!("idempotency:{}", hex::encode(h.finalize())));
    let scope = Scope {
        state: &state,
        activity: player.is_some() && parts.uri.path() == ACTIVITIES,
        photo_of: player.and(photo_upload(parts.uri.path())),
        owner,
        player,
        key,
        hash,
        password,
    };
    let now = state.clock.now_micros();

    // Whether this run takes over a reservation whose request died.
    let mut took_over = false;
    match state
        .store
        .reserve_idempotency(&scope.owner, &scope.key, &scope.hash, now)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            if let Some(answer) = known(&scope, now).await {
                return answer;
            }
            took_over = true;
        }
        Err(e) => return ApiError::from(e).into_response(),
    }
    // Ours to run. An activity already written with this key (its record released
    // after an error, or lost) is replayed, never logged twice.
    if let Some(replayed) = replay_activity(&scope).await {
        return replayed;
    }
    let parts_path = parts.uri.path().to_string();
    let run = next.run(Request::from_parts(parts, Body::from(bytes.clone())));
    let resp = if scope.activity || scope.photo_of.is_some() {
        IDEMPOTENCY_KEY.scope(scope.key.clone(), run).await
    } else {
        run.await
    };
    let (rparts, rbody) = resp.into_parts();
    let rbytes = match to_bytes(rbody, MAX_RESPONSE).await {
        Ok(b) => b,
        Err(e) => {
            let _ = state
                .store
                .release_idempotency(&scope.owner, &scope.key)
                .await;
            return ApiError::internal(format!("response body: {e}")).into_response();
        }
    };
    // A run that took over a dead reservation and now finds its work done (the dead
    // one committed, then died before recording its answer) answers what the dead
    // one would have: the player it registered, the duel it sent or accepted.
    if took_over
        && rparts.status == StatusCode::CONFLICT
        && let Some((status, body)) =
            first_of_a_dead_run(&scope, parts_path.as_str(), &bytes, &rbytes).await
    {
        let recorded = storable(body.as_bytes());
        if let Err(e) = state
            .store
            .complete_idempotency(&scope.owner, &scope.key, status, &recorded)
            .await
        {
            tracing::warn!(error = %e, "could not record idempotent response");
        }
        // Answered as every later retry will be (a register's token issued afresh).
        return replay(&state, i64::from(status), recorded).await;
    }
    if rparts.status.is_server_error() {
        // The write may have committed before the error (or another run of the key
        // wrote it): then that activity is the answer.
        if let Some(replayed) = replay_activity(&scope).await {
            return replayed;
        }
        if let Err(e) = state
            .store
            .release_idempotency(&scope.owner, &scope.key)
            .await
        {
            tracing::warn!(error = %e, "could not release an idempotency reservation");
        }
    } else if let Err(e) = state
        .store
        .complete_idempotency(
            &scope.owner,
            &scope.key,
            rparts.status.as_u16(),
            &storable(&rbytes),
        )
        .await
    {
        // Not lost: an activity is found by its key; anything else runs again once
        // the reservation's lease has run out.
        tracing::warn!(error = %e, "could not record idempotent response");
    }
    Response::from_parts(rparts, Body::from(rbytes))
}

/// A register's body without its password (what the request is recognised by) and
/// the password; `None`s for any other route or a body that is not a JSON object
/// (the handler refuses it).
fn without_password(path: &str, body: &[u8]) -> (Option<Vec<u8>>, Option<String>) {
    if path != REGISTER {
        return (None, None);
    }
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let password = match map.remove("password") {
        Some(Value::String(p)) => Some(p),
        Some(other) => Some(other.to_string()),
        None => None,
    };
    (serde_json::to_vec(&Value::Object(map)).ok(), password)
}

/// The body as recorded: a bearer token is replaced by `null`.
fn storable(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(mut map)) => {
            if map.get("token").is_some_and(Value::is_string) {
                map.insert("token".into(), Value::Null);
            }
            Value::Object(map).to_string()
        }
        _ => String::from_utf8_lossy(body).into_owned(),
    }
}

/// The answer for a key already reserved, or `None` when this request should run
/// (it took over a reservation whose lease ran out).
async fn known(scope: &Scope<'_>, now: i64) -> Option<Response> {
    let state = scope.state;
    let saved = match state
        .store
        .idempotent_response(&scope.owner, &scope.key)
        .await
    {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Some(
                ApiError::conflict("idempotency_conflict", "retry the request").into_response(),
            );
        }
        Err(e) => return Some(ApiError::from(e).into_response()),
    };
    if saved.request_hash != scope.hash {
        return Some(key_reused());
    }
    if saved.status != 0 {
        if scope.password.is_some() && !same_password(scope, &saved.body).await {
            return Some(key_reused());
        }
        if (200..300).contains(&saved.status)
            && let (Some(player), Some(activity)) = (scope.player, scope.photo_of)
        {
            return Some(replay_photo(state, saved.status, player, activity, &scope.key).await);
        }
        return Some(replay(state, saved.status, saved.body).await);
    }
    if let Some(replayed) = replay_activity(scope).await {
        return Some(replayed);
    }
    let lease =
        i64::try_from(state.config.timeouts.idempotency_lease.as_micros()).unwrap_or(i64::MAX);
    if now.saturating_sub(saved.created_at) >= lease {
        match state
            .store
            .take_over_idempotency(&scope.owner, &scope.key, saved.created_at, now)
            .await
        {
            Ok(true) => {
                tracing::warn!("idempotency reservation expired; running the request again");
                return None;
            }
            Ok(false) => {}
            Err(e) => return Some(ApiError::from(e).into_response()),
        }
    }
    Some(
        ApiError::conflict(
            "request_in_progress",
            "a request with this Idempotency-Key is still being processed",
        )
        .into_response(),
    )
}

/// What a request that committed and died before recording its answer would have
/// answered, worked out from what it wrote: `None` when this run's 409 has another
/// cause. Register: the player with this username, email and password (signed in
/// afresh). Challenge: the caller's pending challenge to that opponent. Accept: the
/// duel, accepted by the caller.
async fn first_of_a_dead_run(
    scope: &Scope<'_>,
    path: &str,
    body: &[u8],
    answer: &[u8],
) -> Option<(u16, String)> {
    let state = scope.state;
    let code = serde_json::from_slice::<Value>(answer).ok()?["error"]["code"]
        .as_str()?
        .to_string();
    let sent: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match (path, code.as_str(), scope.player) {
        (REGISTER, "username_taken", None) => {
            let username = sent["username"].as_str()?.trim().to_ascii_lowercase();
            let email = sent["email"].as_str()?.trim().to_lowercase();
            let password = scope.password.as_deref()?;
            let p = state.store.player_by_username(&username).await.ok()??;
            if p.email != email
                || !state
                    .accounts
                    .password_matches(&username, password)
                    .await
                    .ok()?
            {
                return None;
            }
            // No token: it is recorded as `null`, like every register, and `replay`
            // issues a fresh one.
            let view = state
                .players
                .signed_in_view(crate::accounts::SignedIn {
                    token: String::new(),
                    player: p,
                })
                .await
                .ok()?;
            Some((201, serde_json::to_string(&view).ok()?))
        }
        ("/api/v1/duels", "duel_already_open", Some(me)) => {
            let opponent = sent["opponent"].as_str()?.trim().to_lowercase();
            let list = state
                .duels
                .list(
                    me,
                    crate::duels::ListQuery {
                        status: Some("pending".into()),
                    },
                )
                .await
                .ok()?;
            let duel = list
                .items
                .into_iter()
                .find(|d| d.opponent == opponent && d.challenger != opponent)?;
            Some((201, serde_json::to_string(&duel).ok()?))
        }
        (p, "duel_already_accepted", Some(me)) if p.ends_with("/accept") => {
            let id = p.strip_prefix("/api/v1/duels/")?.strip_suffix("/accept")?;
            let id = crate::duels::DuelId::parse(id).ok()?;
            // Only the opponent is told the duel was already accepted (the challenger
            // is refused with 403), so the caller accepted it.
            let duel = state.duels.view(me, id).await.ok()?;
            Some((202, serde_json::to_string(&duel).ok()?))
        }
        _ => None,
    }
}

/// The activity of a photo upload's path (`/api/v1/activities/{id}/photos`).
fn photo_upload(path: &str) -> Option<i64> {
    path.strip_prefix("/api/v1/activities/")?
        .strip_suffix("/photos")?
        .parse()
        .ok()
}

/// A photo upload's recorded success, answered with a fresh link to the photo it
/// stored (the recorded one may have expired since: links live at most 24 h).
async fn replay_photo(
    state: &AppState,
    status: i64,
    player: i64,
    activity: i64,
    key: &str,
) -> Response {
    match state.media.stored_photo_link(player, activity, key).await {
        Ok(link) => match serde_json::to_string(&link) {
            Ok(body) => replay(state, status, body).await,
            Err(e) => ApiError::internal(e).into_response(),
        },
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// A key sent again with another request (or a register with another password).
fn key_reused() -> Response {
    ApiError::validation(
        "Idempotency-Key",
        "idempotency_key_reused",
        "this Idempotency-Key was used for a different request",
    )
    .into_response()
}

/// Whether a register's retry carries the password of the player the recorded
/// answer created (a recorded refusal names no player: nothing to give away).
async fn same_password(scope: &Scope<'_>, recorded: &str) -> bool {
    let recorded = serde_json::from_str::<Value>(recorded).unwrap_or_default();
    let (Some(username), Some(password)) = (
        recorded["player"]["username"].as_str(),
        scope.password.as_deref(),
    ) else {
        return true;
    };
    scope
        .state
        .accounts
        .password_matches(username, password)
        .await
        .unwrap_or(false)
}

/// For an activity request: the activity written with this key, as the 201 that
/// created it (recorded for the next retry).
async fn replay_activity(scope: &Scope<'_>) -> Option<Response> {
    let player = scope.player.filter(|_| scope.activity)?;
    let state = scope.state;
    let a = match state.store.activity_by_idem_key(player, &scope.key).await {
        Ok(found) => found?,
        Err(e) => return Some(ApiError::from(e).into_response()),
    };
    let award = match crate::progress::award_of(&a) {
        Ok(award) => award,
        Err(e) => return Some(ApiError::from(e).into_response()),
    };
    let out = crate::model::ActivityAward {
        activity: crate::progress::activity_view(&a),
        award,
    };
    let body = match serde_json::to_string(&out) {
        Ok(body) => body,
        Err(e) => return Some(ApiError::internal(e).into_response()),
    };
    if let Err(e) = state
        .store
        .complete_idempotency(&scope.owner, &scope.key, 201, &body)
        .await
    {
        tracing::warn!(error = %e, "could not record idempotent response");
    }
    Some(replay(state, 201, body).await)
}

async fn replay(state: &AppState, status: i64, body: String) -> Response {
    let status =
        StatusCode::from_u16(u16::try_from(status).unwrap_or(200)).unwrap_or(StatusCode::OK);
    let mut body = body;
    // A recorded register or login keeps no token: the replay carries a fresh one.
    if status.is_success()
        && let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(&body)
        && map.get("token").is_some_and(Value::is_null)
        && let Some(player) = map.get("player").and_then(|p| p["id"].as_i64())
    {
        match state.accounts.issue_token(player).await {
            Ok(token) => {
                map.insert("token".into(), Value::String(token));
                body = Value::Object(map).to_string();
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
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
