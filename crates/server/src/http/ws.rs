//! `GET /api/v1/ws`: the player's live event stream over a WebSocket.
//!
//! Authentication: `?token=`, or the `Sec-WebSocket-Protocol` header (browsers cannot
//! set `Authorization` on a WebSocket; send the protocols `bearer, <token>` and the
//! server selects `bearer`, or `<token>` alone and it selects that), or
//! `Authorization: Bearer`.
//!
//! Frames are JSON text `{id, type, at, data}`; `id` increases per player. A client
//! that reconnects passes `?since=<last id seen>` and first receives the logged
//! events after it (the last `events::REPLAY_LOG` per player), then live ones, with
//! no duplicates. The server pings every `PING_EVERY`; a connection silent for
//! `IDLE_LIMIT`, or too slow to drain its buffer, is closed. So is one whose token
//! is logged out (on any instance) or expires: close code 1008.

use crate::error::ApiError;
use crate::events::Delivery;
use crate::extract::bearer_token;
use crate::state::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

const PING_EVERY: Duration = Duration::from_secs(20);
const IDLE_LIMIT: Duration = Duration::from_secs(60);
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct WsQuery {
    /// The bearer token (alternatively in `Sec-WebSocket-Protocol`).
    pub token: Option<String>,
    /// Replay logged events with an id above this one first.
    pub since: Option<String>,
}

fn protocol_token(headers: &HeaderMap) -> Option<String> {
    let v = headers
        .get(axum::http::header::SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?;
    v.split(',')
        .map(str::trim)
        .rfind(|p| !p.is_empty() && !p.eq_ignore_ascii_case("bearer"))
        .map(str::to_string)
}

/// Whether `bearer` is one of the offered WebSocket protocols.
fn offers_bearer(headers: &HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("bearer"))
}

#[utoipa::path(get, path = "/api/v1/ws", tag = "realtime", params(WsQuery),
    responses((status = 101, description = "WebSocket of {id, type, at, data} events"),
              (status = 401, description = "no or bad token"),
              (status = 422, description = "bad since")))]
pub async fn connect(
    State(state): State<Arc<AppState>>,
    Query(q): Query<WsQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let since = match q.since.as_deref() {
        None | Some("") => None,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                return ApiError::validation(
                    "since",
                    "invalid_since",
                    "since must be an event id (a non-negative integer)",
                )
                .into_response();
            }
        },
    };
    let from_protocol = protocol_token(&headers);
    let token = q
        .token
        .clone()
        .or_else(|| from_protocol.clone())
        .or_else(|| bearer_token(&headers).map(str::to_string));
    let Some(token) = token else {
        return ApiError::unauthorized().into_response();
    };
    let (player_id, expires_at) = match state.hot.token_player_until(&token).await {
        Ok(Some(found)) => found,
        Ok(None) => return ApiError::unauthorized().into_response(),
        Err(e) => return e.into_response(),
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(e) => {
            return ApiError::bad_request("not_a_websocket", e.body_text()).into_response();
        }
    };
    // Small buffers: the server sends small frames and reads only control frames,
    // and tungstenite's defaults (128 KiB each way) would cost > 1 GiB at 10,000
    // connections.
    let ws = ws
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(64 * 1024)
        .max_frame_size(64 * 1024);
    // The handshake answers with one of the protocols offered: `bearer` when it is
    // one of them, so the token is not sent back in a response header; the token
    // itself only when it was offered alone.
    let ws = match from_protocol {
        Some(_) if offers_bearer(&headers) => ws.protocols(["bearer"]),
        Some(p) => ws.protocols([p]),
        None => ws,
    };
    let token = Token {
        hash: state.accounts.token_hash(&token),
        expires_at,
    };
    ws.on_upgrade(move |socket| serve(state, socket, player_id, since, token))
}

async fn send(socket: &mut WebSocket, d: &Delivery) -> bool {
    matches!(
        tokio::time::timeout(
            SEND_TIMEOUT,
            socket.send(Message::Text(d.json.as_ref().into()))
        )
        .await,
        Ok(Ok(()))
    )
}

/// The token a connection was opened with: its keyed hash (to hear of its
/// revocation) and its expiry on the service clock.
struct Token {
    hash: String,
    expires_at: i64,
}

/// Closes the socket with 1008 (policy violation): the token no longer holds.
async fn close_for_token(socket: &mut WebSocket, reason: &'static str) {
    let frame = axum::extract::ws::CloseFrame {
        code: 1008,
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
}

async fn serve(
    state: Arc<AppState>,
    mut socket: WebSocket,
    player_id: i64,
    since: Option<i64>,
    token: Token,
) {
    metrics::gauge!("shonen_ws_connections").increment(1.0);
    // Register before reading the log, so nothing falls between the two; live
    // events already replayed are skipped by id.
    let mut sub = state
        .events
        .connect_with(player_id, Some(token.hash.clone()));
    let expired = |state: &AppState| state.clock.session_micros() >= token.expires_at;
    // Time left until expiry; the session clock can also jump (tests age it), which
    // the check before every send catches.
    let left = u64::try_from(token.expires_at - state.clock.session_micros()).unwrap_or(0);
    let expiry = tokio::time::sleep(Duration::from_micros(left));
    tokio::pin!(expiry);
    let mut last_id = 0;
    if let Some(since) = since {
        for d in state.events.replay(player_id, since).await {
            if !send(&mut socket, &d).await {
                metrics::gauge!("shonen_ws_connections").decrement(1.0);
                return;
            }
            last_id = d.id;
        }
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    let mut last_heard = tokio::time::Instant::now();
    let closing = state.events.closing();
    tokio::pin!(closing);
    loop {
        tokio::select! {
            () = &mut closing => {
                let frame = axum::extract::ws::CloseFrame {
                    code: 1001,
                    reason: "server shutting down; reconnect with ?since=".into(),
                };
                let _ = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
                break;
            }
            _ = sub.revoked.notified() => {
                close_for_token(&mut socket, "token revoked").await;
                break;
            }
            _ = &mut expiry => {
                close_for_token(&mut socket, "token expired").await;
                break;
            }
            d = sub.rx.recv() => match d {
                Some(d) => {
                    if d.id != 0 && d.id <= last_id {
                        continue;
                    }
                    if expired(&state) {
                        close_for_token(&mut socket, "token expired").await;
                        break;
                    }
                    if !send(&mut socket, &d).await {
                        break;
                    }
                }
                // Dropped as too slow: say so, the client reconnects with `since`.
                None => {
                    let _ = socket.send(Message::Close(Some(axum::extract::ws::CloseFrame {
                        code: 1013,
                        reason: "too slow; reconnect with ?since=".into(),
                    }))).await;
                    break;
                }
            },
            msg = socket.recv() => match msg {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => last_heard = tokio::time::Instant::now(),
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > IDLE_LIMIT {
                    break;
                }
                if expired(&state) {
                    close_for_token(&mut socket, "token expired").await;
                    break;
                }
                let ok = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Ping(Default::default()))).await;
                if !matches!(ok, Ok(Ok(()))) {
                    break;
                }
            }
        }
    }
    metrics::gauge!("shonen_ws_connections").decrement(1.0);
}
