//! The nightly evaluation of one player: closes every local day that has ended
//! (skips, Plot Armor, streak breaks) and runs again at the next local midnight.

use super::{Job, Outcome};
use crate::services::progress;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Serialize, Deserialize)]
pub struct DayClose {
    pub player_id: i64,
}

impl Job for DayClose {
    const KIND: &'static str = "day_close";

    fn dedup_key(&self) -> Option<String> {
        Some(format!("day_close:{}", self.player_id))
    }

    async fn run(&self, state: &Arc<AppState>) -> anyhow::Result<Outcome> {
        let now = state.clock.now();
        let mut tx = state.store.begin().await?;
        let mut player = match tx.lock_player(self.player_id).await {
            Ok(p) => p,
            Err(crate::storage::StoreError::NotFound) => return Ok(Outcome::Done),
            Err(e) => return Err(e.into()),
        };
        let chain_before = player.chain_json.clone();
        let events = progress::close_days(&mut tx, &mut player, now).await?;
        tx.save_progress(&player).await?;
        // Closing a day without a penalty still moves the chain (the streak shown
        // counts the days closed as trained), so the cached player goes too.
        let mut changed = player.chain_json != chain_before;
        // Settings whose midnight has come are written down (reads apply them anyway).
        if progress::settle(&mut player, now) {
            changed = true;
            let mut cal = progress::calendar(&player);
            cal.prune(now);
            progress::set_calendar(&mut player, &cal);
            tx.save_settings(&player).await?;
        }
        tx.commit().await?;
        if !events.is_empty() {
            tracing::info!(
                player = self.player_id,
                events = events.len(),
                "days closed"
            );
        }
        if changed || !events.is_empty() {
            state.players.after_commit(&player).await;
        }
        state.events.after_penalties(&player, &events);
        Ok(Outcome::RunAgainAt(
            progress::calendar(&player).next_midnight(now),
        ))
    }
}
