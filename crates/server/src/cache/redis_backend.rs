//! The Redis implementation: one multiplexed connection manager for commands and a
//! second one, in RESP3 push mode, for pub/sub. Both reconnect on their own; a
//! watchdog pings every second so a dead server is noticed (and the subscription
//! renewed) even when nobody is issuing commands.
//!
//! Circuit breaker: while the watchdog (or a command that failed on the connection)
//! says Redis is down, commands fail at once without touching the network, and the
//! callers serve from the database; the watchdog closes the breaker when a ping
//! answers again. Every command has a short timeout (`SHONEN_REDIS_COMMAND_TIMEOUT_MS`),
//! so a frozen server costs a request at most that once.
//!
//! Restarts: a Redis that restarted (its `run_id` changed) may have come back from an
//! older snapshot, and one that lost its generation key was flushed; either way
//! every key under the prefix is dropped, so boards and caches are rebuilt from the
//! database instead of serving old scores.

use super::{CacheError, CacheResult, Message, ZPage};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, PushKind, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

pub struct RedisCache {
    commands: ConnectionManager,
    pubsub: ConnectionManager,
    channels: Arc<Mutex<HashSet<String>>>,
    /// The breaker: false while Redis is known to be unreachable.
    up: Arc<AtomicBool>,
    /// Times the prefix was dropped after a restart or flush was noticed.
    generation: Arc<std::sync::atomic::AtomicU64>,
    /// The server's `run_id` when last checked.
    run_id: Arc<Mutex<Option<String>>>,
    prefix: String,
    /// Keys whose delete could not reach Redis: read as absent here, and deleted
    /// before the breaker closes again (a revoked token's entry must not come back
    /// when Redis does).
    unsent_deletes: Arc<Unsent>,
    /// When the breaker last closed after an outage (ms on a monotonic clock).
    recovered_at: Arc<std::sync::atomic::AtomicU64>,
}

/// Deletes that did not reach Redis (`RedisCache::unsent_deletes`).
#[derive(Default)]
struct Unsent {
    any: AtomicBool,
    keys: Mutex<HashSet<String>>,
}

impl Unsent {
    fn add(&self, keys: &[String]) {
        if let Ok(mut k) = self.keys.lock() {
            k.extend(keys.iter().cloned());
            self.any.store(true, Ordering::Release);
        }
    }

    fn holds(&self, key: &str) -> bool {
        self.any.load(Ordering::Acquire) && self.keys.lock().is_ok_and(|k| k.contains(key))
    }

    fn forget(&self, key: &str) {
        if self.any.load(Ordering::Acquire)
            && let Ok(mut k) = self.keys.lock()
        {
            k.remove(key);
            self.any.store(!k.is_empty(), Ordering::Release);
        }
    }

    fn all(&self) -> Vec<String> {
        if !self.any.load(Ordering::Acquire) {
            return Vec::new();
        }
        self.keys
            .lock()
            .map(|k| k.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn sent(&self, keys: &[String]) {
        if let Ok(mut k) = self.keys.lock() {
            for key in keys {
                k.remove(key);
            }
            self.any.store(!k.is_empty(), Ordering::Release);
        }
    }
}

/// Milliseconds on a monotonic clock (since the first call).
fn monotonic_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64
        + 1
}

/// Short timeouts: a missing Redis must degrade to the database quickly, not hang
/// requests.
fn manager_config(timeout: Duration) -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500))
}

/// Errors that mean the server is unreachable (as opposed to a bad command).
fn unreachable(e: &redis::RedisError) -> bool {
    e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_connection_refusal()
}

/// The key whose absence means the data under the prefix was flushed or restored
/// from before it was written.
const GENERATION_KEY: &str = "generation";

fn with_resp3(url: &str) -> String {
    if url.contains("protocol=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&protocol=resp3")
    } else {
        format!("{url}?protocol=resp3")
    }
}

