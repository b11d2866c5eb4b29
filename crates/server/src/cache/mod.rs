//! The cache interface: hot state, leaderboards (sorted sets), capped event logs and
//! pub/sub, over Redis (`SHONEN_REDIS_URL`) or an in-process implementation when no
//! URL is configured. Both implement the same operations with the same semantics
//! (one shared test suite runs against each). The cache is never the only copy of
//! anything: every value can be rebuilt from the database, so callers treat errors
//! as "fall back to the database" and log them.
//!
//! Every key and channel is prefixed with the instance's prefix (`SHONEN_REDIS_PREFIX`),
//! so several apps or tests can share one Redis without colliding.

mod repairs;
pub use repairs::Repairs;
mod memory;
mod redis_backend;

use std::time::Duration;
use tokio::sync::broadcast;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    #[error("redis reply: {0}")]
    Reply(#[from] ::redis::ParsingError),
    #[error("cache: {0}")]
    Other(String),
}

pub type CacheResult<T> = Result<T, CacheError>;

/// A pub/sub message as received by this instance (channel without the prefix).
#[derive(Debug, Clone)]
pub struct Message {
    pub channel: String,
    pub payload: String,
}

/// A sorted set's revision, maybe its top, and one member's 0-based rank and score.
#[derive(Debug, Clone, PartialEq)]
pub struct ZPage {
    pub rev: Option<String>,
    pub top: Option<Vec<(String, i64)>>,
    pub rank: Option<(u64, i64)>,
}

enum Backend {
    Memory(memory::Memory),
    Redis(redis_backend::RedisCache),
}

pub struct Cache {
    backend: Backend,
    prefix: String,
    messages: broadcast::Sender<Message>,
    /// This process's stand-in for values Redis could not take or give (see
    /// `degraded_get`).
    degraded: memory::Memory,
}

/// The longest a value stays in the degraded stand-in.
pub const DEGRADED_TTL: Duration = Duration::from_secs(10);

impl Cache {
    /// The in-process cache (single-process installs and tests without Redis).
    pub fn memory(prefix: &str) -> Cache {
        let (messages, _) = broadcast::channel(16_384);
        Cache {
            backend: Backend::Memory(memory::Memory::default()),
            prefix: prefix.to_string(),
            messages,
            degraded: memory::Memory::default(),
        }
    }

    /// A Redis cache. Connects lazily and reconnects on its own: an unreachable
    /// server at start-up is not fatal (the API serves from the database meanwhile
    /// and `/readyz` reports it). Only a malformed URL is an error.
    pub fn redis(url: &str, prefix: &str) -> CacheResult<Cache> {
        Cache::redis_with_timeout(url, prefix, Duration::from_millis(500))
    }

    /// `redis` with `timeout` for each command (and connecting).
    pub fn redis_with_timeout(url: &str, prefix: &str, timeout: Duration) -> CacheResult<Cache> {
        let (messages, _) = broadcast::channel(16_384);
        let backend = redis_backend::RedisCache::new(url, prefix, messages.clone(), timeout)?;
        Ok(Cache {
            backend: Backend::Redis(backend),
            prefix: prefix.to_string(),
            messages,
            degraded: memory::Memory::default(),
        })
    }

