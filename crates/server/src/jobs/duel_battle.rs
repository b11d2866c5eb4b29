//! Fights an accepted duel off the request path (see `services::duels::resolve`).
//! Retried with backoff on failure (e.g. an unreachable Lambda); after its last
//! attempt it stays in the table as `failed`, and the queued duel shows it.

use super::{Job, Outcome};
use crate::app::AppState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Serialize, Deserialize)]
pub struct DuelBattle {
    pub duel_id: i64,
}

impl Job for DuelBattle {
    const KIND: &'static str = "duel_battle";

    fn dedup_key(&self) -> Option<String> {
        Some(crate::services::duels::battle_job_key(self.duel_id))
    }

    async fn run(&self, state: &Arc<AppState>) -> anyhow::Result<Outcome> {
        crate::services::duels::resolve(state, self.duel_id).await?;
        Ok(Outcome::Done)
    }
}