fn bulk_string(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

impl RedisCache {
    pub fn new(
        url: &str,
        prefix: &str,
        messages: broadcast::Sender<Message>,
        timeout: Duration,
    ) -> CacheResult<RedisCache> {
        let client = redis::Client::open(with_resp3(url))?;
        let commands =
            ConnectionManager::new_lazy_with_config(client.clone(), manager_config(timeout))?;
        let own_prefix = prefix.to_string();
        let prefix = prefix.to_string();
        let push = move |info: redis::PushInfo| {
            if info.kind == PushKind::Message
                && let [channel, payload] = info.data.as_slice()
                && let (Some(channel), Some(payload)) = (bulk_string(channel), bulk_string(payload))
            {
                let channel = channel
                    .strip_prefix(prefix.as_str())
                    .unwrap_or(&channel)
                    .to_string();
                // No local receivers is fine; a lagging one loses messages and knows.
                let _ = messages.send(Message { channel, payload });
            }
            Ok::<(), redis::aio::SendError>(())
        };
        let pubsub = ConnectionManager::new_lazy_with_config(
            client,
            manager_config(timeout)
                .set_push_sender(push)
                .set_automatic_resubscription(),
        )?;
        let cache = RedisCache {
            commands,
            pubsub,
            channels: Arc::new(Mutex::new(HashSet::new())),
            up: Arc::new(AtomicBool::new(true)),
            generation: Default::default(),
            run_id: Default::default(),
            prefix: own_prefix,
            unsent_deletes: Default::default(),
            recovered_at: Default::default(),
        };
        cache.spawn_watchdog();
        Ok(cache)
    }

    /// Pings both connections every second. After an outage the subscriptions are
    /// issued again (SUBSCRIBE is idempotent), in addition to the manager's own
    /// resubscription, so pub/sub recovers without a restart.
    fn spawn_watchdog(&self) {
        let mut commands = self.commands.clone();
        let mut pubsub = self.pubsub.clone();
        let channels = self.channels.clone();
        let breaker = self.up.clone();
        let generation = self.generation.clone();
        let run_id = self.run_id.clone();
        let prefix = self.prefix.clone();
        let unsent = self.unsent_deletes.clone();
        let recovered_at = self.recovered_at.clone();
        tokio::spawn(async move {
            let mut was_up = true;
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The first check runs at start-up (`check_generation`), before serving.
            tick.tick().await;
            loop {
                tick.tick().await;
                let a: redis::RedisResult<()> = redis::cmd("PING").query_async(&mut commands).await;
                let b: redis::RedisResult<()> = redis::cmd("PING").query_async(&mut pubsub).await;
                let mut up = a.is_ok() && b.is_ok();
                if up
                    && let Err(e) =
                        check_generation(&mut commands, &prefix, &run_id, &generation).await
                {
                    tracing::warn!(error = %e, "checking the redis generation");
                }
                // Deletes that failed go out before Redis is used again.
                let pending = unsent.all();
                if up && !pending.is_empty() {
                    let sent: redis::RedisResult<i64> = commands.del(&pending).await;
                    match sent {
                        Ok(_) => unsent.sent(&pending),
                        Err(e) => {
                            tracing::warn!(error = %e, "redis: sending the deletes it missed");
                            up = false;
                        }
                    }
                }
                if up && !breaker.load(Ordering::Relaxed) {
                    recovered_at.store(monotonic_ms(), Ordering::Relaxed);
                }
                breaker.store(up, Ordering::Relaxed);
                metrics::gauge!("shonen_redis_up").set(if up { 1.0 } else { 0.0 });
                if up && !was_up {
                    tracing::info!("redis is reachable again; renewing subscriptions");
                    let wanted: Vec<String> = channels
                        .lock()
                        .map(|c| c.iter().cloned().collect())
                        .unwrap_or_default();
                    for ch in wanted {
                        if let Err(e) = pubsub.subscribe(&ch).await {
                            tracing::warn!(error = %e, "resubscribing");
                        }
                    }
                } else if !up && was_up {
                    tracing::warn!(commands = ?a.err(), pubsub = ?b.err(), "redis unreachable; serving from the database");
                }
                was_up = up;
                // The manager is dropped with the last cache handle: stop then.
                if Arc::strong_count(&channels) == 1 {
                    break;
                }
            }
        });
    }

    /// The command connection, unless the breaker is open.
    fn conn(&self) -> CacheResult<ConnectionManager> {
        if self.up.load(Ordering::Relaxed) {
            Ok(self.commands.clone())
        } else {
            Err(CacheError::Other("redis unavailable (circuit open)".into()))
        }
    }

    /// Opens the breaker on an error that means Redis is unreachable.
    fn trip(&self, e: redis::RedisError) -> CacheError {
        if unreachable(&e) && self.up.swap(false, Ordering::Relaxed) {
            tracing::warn!(error = %e, "redis unreachable; skipping it until it answers");
        }
        CacheError::Redis(e)
    }

    /// A real round trip, whatever the breaker says (for `/readyz`).
    pub async fn ping(&self) -> CacheResult<()> {
        let _: String = redis::cmd("PING")
            .query_async(&mut self.commands.clone())
            .await?;
        Ok(())
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// The restart/flush check of the watchdog, run once at start-up.
    pub async fn check_generation(&self) -> CacheResult<()> {
        check_generation(
            &mut self.commands.clone(),
            &self.prefix,
            &self.run_id,
            &self.generation,
        )
        .await
    }

    pub async fn get(&self, key: &str) -> CacheResult<Option<String>> {
        if self.unsent_deletes.holds(key) {
            return Ok(None);
        }
        self.conn()?.get(key).await.map_err(|e| self.trip(e))
    }

    pub async fn get_many(&self, keys: &[String]) -> CacheResult<Vec<Option<String>>> {
        let mut values: Vec<Option<String>> = redis::cmd("MGET")
            .arg(keys)
            .query_async(&mut self.conn()?)
            .await
            .map_err(|e| self.trip(e))?;
        for (key, value) in keys.iter().zip(values.iter_mut()) {
            if self.unsent_deletes.holds(key) {
                *value = None;
            }
        }
        Ok(values)
    }

    pub async fn set(
        &self,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
        nx: bool,
    ) -> CacheResult<bool> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value);
        if let Some(t) = ttl {
            cmd.arg("PX").arg(t.as_millis().max(1) as u64);
        }
        if nx {
            cmd.arg("NX");
        }
        let reply: Option<String> = cmd
            .query_async(&mut self.conn()?)
            .await
            .map_err(|e| self.trip(e))?;
        if reply.is_some() {
            // Written anew: the missed delete is overtaken.
            self.unsent_deletes.forget(key);
        }
        Ok(reply.is_some())
    }

    pub async fn del(&self, keys: &[String]) -> CacheResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let sent: CacheResult<i64> = match self.conn() {
            Ok(mut c) => c.del(keys).await.map_err(|e| self.trip(e)),
            Err(e) => Err(e),
        };
        if let Err(e) = sent {
            self.unsent_deletes.add(keys);
            return Err(e);
        }
        Ok(())
    }

    /// Whether the breaker closed after an outage within the last `within`.
    pub fn recovered_within(&self, within: Duration) -> bool {
        let at = self.recovered_at.load(Ordering::Relaxed);
        at != 0 && monotonic_ms().saturating_sub(at) <= within.as_millis() as u64
    }

    pub async fn zadd(&self, key: &str, members: &[(String, i64)], nx: bool) -> CacheResult<()> {
        if members.is_empty() {
            return Ok(());
        }
        let mut cmd = redis::cmd("ZADD");
        cmd.arg(key);
        if nx {
            cmd.arg("NX");
        }
        for (m, s) in members {
            cmd.arg(*s).arg(m);
        }
        let _: i64 = cmd
            .query_async(&mut self.conn()?)
            .await
            .map_err(|e| self.trip(e))?;
        Ok(())
    }

    pub async fn zrem(&self, key: &str, member: &str) -> CacheResult<()> {
        let _: i64 = self
            .conn()?
            .zrem(key, member)
            .await
            .map_err(|e| self.trip(e))?;
        Ok(())
    }

    pub async fn ztop(&self, key: &str, limit: usize) -> CacheResult<Vec<(String, i64)>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, f64)> = self
            .conn()?
            .zrevrange_withscores(key, 0, limit as isize - 1)
            .await
            .map_err(|e| self.trip(e))?;
        Ok(rows.into_iter().map(|(m, s)| (m, s as i64)).collect())
    }

    pub async fn zrank(&self, key: &str, member: &str) -> CacheResult<Option<(u64, i64)>> {
        let (rank, score): (Option<u64>, Option<f64>) = redis::pipe()
            .zrevrank(key, member)
            .zscore(key, member)
            .query_async(&mut self.conn()?)
            .await
            .map_err(|e| self.trip(e))?;
        Ok(match (rank, score) {
            (Some(r), Some(s)) => Some((r, s as i64)),
            _ => None,
        })
    }

    pub async fn zpage(
        &self,
        key: &str,
        marker: &str,
        rev_key: &str,
        member: &str,
        top: Option<usize>,
    ) -> CacheResult<Option<ZPage>> {
        let mut pipe = redis::pipe();
        pipe.get(marker)
            .get(rev_key)
            .zrevrank(key, member)
            .zscore(key, member);
        if let Some(n) = top.filter(|n| *n > 0) {
            pipe.zrevrange_withscores(key, 0, isize::try_from(n).unwrap_or(isize::MAX) - 1);
        }
        let mut reply: Vec<Value> = pipe
            .query_async(&mut self.conn()?)
            .await
            .map_err(|e| self.trip(e))?;
        let listed: Option<Vec<(String, f64)>> = match top {
            Some(n) if n > 0 => Some(redis::from_redis_value(reply.pop().unwrap_or(Value::Nil))?),
            Some(_) => Some(Vec::new()),
            None => None,
        };
        type Head = (Option<String>, Option<String>, Option<u64>, Option<f64>);
        let (built, rev, rank, score): Head = redis::from_redis_value(Value::Array(reply))?;
        if built.is_none() {
            return Ok(None);
        }
        Ok(Some(ZPage {
            rev,
            top: listed.map(|l| l.into_iter().map(|(m, s)| (m, s as i64)).collect()),
            rank: match (rank, score) {
                (Some(r), Some(s)) => Some((r, s as i64)),
                _ => None,
            },
        }))
    }

    /// `INCR` of a counter first set to `floor` if it does not exist (`SET NX`),
    /// in one round trip.
    pub async fn incr_from(&self, key: &str, floor: i64) -> CacheResult<i64> {
        let (n,): (i64,) = redis::pipe()
            .cmd("SET")
            .arg(key)
            .arg(floor)
            .arg("NX")
            .ignore()
            .incr(key, 1)
            .query_async(&mut self.conn()?)
            .await
            .map_err(|e| self.trip(e))?;
        Ok(n)
    }

    pub async fn incr(&self, key: &str) -> CacheResult<i64> {
        self.conn()?.incr(key, 1).await.map_err(|e| self.trip(e))
    }

    pub async fn push_and_publish(
        &self,
        list: &str,
        item: &str,
        max: usize,
        channel: &str,
        message: &str,
    ) -> CacheResult<()> {
        let max = isize::try_from(max).map_err(|e| CacheError::Other(e.to_string()))?;
        let _: () = redis::pipe()
            .lpush(list, item)
            .ignore()
            .ltrim(list, 0, max - 1)
            .ignore()
            .publish(channel, message)
            .ignore()
            .query_async(&mut self.conn()?)
            .await
            .map_err(|e| self.trip(e))?;
        Ok(())
    }

    pub async fn list(&self, key: &str) -> CacheResult<Vec<String>> {
        self.conn()?
            .lrange(key, 0, -1)
            .await
            .map_err(|e| self.trip(e))
    }

    pub async fn publish(&self, channel: &str, payload: &str) -> CacheResult<()> {
        let _: i64 = self
            .conn()?
            .publish(channel, payload)
            .await
            .map_err(|e| self.trip(e))?;
        Ok(())
    }

    pub async fn subscribe(&self, channel: &str) -> CacheResult<()> {
        if let Ok(mut c) = self.channels.lock() {
            c.insert(channel.to_string());
        }
        self.pubsub
            .clone()
            .subscribe(channel)
            .await
            .map_err(|e| self.trip(e))?;
        Ok(())
    }
}

