//! Whether this instance is ready to serve: the database answers (and takes writes)
//! and, if Redis is configured, Redis too. One check for every adapter: REST's
//! `GET /readyz` answers with the `Readiness` as its body (200 or 503), gRPC's
//! `grpc.health.v1` maps it to SERVING / NOT_SERVING. Every part of the check is
//! bounded, so the answer comes within a second whatever is down.

use crate::cache::Cache;
use crate::clock::Clock;
use crate::storage::{PING_TIMEOUT, Store};
use serde::Serialize;

/// The database's part of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Database {
    Ok,
    Unreachable,
    /// Reachable, but commits fail (a full disk) and a small write still does.
    WritesFailing,
}

/// Redis's part of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Redis {
    Ok,
    Unreachable,
    /// No Redis: the in-process cache, which is always there.
    NotConfigured,
}

/// The outcome of a readiness check, each part named so an operator sees which one
/// failed. Serialised as `{"database", "redis", "status": "ready" | "unavailable"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness {
    pub database: Database,
    pub redis: Redis,
}

impl Readiness {
    /// Ready when the database is fully up and Redis is not down (or not used).
    pub fn is_ready(&self) -> bool {
        self.database == Database::Ok && self.redis != Redis::Unreachable
    }
}

impl Serialize for Readiness {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Body {
            database: Database,
            redis: Redis,
            status: &'static str,
        }
        Body {
            database: self.database,
            redis: self.redis,
            status: if self.is_ready() {
                "ready"
            } else {
                "unavailable"
            },
        }
        .serialize(serializer)
    }
}

/// Checks the database and the cache, each within twice the ping timeout.
pub async fn check(store: &Store, cache: &Cache, clock: &Clock) -> Readiness {
    Readiness {
        database: database(store, clock).await,
        redis: redis(cache).await,
    }
}

async fn database(store: &Store, clock: &Clock) -> Database {
    let limit = PING_TIMEOUT * 2;
    if store.health().is_down() {
        return Database::Unreachable;
    }
    match tokio::time::timeout(limit, store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "database not reachable");
            return Database::Unreachable;
        }
        Err(_) => return Database::Unreachable,
    }
    // While commits fail (a full disk), try one small write: it clears the state as
    // soon as writes work again, even if no request writes.
    if store.health().write_failing() {
        return match tokio::time::timeout(limit, store.probe_write(clock.now_micros())).await {
            Ok(Ok(())) => Database::Ok,
            _ => Database::WritesFailing,
        };
    }
    Database::Ok
}

async fn redis(cache: &Cache) -> Redis {
    if !cache.is_redis() {
        return Redis::NotConfigured;
    }
    if !cache.is_up() {
        // The breaker is open: the watchdog's last ping failed.
        return Redis::Unreachable;
    }
    match tokio::time::timeout(PING_TIMEOUT * 2, cache.ping()).await {
        Ok(Ok(())) => Redis::Ok,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "redis not reachable");
            Redis::Unreachable
        }
        Err(_) => Redis::Unreachable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The body `/readyz` answered with before the check had a type of its own.
    fn old_body(database: &str, redis: &str) -> serde_json::Value {
        let ready = database == "ok" && redis != "unreachable";
        json!({
            "status": if ready { "ready" } else { "unavailable" },
            "database": database,
            "redis": redis,
        })
    }

    #[test]
    fn serialises_as_the_readyz_body_always_was() {
        let databases = [
            (Database::Ok, "ok"),
            (Database::Unreachable, "unreachable"),
            (Database::WritesFailing, "writes_failing"),
        ];
        let redises = [
            (Redis::Ok, "ok"),
            (Redis::Unreachable, "unreachable"),
            (Redis::NotConfigured, "not_configured"),
        ];
        for (database, d) in databases {
            for (redis, r) in redises {
                let readiness = Readiness { database, redis };
                let old = old_body(d, r);
                assert_eq!(serde_json::to_value(readiness).unwrap(), old);
                // Byte for byte too: the same keys in the same order.
                assert_eq!(
                    serde_json::to_string(&readiness).unwrap(),
                    serde_json::to_string(&old).unwrap()
                );
                assert_eq!(readiness.is_ready(), old["status"] == "ready");
            }
        }
    }

    #[tokio::test]
    async fn a_working_database_without_redis_is_ready() {
        let (store, _dir) = crate::testing::temp_store("readiness").await;
        let cache = Cache::memory("test:");
        let readiness = check(&store, &cache, &Clock::default()).await;
        assert_eq!(
            readiness,
            Readiness {
                database: Database::Ok,
                redis: Redis::NotConfigured,
            }
        );
        assert!(readiness.is_ready());
    }
}
