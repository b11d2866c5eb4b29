//! The weekly boss rollover of one player: at their local week end (Monday 00:00) a
//! surviving boss escapes and the new week's boss arrives. Catches up every week
//! missed while the service was down; safe to run twice or to resume after a crash.

use super::{Job, Outcome};
use crate::progress::WeekClosed;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Serialize, Deserialize)]
pub struct BossWeek {
    pub player_id: i64,
}

impl Job for BossWeek {
    const KIND: &'static str = "boss_week";

    fn dedup_key(&self) -> Option<String> {
        Some(format!("boss_week:{}", self.player_id))
    }

    async fn run(&self, state: &Arc<AppState>) -> anyhow::Result<Outcome> {
        // Each ended week is committed on its own; what follows it outside the
        // database runs before the next one.
        let after_each = |closed: WeekClosed| async move {
            let WeekClosed { player, news } = closed;
            if news.xp_changed() {
                state.players.after_commit(&player).await;
            }
            state.hot.invalidate_boss(player.id).await;
            state.events.after_boss(player.id, &news);
            state.leaderboards.week_began(&player);
        };
        Ok(
            match state.progress.roll_over(self.player_id, after_each).await? {
                Some(next) => Outcome::RunAgainAt(next),
                None => Outcome::Done,
            },
        )
    }
}