/// Drops every key under the prefix when Redis restarted (its `run_id` changed: it
/// may have loaded an older snapshot) or lost the generation key (flushed), then
/// writes the key again. Boards and caches are rebuilt from the database on use.
async fn check_generation(
    conn: &mut ConnectionManager,
    prefix: &str,
    run_id: &Mutex<Option<String>>,
    generation: &std::sync::atomic::AtomicU64,
) -> CacheResult<()> {
    let known = run_id.lock().ok().and_then(|r| r.clone());
    let key = format!("{prefix}{GENERATION_KEY}");
    let info: String = redis::cmd("INFO").arg("server").query_async(conn).await?;
    let now_id = info
        .lines()
        .find_map(|l| l.strip_prefix("run_id:"))
        .map(|s| s.trim().to_string());
    let marker: Option<String> = conn.get(&key).await?;
    let restarted = matches!((known.as_ref(), now_id.as_ref()), (Some(a), Some(b)) if a != b);
    if restarted || marker.is_none() {
        let mut cursor: u64 = 0;
        let mut dropped = 0usize;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{}*", escape_glob(prefix)))
                .arg("COUNT")
                .arg(1000)
                .query_async(conn)
                .await?;
            if !keys.is_empty() {
                dropped += keys.len();
                let _: i64 = redis::cmd("UNLINK").arg(&keys).query_async(conn).await?;
            }
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        let _: Option<String> = redis::cmd("SET")
            .arg(&key)
            .arg(now_id.clone().unwrap_or_default())
            .arg("NX")
            .query_async(conn)
            .await?;
        generation.fetch_add(1, Ordering::Relaxed);
        if restarted || dropped > 0 {
            tracing::warn!(
                restarted,
                dropped,
                "redis restarted or was flushed: cached boards and state dropped, rebuilt from the database"
            );
        }
    }
    if let Ok(mut r) = run_id.lock() {
        *r = now_id;
    }
    Ok(())
}

/// `prefix` as a literal SCAN pattern.
fn escape_glob(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len());
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