    pub fn is_redis(&self) -> bool {
        matches!(self.backend, Backend::Redis(_))
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// False while the breaker is open (Redis known unreachable); true otherwise.
    pub fn is_up(&self) -> bool {
        match &self.backend {
            Backend::Memory(_) => true,
            Backend::Redis(r) => r.is_up(),
        }
    }

    /// How many times the cached data was dropped after Redis restarted or was
    /// flushed (0 for the in-process cache).
    pub fn generation(&self) -> u64 {
        match &self.backend {
            Backend::Memory(_) => 0,
            Backend::Redis(r) => r.generation(),
        }
    }

    /// Drops cached data if Redis restarted or was flushed since it was last seen
    /// (the watchdog does this every second; the service also does it at start-up).
    pub async fn check_generation(&self) -> CacheResult<()> {
        match &self.backend {
            Backend::Memory(_) => Ok(()),
            Backend::Redis(r) => r.check_generation().await,
        }
    }

    pub async fn ping(&self) -> CacheResult<()> {
        match &self.backend {
            Backend::Memory(_) => Ok(()),
            Backend::Redis(r) => r.ping().await,
        }
    }

    pub async fn get(&self, key: &str) -> CacheResult<Option<String>> {
        let key = self.key(key);
        match &self.backend {
            Backend::Memory(m) => Ok(m.get(&key)),
            Backend::Redis(r) => r.get(&key).await,
        }
    }

    /// During a Redis outage: a value this process kept for `key` (see
    /// `degraded_set`). Callers store only values that say what they were computed
    /// from (a player's version), and check it, so a value kept here is never used
    /// stale; it saves the database the work while Redis is away.
    pub fn degraded_get(&self, key: &str) -> Option<String> {
        self.degraded.get(key)
    }

    /// Keeps `value` in this process for at most `DEGRADED_TTL` (used when the cache
    /// refused it). One entry per key: the stand-in stays as small as the set of
    /// players served during the outage.
    pub fn degraded_set(&self, key: &str, value: &str) {
        self.degraded.set(key, value, Some(DEGRADED_TTL), false);
    }

    /// Forgets what this process kept for `key`.
    pub fn degraded_del(&self, key: &str) {
        self.degraded.del(key);
    }

    /// Several string values in one round trip, in the order of `keys`.
    pub async fn get_many(&self, keys: &[String]) -> CacheResult<Vec<Option<String>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        match &self.backend {
            Backend::Memory(m) => Ok(keys.iter().map(|k| m.get(k)).collect()),
            Backend::Redis(r) => r.get_many(&keys).await,
        }
    }

    /// Sets a string value; `ttl` of `None` keeps it until deleted.
    pub async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> CacheResult<()> {
        let key = self.key(key);
        match &self.backend {
            Backend::Memory(m) => {
                m.set(&key, value, ttl, false);
                Ok(())
            }
            Backend::Redis(r) => r.set(&key, value, ttl, false).await.map(|_| ()),
        }
    }

    /// Sets only when absent (readers filling a cache never overwrite a writer's
    /// fresher value). Returns whether it was set.
    pub async fn set_nx(&self, key: &str, value: &str, ttl: Option<Duration>) -> CacheResult<bool> {
        let key = self.key(key);
        match &self.backend {
            Backend::Memory(m) => Ok(m.set(&key, value, ttl, true)),
            Backend::Redis(r) => r.set(&key, value, ttl, true).await,
        }
    }

    /// Whether Redis came back from an outage within the last `within` (never for
    /// the in-process cache): values another instance failed to delete meanwhile
    /// may still be there for a moment.
    pub fn recovered_within(&self, within: Duration) -> bool {
        match &self.backend {
            Backend::Memory(_) => false,
            Backend::Redis(r) => r.recovered_within(within),
        }
    }

    /// Deletes keys. One that cannot reach Redis is read as absent by this process
    /// and deleted before Redis is used again.
    pub async fn del(&self, keys: &[String]) -> CacheResult<()> {
        let keys: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        match &self.backend {
            Backend::Memory(m) => {
                for k in &keys {
                    m.del(k);
                }
                Ok(())
            }
            Backend::Redis(r) => r.del(&keys).await,
        }
    }

    /// Sets a member's absolute score in a sorted set.
    pub async fn zset(&self, key: &str, member: &str, score: i64) -> CacheResult<()> {
        let key = self.key(key);
        match &self.backend {
            Backend::Memory(m) => {
                m.zadd(&key, member, score, false);
                Ok(())
            }
            Backend::Redis(r) => r.zadd(&key, &[(member.to_string(), score)], false).await,
        }
    }

    /// Adds members that are not in the set yet, leaving existing scores alone (a
    /// rebuild from the database never overwrites a fresher live write).
    pub async fn zset_many_nx(&self, key: &str, members: &[(String, i64)]) -> CacheResult<()> {
        let key = self.key(key);
        match &self.backend {
            Backend::Memory(m) => {
                m.zadd_many_nx(&key, members);
                Ok(())
            }
            Backend::Redis(r) => {
                for chunk in members.chunks(5_000) {
                    r.zadd(&key, chunk, true).await?;
                }
                Ok(())
            }
        }
    }

    pub async fn zrem(&self, key: &str, member: &str) -> CacheResult<()> {
        let key = self.key(key);
        match &self.backend {
            Backend::Memory(m) => {
                m.zrem(&key, member);
                Ok(())
            }
            Backend::Redis(r) => r.zrem(&key, member).await,
        }
    }

