//! Real-time events for a player (`xp_awarded`, `level_up`, `penalty`, …), published
//! after the change they describe has committed, and delivered to every WebSocket
//! connection of the player on every server instance.
//!
//! `publish` never blocks the caller: events go through a bounded queue to one
//! publisher task per instance, which numbers them per player (an increasing `id`
//! from a cache counter, which starts from the time in microseconds when it is
//! missing, so ids keep increasing across Redis and process restarts), appends them to the player's capped replay log (the last
//! `REPLAY_LOG` events, for `?since=<id>` after a reconnect) and publishes them on the
//! cache's pub/sub channel. Every instance (this one included) receives the message
//! and hands it to its local connections of that player. Each connection has a
//! bounded buffer; a connection whose buffer is full is dropped (the client
//! reconnects with `?since=`), so a slow client never slows anyone else.
//!
//! When Redis is unreachable, events are delivered to this instance's connections
//! directly (with `id` 0: not replayable) and the failure is logged.
//!
//! `broadcast` sends an event to every connection of every player on every instance
//! (`leaderboard`); such events carry no `id` and are not replayed.
//!
//! Logging out closes the connections opened with that token on every instance: the
//! token's keyed hash (never the token) goes out on the `revoked` channel and each
//! instance signals its own connections registered under that hash.

use crate::cache::Cache;
use crate::player::{Applied, chain};
use crate::progress::BossNews;
use crate::storage::PlayerRow;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Events kept per player for replay.
pub const REPLAY_LOG: usize = 100;
/// Messages buffered per connection before it counts as too slow and is dropped.
pub const CONNECTION_BUFFER: usize = 256;
const CHANNEL: &str = "events";
const REVOKED_CHANNEL: &str = "revoked";
/// Events for every connection (not numbered, not logged).
const CHANNEL_ALL: &str = "events:all";

/// The JSON of an event for everyone: `{type, at, data}`.
#[derive(Serialize)]
struct Broadcast<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    at: String,
    data: &'a Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    #[serde(skip)]
    pub player_id: i64,
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub at: String,
    pub data: Value,
}

/// One event as delivered to connections: its id and its JSON text.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub json: Arc<str>,
}

type Connections = HashMap<i64, Vec<(u64, mpsc::Sender<Delivery>)>>;
type Registry = Mutex<Connections>;
/// Connections by the keyed hash of the token they were opened with.
type ByToken = HashMap<String, Vec<(u64, Arc<tokio::sync::Notify>)>>;

struct Inner {
    cache: Arc<Cache>,
    connections: Registry,
    by_token: Mutex<ByToken>,
    next_conn: AtomicU64,
    /// Revocations the cache could not carry: sent again when it answers.
    unsent_revocations: Mutex<Vec<String>>,
    /// Set when the process shuts down: every socket says goodbye (1001).
    closing: tokio::sync::watch::Sender<bool>,
}

#[derive(Clone)]
pub struct Events {
    queue: mpsc::Sender<Event>,
    /// Every event this instance publishes, for in-process observers (tests, logs).
    tap: tokio::sync::broadcast::Sender<Arc<Event>>,
    clock: Arc<crate::clock::Clock>,
    inner: Arc<Inner>,
}

