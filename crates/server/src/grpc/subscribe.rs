//! `Subscribe`: the player's live events as a gRPC server stream — the same events,
//! numbering and replay as the WebSocket (`http::ws`), from every instance (they
//! arrive through the cache's pub/sub bus, Redis or in-process). Like a socket, the
//! stream ends (UNAUTHENTICATED) when its token is logged out on any instance or
//! expires.

use super::proto;
use super::status::status;
use crate::clock::Clock;
use crate::error::ApiError;
use crate::events::{Delivery, Subscription};
use crate::state::AppState;
use futures_util::{Stream, StreamExt, stream};
use serde_json::{Value, json};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tonic::Status;

pub type EventStream = Pin<Box<dyn Stream<Item = Result<proto::Event, Status>> + Send>>;

/// Counts open streams in `shonen_grpc_streams` while alive.
struct Open;

impl Open {
    fn new() -> Open {
        metrics::gauge!("shonen_grpc_streams").increment(1.0);
        Open
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        metrics::gauge!("shonen_grpc_streams").decrement(1.0);
    }
}

pub async fn stream(
    state: &AppState,
    token: &str,
    since: Option<i64>,
) -> Result<EventStream, Status> {
    let (player_id, expires_at) = state
        .hot
        .token_player_until(token)
        .await
        .map_err(status)?
        .ok_or_else(|| status(ApiError::unauthorized()))?;
    if since.is_some_and(|s| s < 0) {
        return Err(status(ApiError::validation(
            "since",
            "invalid_since",
            "since must be an event id (a non-negative integer)",
        )));
    }
    // Register before reading the log, so nothing falls between the two; live
    // events already replayed are skipped by id.
    let sub = state
        .events
        .connect_with(player_id, Some(state.accounts.token_hash(token)));
    let replayed = match since {
        Some(since) => state.events.replay(player_id, since).await,
        None => Vec::new(),
    };
    let last_id = replayed.last().map_or(0, |d| d.id);
    let live = Live {
        sub,
        last_id,
        expires_at,
        clock: state.clock.clone(),
        _open: Open::new(),
    };
    let live = stream::unfold(Some(live), next_live);
    let events = stream::iter(replayed.into_iter().map(|d| Ok(event(&d)))).chain(live);
    Ok(Box::pin(events))
}

/// A live stream's state.
struct Live {
    sub: Subscription,
    last_id: i64,
    /// The token's expiry on the service clock (microseconds).
    expires_at: i64,
    clock: Arc<Clock>,
    _open: Open,
}

/// The next live event. The stream ends with UNAVAILABLE when it was too slow to
/// drain its buffer (subscribe again with `since`, as a socket gets close code
/// 1013), and with UNAUTHENTICATED when its token is revoked or expires (1008).
async fn next_live(live: Option<Live>) -> Option<(Result<proto::Event, Status>, Option<Live>)> {
    let mut live = live?;
    let left = u64::try_from(live.expires_at - live.clock.session_micros()).unwrap_or(0);
    let expiry = tokio::time::sleep(Duration::from_micros(left));
    tokio::pin!(expiry);
    loop {
        tokio::select! {
            d = live.sub.rx.recv() => match d {
                Some(d) if d.id != 0 && d.id <= live.last_id => continue,
                // The session clock can jump (tests age it): checked before every
                // event too.
                Some(_) if live.clock.session_micros() >= live.expires_at => {
                    return Some((Err(Status::unauthenticated("token expired")), None));
                }
                Some(d) => {
                    live.last_id = live.last_id.max(d.id);
                    return Some((Ok(event(&d)), Some(live)));
                }
                None => {
                    let e = Status::unavailable("too slow; subscribe again with since");
                    return Some((Err(e), None));
                }
            },
            _ = live.sub.revoked.notified() => {
                return Some((Err(Status::unauthenticated("token revoked")), None));
            }
            _ = &mut expiry => {
                return Some((Err(Status::unauthenticated("token expired")), None));
            }
        }
    }
}

/// A delivered event (`{id, type, at, data}` JSON) as its message: `data` becomes
/// the oneof field named like the type. An event type this version does not know
/// still arrives, without data.
fn event(d: &Delivery) -> proto::Event {
    let v: Value = serde_json::from_str(&d.json).unwrap_or(Value::Null);
    let kind = v["type"].as_str().unwrap_or_default().to_string();
    let typed = json!({
        "id": d.id,
        "type": kind,
        "at": v["at"],
        "data": { kind.as_str(): v["data"] },
    });
    super::convert::message::<proto::Event>(typed).unwrap_or_else(|e| {
        tracing::warn!(kind = %kind, error = %e.message(), "event without a typed message");
        proto::Event {
            id: d.id,
            r#type: kind,
            at: v["at"].as_str().unwrap_or_default().to_string(),
            data: None,
        }
    })
}
