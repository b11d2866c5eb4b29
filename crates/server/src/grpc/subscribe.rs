//! `Subscribe`: the player's live events as a gRPC server stream — the same events,
//! numbering and replay as the WebSocket (`http::ws`), from every instance (they
//! arrive through the cache's pub/sub bus, Redis or in-process).

use super::proto;
use super::status::status;
use crate::app::AppState;
use crate::error::ApiError;
use crate::events::{Delivery, Subscription};
use futures_util::{Stream, StreamExt, stream};
use serde_json::{Value, json};
use std::pin::Pin;
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
    player_id: i64,
    since: Option<i64>,
) -> Result<EventStream, Status> {
    if since.is_some_and(|s| s < 0) {
        return Err(status(ApiError::validation(
            "since",
            "invalid_since",
            "since must be an event id (a non-negative integer)",
        )));
    }
    // Register before reading the log, so nothing falls between the two; live
    // events already replayed are skipped by id.
    let sub = state.events.connect(player_id);
    let replayed = match since {
        Some(since) => state.events.replay(player_id, since).await,
        None => Vec::new(),
    };
    let last_id = replayed.last().map_or(0, |d| d.id);
    let live = stream::unfold(Some((sub, last_id, Open::new())), next_live);
    let events = stream::iter(replayed.into_iter().map(|d| Ok(event(&d)))).chain(live);
    Ok(Box::pin(events))
}

type Live = Option<(Subscription, i64, Open)>;

/// The next live event; a subscriber too slow to drain its buffer gets UNAVAILABLE
/// (resubscribe with `since`), as the WebSocket gets close code 1013.
async fn next_live(live: Live) -> Option<(Result<proto::Event, Status>, Live)> {
    let (mut sub, mut last_id, open) = live?;
    loop {
        match sub.rx.recv().await {
            Some(d) if d.id != 0 && d.id <= last_id => continue,
            Some(d) => {
                last_id = last_id.max(d.id);
                return Some((Ok(event(&d)), Some((sub, last_id, open))));
            }
            None => {
                let e = Status::unavailable("too slow; subscribe again with since");
                return Some((Err(e), None));
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
