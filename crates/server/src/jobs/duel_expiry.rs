//! Expires a challenge nobody answered within 24 h (a no-op once it was answered).

use super::{Job, Outcome};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Serialize, Deserialize)]
pub struct DuelExpiry {
    pub duel_id: i64,
}

impl Job for DuelExpiry {
    const KIND: &'static str = "duel_expiry";

    fn dedup_key(&self) -> Option<String> {
        Some(format!("duel_expiry:{}", self.duel_id))
    }

    async fn run(&self, state: &Arc<AppState>) -> anyhow::Result<Outcome> {
        if state.duels.expire(self.duel_id).await? {
            tracing::info!(duel = self.duel_id, "challenge expired");
        }
        Ok(Outcome::Done)
    }
}
