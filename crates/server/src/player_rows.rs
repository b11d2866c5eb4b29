//! A player's row through the cache: read from the cache, else from the database
//! and cached for a short while (`PLAYER_TTL`, SET NX; see `services::hot` for the
//! race this bounds). Every committed write of the player invalidates the entry.

use crate::cache::Cache;
use crate::storage::{PlayerRow, Store, StoreResult};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

pub const PLAYER_TTL: Duration = Duration::from_secs(30);

/// What is cached per player.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HotPlayer {
    pub row: PlayerRow,
}

pub fn player_key(id: i64) -> String {
    format!("hot:player:{id}")
}

/// Players' rows as `player` reads them, for a capability that needs a row but not
/// the whole state (its port).
#[derive(Clone)]
pub struct HotRows {
    pub cache: Arc<Cache>,
    pub store: Store,
}

impl HotRows {
    pub async fn player(&self, id: i64) -> StoreResult<Option<PlayerRow>> {
        player_row(&self.cache, &self.store, id).await
    }
}

/// `player` over the cache and the store alone.
pub async fn player_row(cache: &Cache, store: &Store, id: i64) -> StoreResult<Option<PlayerRow>> {
    let key = player_key(id);
    match cache.get(&key).await {
        Ok(Some(json)) => {
            if let Ok(hot) = serde_json::from_str::<HotPlayer>(&json) {
                metrics::counter!("shonen_cache_hits_total", "kind" => "player").increment(1);
                return Ok(Some(hot.row));
            }
        }
        Ok(None) => {}
        Err(e) => tracing::debug!(error = %e, "cache read failed; using the database"),
    }
    metrics::counter!("shonen_cache_misses_total", "kind" => "player").increment(1);
    let Some(row) = store.player(id).await? else {
        return Ok(None);
    };
    if let Ok(json) = serde_json::to_string(&HotPlayer { row: row.clone() }) {
        let _ = cache.set_nx(&key, &json, Some(PLAYER_TTL)).await;
    }
    Ok(Some(row))
}