    /// The top `limit` members, highest score first (ties: member descending, as
    /// Redis orders them).
    pub async fn ztop(&self, key: &str, limit: usize) -> CacheResult<Vec<(String, i64)>> {
        let key = self.key(key);
        match &self.backend {
            Backend::Memory(m) => Ok(m.ztop(&key, limit)),
            Backend::Redis(r) => r.ztop(&key, limit).await,
        }
    }

    /// A member's 0-based rank (highest first) and score.
    pub async fn zrank(&self, key: &str, member: &str) -> CacheResult<Option<(u64, i64)>> {
        let key = self.key(key);
        match &self.backend {
            Backend::Memory(m) => Ok(m.zrank(&key, member)),
            Backend::Redis(r) => r.zrank(&key, member).await,
        }
    }

    /// A board page in one round trip: `None` when `marker` is absent (the board
    /// must be rebuilt), else the board's revision (`rev_key`), `member`'s rank and
    /// score, and the top `top` members when asked (a caller holding the page for
    /// this revision already skips them).
    pub async fn zpage(
        &self,
        key: &str,
        marker: &str,
        rev_key: &str,
        member: &str,
        top: Option<usize>,
    ) -> CacheResult<Option<ZPage>> {
        let (key, marker, rev_key) = (self.key(key), self.key(marker), self.key(rev_key));
        match &self.backend {
            Backend::Memory(m) => Ok(m.get(&marker).map(|_| ZPage {
                rev: m.get(&rev_key),
                top: top.map(|n| m.ztop(&key, n)),
                rank: m.zrank(&key, member),
            })),
            Backend::Redis(r) => r.zpage(&key, &marker, &rev_key, member, top).await,
        }
    }

    /// Increments a counter that starts from `floor` when it does not exist (never
    /// existed, or was lost with a Redis restart or a process restart), so that it
    /// keeps increasing across such losses when `floor` does (a clock reading).
    pub async fn incr_from(&self, key: &str, floor: i64) -> CacheResult<i64> {
        let key = self.key(key);
        match &self.backend {
            Backend::Memory(m) => Ok(m.incr_from(&key, floor)),
            Backend::Redis(r) => r.incr_from(&key, floor).await,
        }
    }

    pub async fn incr(&self, key: &str) -> CacheResult<i64> {
        let key = self.key(key);
        match &self.backend {
            Backend::Memory(m) => Ok(m.incr(&key)),
            Backend::Redis(r) => r.incr(&key).await,
        }
    }

    /// Pushes onto a capped list (newest first), keeping at most `max` items, and
    /// publishes `message` on `channel`, in one round trip.
    pub async fn push_and_publish(
        &self,
        list: &str,
        item: &str,
        max: usize,
        channel: &str,
        message: &str,
    ) -> CacheResult<()> {
        let list = self.key(list);
        match &self.backend {
            Backend::Memory(m) => {
                m.push_capped(&list, item, max);
                let _ = self.messages.send(Message {
                    channel: channel.to_string(),
                    payload: message.to_string(),
                });
                Ok(())
            }
            Backend::Redis(r) => {
                r.push_and_publish(&list, item, max, &self.key(channel), message)
                    .await
            }
        }
    }

    /// A capped list, newest first.
    pub async fn list(&self, key: &str) -> CacheResult<Vec<String>> {
        let key = self.key(key);
        match &self.backend {
            Backend::Memory(m) => Ok(m.list(&key)),
            Backend::Redis(r) => r.list(&key).await,
        }
    }

    pub async fn publish(&self, channel: &str, payload: &str) -> CacheResult<()> {
        match &self.backend {
            Backend::Memory(_) => {
                let _ = self.messages.send(Message {
                    channel: channel.to_string(),
                    payload: payload.to_string(),
                });
                Ok(())
            }
            Backend::Redis(r) => r.publish(&self.key(channel), payload).await,
        }
    }

    /// Subscribes this instance to `channel`; its messages arrive on `messages()`.
    /// With Redis the subscription is renewed after every reconnect.
    pub async fn subscribe(&self, channel: &str) -> CacheResult<()> {
        match &self.backend {
            Backend::Memory(_) => Ok(()),
            Backend::Redis(r) => r.subscribe(&self.key(channel)).await,
        }
    }

    pub fn messages(&self) -> broadcast::Receiver<Message> {
        self.messages.subscribe()
    }
}
