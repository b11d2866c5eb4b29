//! Fights an accepted duel off the request path (`Duels::resolve`), then brings both
//! players' caches and leaderboards up to date and tells them. Retried with backoff
//! on failure (e.g. an unreachable Lambda or a full disk) for hours; after its last
//! attempt it stays in the table as `failed`, and the queued duel shows it.

use super::{Job, Outcome};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Serialize, Deserialize)]
pub struct DuelBattle {
    pub duel_id: i64,
}

impl Job for DuelBattle {
    const KIND: &'static str = "duel_battle";
    /// Backoff doubles from 2 s to 512 s, then stays there: 30 attempts ride out
    /// over three hours of an object store (or Lambda) outage before the battle is
    /// left `failed`.
    const MAX_ATTEMPTS: i64 = 30;

    fn dedup_key(&self) -> Option<String> {
        Some(crate::duels::battle_job_key(self.duel_id))
    }

    async fn run(&self, state: &Arc<AppState>) -> anyhow::Result<Outcome> {
        if let Some(done) = state.duels.resolve(self.duel_id).await? {
            state.players.after_commit(&done.winner).await;
            state.players.after_commit(&done.loser).await;
            state.events.after_resolve(&done);
        }
        Ok(Outcome::Done)
    }
}