/// A registered connection; unregisters itself when dropped.
pub struct Subscription {
    pub rx: mpsc::Receiver<Delivery>,
    /// Signalled when the token the connection was opened with is revoked.
    pub revoked: Arc<tokio::sync::Notify>,
    player_id: i64,
    conn_id: u64,
    token_hash: Option<String>,
    inner: Arc<Inner>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        {
            let mut map = self.inner.lock();
            if let Some(list) = map.get_mut(&self.player_id) {
                list.retain(|(id, _)| *id != self.conn_id);
                if list.is_empty() {
                    map.remove(&self.player_id);
                }
            }
        }
        if let Some(hash) = &self.token_hash {
            let mut map = self.inner.lock_tokens();
            if let Some(list) = map.get_mut(hash) {
                list.retain(|(id, _)| *id != self.conn_id);
                if list.is_empty() {
                    map.remove(hash);
                }
            }
        }
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Connections> {
        self.connections.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_tokens(&self) -> std::sync::MutexGuard<'_, ByToken> {
        self.by_token.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Signals this instance's connections opened with the token of this hash.
    fn close_token(&self, token_hash: &str) {
        if let Some(list) = self.lock_tokens().get(token_hash) {
            for (_, n) in list {
                // A stored permit: a connection between two waits still sees it.
                n.notify_one();
            }
        }
    }

    /// Hands an event to this instance's connections of the player; full buffers
    /// mean a slow client, which is dropped.
    fn deliver(&self, player_id: i64, d: Delivery) {
        let mut map = self.lock();
        let Some(list) = map.get_mut(&player_id) else {
            return;
        };
        list.retain(|(_, tx)| match tx.try_send(d.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                metrics::counter!("shonen_ws_dropped_slow_total").increment(1);
                tracing::info!(player = player_id, "dropping a slow WebSocket client");
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
        if list.is_empty() {
            map.remove(&player_id);
        }
    }

    /// Hands an event to every connection of this instance (same slow-client rule).
    fn deliver_all(&self, d: Delivery) {
        let mut map = self.lock();
        map.retain(|player_id, list| {
            list.retain(|(_, tx)| match tx.try_send(d.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    metrics::counter!("shonen_ws_dropped_slow_total").increment(1);
                    tracing::info!(player = *player_id, "dropping a slow WebSocket client");
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            });
            !list.is_empty()
        });
    }
}

fn player_key(kind: &str, player_id: i64) -> String {
    format!("ev:{kind}:{player_id}")
}

impl Events {
    /// Starts the publisher and the subscriber tasks (needs a Tokio runtime).
    pub fn new(clock: Arc<crate::clock::Clock>, cache: Arc<Cache>) -> Events {
        let inner = Arc::new(Inner {
            cache,
            connections: Mutex::new(HashMap::new()),
            by_token: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            unsent_revocations: Mutex::new(Vec::new()),
            closing: tokio::sync::watch::Sender::new(false),
        });
        let (queue, rx) = mpsc::channel(65_536);
        // Listen before anything can be published.
        let messages = inner.cache.messages();
        tokio::spawn(publisher(rx, inner.clone()));
        tokio::spawn(subscriber(Arc::downgrade(&inner), messages));
        let (tap, _) = tokio::sync::broadcast::channel(4096);
        Events {
            queue,
            tap,
            clock,
            inner,
        }
    }

    /// Registers a connection of `player_id`.
    pub fn connect(&self, player_id: i64) -> Subscription {
        self.connect_with(player_id, None)
    }

    /// Registers a connection of `player_id` opened with the token whose keyed hash
    /// is `token_hash`: revoking that token signals `Subscription::revoked`.
    pub fn connect_with(&self, player_id: i64, token_hash: Option<String>) -> Subscription {
        let (tx, rx) = mpsc::channel(CONNECTION_BUFFER);
        let conn_id = self.inner.next_conn.fetch_add(1, Ordering::Relaxed);
        let revoked = Arc::new(tokio::sync::Notify::new());
        if let Some(hash) = &token_hash {
            self.inner
                .lock_tokens()
                .entry(hash.clone())
                .or_default()
                .push((conn_id, revoked.clone()));
        }
        self.inner
            .lock()
            .entry(player_id)
            .or_default()
            .push((conn_id, tx));
        Subscription {
            rx,
            revoked,
            player_id,
            conn_id,
            token_hash,
            inner: self.inner.clone(),
        }
    }

    /// Closes the connections opened with a revoked token, on every instance (this
    /// one directly when the cache cannot carry the message).
    pub async fn token_revoked(&self, token_hash: &str) {
        if let Err(e) = self.inner.cache.publish(REVOKED_CHANNEL, token_hash).await {
            tracing::warn!(error = %e, "revocation not broadcast; closing this instance's sockets now, the others' when the cache answers");
            self.inner.close_token(token_hash);
            if let Ok(mut unsent) = self.inner.unsent_revocations.lock() {
                unsent.push(token_hash.to_string());
            }
        }
    }

    /// The process is shutting down: every connection is told to close.
    pub fn going_away(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Resolves once the process shuts down (`going_away`).
    pub fn closing(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.inner.closing.subscribe();
        async move {
            let _ = rx.wait_for(|closing| *closing).await;
        }
    }

    /// Broadcasts the revocations the cache could not carry when they happened
    /// (called once it answers again), so that every instance closes those sockets.
    pub async fn resend_revocations(&self) {
        let unsent = match self.inner.unsent_revocations.lock() {
            Ok(mut u) if !u.is_empty() => std::mem::take(&mut *u),
            _ => return,
        };
        for (i, hash) in unsent.iter().enumerate() {
            if let Err(e) = self.inner.cache.publish(REVOKED_CHANNEL, hash).await {
                tracing::warn!(error = %e, "revocations still not broadcast; will retry");
                if let Ok(mut u) = self.inner.unsent_revocations.lock() {
                    u.extend(unsent[i..].iter().cloned());
                }
                return;
            }
        }
        tracing::info!(
            count = unsent.len(),
            "revocations broadcast after an outage"
        );
    }

    /// The player's logged events with an id above `since`, oldest first.
    pub async fn replay(&self, player_id: i64, since: i64) -> Vec<Delivery> {
        let items = match self.inner.cache.list(&player_key("log", player_id)).await {
            Ok(items) => items,
            Err(e) => {
                tracing::warn!(error = %e, "event replay unavailable");
                return Vec::new();
            }
        };
        let mut out: Vec<Delivery> = items
            .into_iter()
            .filter_map(|json| {
                let id = serde_json::from_str::<Value>(&json).ok()?["id"].as_i64()?;
                (id > since).then(|| Delivery {
                    id,
                    json: json.into(),
                })
            })
            .collect();
        out.sort_by_key(|d| d.id);
        out
    }

    /// Every event published by this instance from now on (bounded; a lagging
    /// observer skips ahead). Connections use `connect`, which also sees events
    /// published on other instances.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Arc<Event>> {
        self.tap.subscribe()
    }

    pub fn publish(&self, player_id: i64, kind: &'static str, data: Value) {
        let event = Event {
            player_id,
            id: 0,
            kind,
            at: now_rfc3339(self.clock.now()),
            data,
        };
        if self.tap.receiver_count() > 0 {
            let _ = self.tap.send(Arc::new(event.clone()));
        }
        if self.queue.try_send(event).is_err() {
            metrics::counter!("shonen_events_dropped_total").increment(1);
            tracing::warn!(player = player_id, kind, "event queue full; event dropped");
        }
    }

    /// Sends `{type, at, data}` to every connection on every instance (through the
    /// cache's pub/sub; to this instance's connections only when that fails).
    pub async fn broadcast(&self, kind: &'static str, data: Value) {
        let at = now_rfc3339(self.clock.now());
        let Ok(json) = serde_json::to_string(&Broadcast {
            kind,
            at: at.clone(),
            data: &data,
        }) else {
            return;
        };
        if self.tap.receiver_count() > 0 {
            let _ = self.tap.send(Arc::new(Event {
                player_id: 0,
                id: 0,
                kind,
                at,
                data,
            }));
        }
        if let Err(e) = self.inner.cache.publish(CHANNEL_ALL, &json).await {
            tracing::warn!(error = %e, kind, "broadcast failed; delivering locally only");
            self.inner.deliver_all(Delivery {
                id: 0,
                json: json.into(),
            });
        }
    }

    /// A challenge sent: both players see the pending duel.
    pub fn after_challenge(&self, sent: &crate::duels::Challenged) {
        for id in sent.players() {
            self.publish(id, "duel_challenged", json!(sent.duel));
        }
    }

    /// A battle recorded: both players see the result (after their caches were
    /// brought up to date, so what they reload is current).
    pub fn after_resolve(&self, done: &crate::duels::Resolved) {
        for id in done.players() {
            self.publish(id, "duel_resolved", json!(done.duel));
        }
        if done.paid > 0 {
            let award = duel_award(done);
            self.after_award(&done.winner, &award);
        }
    }

    pub fn after_award(&self, p: &PlayerRow, award: &crate::model::Award) {
        self.publish(
            p.id,
            "xp_awarded",
            json!({ "award": award, "total_xp": p.total_xp }),
        );
        if let Some(level_up) = &award.level_up {
            self.publish(p.id, "level_up", json!(level_up));
        }
        for s in &award.skills_unlocked {
            self.publish(p.id, "skill_unlocked", json!({ "name": s }));
        }
    }

    /// The streak shown after an activity that started or extended it.
    pub fn after_streak(&self, player_id: i64, streak: Option<u32>) {
        if let Some(streak) = streak {
            self.publish(player_id, "streak", json!({ "streak": streak }));
        }
    }

    /// The boss fight's news of a committed change: `boss_damaged`, `boss_defeated`,
    /// `boss_escaped`.
    pub fn after_boss(&self, player_id: i64, news: &BossNews) {
        fn data(v: &impl Serialize) -> Value {
            // Strings, integers and finite numbers: encoding them cannot fail.
            serde_json::to_value(v).unwrap_or(Value::Null)
        }
        for d in &news.damaged {
            self.publish(player_id, "boss_damaged", data(d));
        }
        for d in &news.defeated {
            self.publish(player_id, "boss_defeated", data(d));
        }
        for e in &news.escaped {
            self.publish(player_id, "boss_escaped", data(e));
        }
    }

    pub fn after_penalties(&self, p: &PlayerRow, applied: &[Applied]) {
        // Each event carries the total as it stood right after that entry: the
        // final total less what the later ones of the batch moved.
        let mut total = p.total_xp - applied.iter().map(|a| a.amount).sum::<i64>();
        for a in applied {
            total += a.amount;
            self.publish(
                p.id,
                "penalty",
                json!({
                    "kind": a.event.kind.as_str(),
                    "date": a.event.date,
                    "amount": a.amount,
                    "reason": a.event.reason,
                    "total_xp": total,
                }),
            );
        }
        if !applied.is_empty() {
            let streak = chain(p).streak;
            self.publish(p.id, "streak", json!({ "streak": streak }));
        }
    }
}

/// The contract's `award` for a duel win's fixed Fighting XP (no multiplier applies,
/// §4), with the level, skills and moves it unlocked.
fn duel_award(done: &crate::duels::Resolved) -> crate::model::Award {
    use shonen_rules::{Class, level_for_xp, moves_unlocked_between, skills_unlocked_between};
    let p = &done.winner;
    let (total_before, fighting_before) = done.winner_before;
    let (from, to) = (level_for_xp(total_before), level_for_xp(p.total_xp));
    let class = Class::parse(&p.class).unwrap_or(Class::Balanced);
    crate::model::Award {
        stat: shonen_rules::Stat::Fighting.as_str().to_string(),
        base: done.paid as f64,
        final_xp: done.paid,
        factors: Vec::new(),
        capped: false,
        message: format!(
            "Duel won against {}: +{} Fighting XP.",
            done.loser.username, done.paid
        ),
        level_up: (to > from).then(|| crate::model::LevelUp {
            from,
            to,
            title: shonen_rules::title(to).to_string(),
        }),
        skills_unlocked: skills_unlocked_between(class, from, to)
            .into_iter()
            .map(|s| s.name().to_string())
            .collect(),
        moves_unlocked: moves_unlocked_between(fighting_before, p.xp_fighting)
            .into_iter()
            .map(|m| m.name)
            .collect(),
        strength: None,
    }
}

/// Microsecond precision so latency can be measured from `at`.
fn now_rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Numbers, logs and publishes events in order (one task, so a player's events keep
/// their order).
async fn publisher(mut rx: mpsc::Receiver<Event>, inner: Arc<Inner>) {
    while let Some(mut event) = rx.recv().await {
        let cache = &inner.cache;
        // A lost counter (Redis restarted empty, a restart without Redis) starts
        // again from the time in microseconds, above every id handed out before
        // it, so ids keep increasing and `since` never misses what follows.
        let floor = Utc::now().timestamp_micros();
        match cache
            .incr_from(&player_key("seq", event.player_id), floor)
            .await
        {
            Ok(id) => event.id = id,
            Err(e) => {
                tracing::warn!(error = %e, "event numbering failed; delivering locally only");
                deliver_local(&inner, &event);
                continue;
            }
        }
        let Ok(json) = serde_json::to_string(&event) else {
            continue;
        };
        let message = format!("{} {}\n{json}", event.player_id, event.id);
        if let Err(e) = cache
            .push_and_publish(
                &player_key("log", event.player_id),
                &json,
                REPLAY_LOG,
                CHANNEL,
                &message,
            )
            .await
        {
            tracing::warn!(error = %e, "event publish failed; delivering locally only");
            deliver_local(&inner, &event);
        }
    }
}

fn deliver_local(inner: &Inner, event: &Event) {
    if let Ok(json) = serde_json::to_string(event) {
        inner.deliver(
            event.player_id,
            Delivery {
                id: event.id,
                json: json.into(),
            },
        );
    }
}

fn parse_message(payload: &str) -> Option<(i64, Delivery)> {
    let (head, json) = payload.split_once('\n')?;
    let (player, id) = head.split_once(' ')?;
    Some((
        player.parse().ok()?,
        Delivery {
            id: id.parse().ok()?,
            json: json.into(),
        },
    ))
}

async fn subscribe_all(cache: &Cache) -> crate::cache::CacheResult<()> {
    cache.subscribe(CHANNEL).await?;
    cache.subscribe(REVOKED_CHANNEL).await?;
    cache.subscribe(CHANNEL_ALL).await
}

/// Receives pub/sub messages (from every instance) and hands them to local
/// connections. Keeps trying to subscribe until Redis answers.
async fn subscriber(
    inner: std::sync::Weak<Inner>,
    mut messages: tokio::sync::broadcast::Receiver<crate::cache::Message>,
) {
    if let Some(i) = inner.upgrade() {
        let cache = i.cache.clone();
        tokio::spawn(async move {
            let mut delay = std::time::Duration::from_millis(100);
            while let Err(e) = subscribe_all(&cache).await {
                tracing::warn!(error = %e, "subscribing to events; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(2));
                if Arc::strong_count(&cache) == 1 {
                    return;
                }
            }
        });
    }
    loop {
        match messages.recv().await {
            Ok(m) if m.channel == CHANNEL => {
                let Some(inner) = inner.upgrade() else { return };
                if let Some((player, d)) = parse_message(&m.payload) {
                    inner.deliver(player, d);
                }
            }
            Ok(m) if m.channel == CHANNEL_ALL => {
                let Some(inner) = inner.upgrade() else { return };
                inner.deliver_all(Delivery {
                    id: 0,
                    json: m.payload.into(),
                });
            }
            Ok(m) if m.channel == REVOKED_CHANNEL => {
                let Some(inner) = inner.upgrade() else { return };
                inner.close_token(&m.payload);
            }
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(lost = n, "event subscriber lagged");
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_slow_connection_is_dropped_and_others_keep_receiving() {
        let cache = Arc::new(Cache::memory("events_test:"));
        let events = Events::new(Arc::new(crate::clock::Clock::default()), cache);
        let mut slow = events.connect(7);
        let mut fast = events.connect(7);
        let other = events.connect(8);
        let n = CONNECTION_BUFFER + 50;
        let fast_reader = tokio::spawn(async move {
            let mut ids = Vec::new();
            while ids.len() < n {
                match tokio::time::timeout(Duration::from_secs(5), fast.rx.recv()).await {
                    Ok(Some(d)) => ids.push(d.id),
                    _ => break,
                }
            }
            ids
        });
        for i in 0..n {
            events.publish(7, "xp_awarded", json!({ "i": i }));
        }
        let ids = fast_reader.await.unwrap();
        // All, in order: consecutive ids from where the player's counter started.
        let first = ids[0];
        assert_eq!(
            ids,
            (first..first + n as i64).collect::<Vec<_>>(),
            "all, in order"
        );
        // The slow one got a full buffer, then its channel was closed.
        let mut buffered = 0;
        while let Some(d) = slow.rx.recv().await {
            assert_eq!(d.id, first + buffered as i64);
            buffered += 1;
        }
        assert_eq!(buffered, CONNECTION_BUFFER);
        // Other players' connections are untouched.
        assert!(other.rx.is_empty());
        // The replay log keeps the last REPLAY_LOG events, oldest first, after `since`.
        let last = first + n as i64 - 1;
        let replay = events.replay(7, last - 3).await;
        assert_eq!(
            replay.iter().map(|d| d.id).collect::<Vec<_>>(),
            vec![last - 2, last - 1, last]
        );
        assert_eq!(events.replay(7, 0).await.len(), REPLAY_LOG);
    }
}
