//! The `leaderboard` real-time event: after a write the board is marked changed; a
//! per-instance task compares the board's top 50 with the last announced one (kept
//! in the cache, so all instances agree) and, when it differs, sends the event
//! `{scope, class?}` to every connection. A cache key with a one-second TTL, taken
//! with SET NX before each comparison, keeps announcements of one board to at most
//! one a second across instances; a change that meets a taken key is retried after
//! it expires, so the last change of a burst is always announced.

use super::model::BoardChanged;
use super::store::{BoardNews, Rankings};
use crate::cache::CacheResult;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// How many entries an announcement watches.
pub const ANNOUNCED_TOP: usize = 50;
/// At most one announcement per board per this interval, across instances.
pub const ANNOUNCE_EVERY: Duration = Duration::from_secs(1);
/// How long a new change waits before its board is compared: the write's own events
/// (`xp_awarded` and the rest, queued just after the board was marked) go out first.
const SETTLE: Duration = Duration::from_millis(50);
/// How long a board's last announced top is kept: weeks' boards stop changing, so
/// theirs need not stay forever.
const ANNOUNCED_TTL: Duration = Duration::from_secs(14 * 86_400);

/// Boards changed since their last comparison, waiting for the announcer task.
#[derive(Default)]
pub(super) struct Announcer {
    /// Board key → the event's data.
    changed: Mutex<HashMap<String, BoardChanged>>,
    wake: tokio::sync::Notify,
    started: AtomicBool,
}

impl Announcer {
    /// Marks boards changed, starting this instance's task on first use (it ends
    /// once the announcer, held by the capability, is gone).
    pub(super) fn mark<C: Rankings>(
        self: &Arc<Self>,
        cache: &Arc<C>,
        news: &Arc<dyn BoardNews>,
        boards: Vec<(String, BoardChanged)>,
    ) {
        if !self.started.swap(true, Ordering::AcqRel) {
            tokio::spawn(announce_loop(
                Arc::downgrade(self),
                cache.clone(),
                news.clone(),
            ));
        }
        let mut changed = self.changed.lock().unwrap_or_else(|e| e.into_inner());
        for (key, data) in boards {
            changed.entry(key).or_insert(data);
        }
        drop(changed);
        self.wake.notify_one();
    }

    fn take(&self) -> Vec<(String, BoardChanged)> {
        self.changed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect()
    }
}

/// The announcer task of this instance: compares changed boards' tops with the
/// last announced ones and broadcasts the differences.
async fn announce_loop<C: Rankings>(
    announcer: Weak<Announcer>,
    cache: Arc<C>,
    news: Arc<dyn BoardNews>,
) {
    let mut waiting: Vec<(String, BoardChanged)> = Vec::new();
    loop {
        let Some(a) = announcer.upgrade() else { return };
        let mut fresh = false;
        for (key, data) in a.take() {
            if !waiting.iter().any(|(k, _)| *k == key) {
                waiting.push((key, data));
                fresh = true;
            }
        }
        if waiting.is_empty() {
            // A mark made after `take` left a permit in `wake`: nothing is lost.
            let _ = tokio::time::timeout(Duration::from_secs(5), a.wake.notified()).await;
            continue;
        }
        drop(a);
        if fresh {
            tokio::time::sleep(SETTLE).await;
        }
        let mut retry = Vec::new();
        for (key, data) in waiting.drain(..) {
            match announce(&*cache, &*news, &key, &data).await {
                Ok(true) => {}
                // Compared by some instance within the second: again after it.
                Ok(false) => retry.push((key, data)),
                Err(e) => {
                    tracing::warn!(error = %e, board = %key, "leaderboard announcement skipped");
                }
            }
        }
        waiting = retry;
        if !waiting.is_empty() {
            tokio::time::sleep(ANNOUNCE_EVERY / 4).await;
        }
    }
}

/// Compares the board's top with the last announced one and broadcasts if it
/// differs. `Ok(false)`: the board was compared less than `ANNOUNCE_EVERY` ago (by
/// any instance); compare again later.
async fn announce<C: Rankings>(
    cache: &C,
    news: &dyn BoardNews,
    key: &str,
    data: &BoardChanged,
) -> CacheResult<bool> {
    if !cache
        .set_nx(&format!("{key}:announcing"), "1", Some(ANNOUNCE_EVERY))
        .await?
    {
        return Ok(false);
    }
    let top = cache.ztop(key, ANNOUNCED_TOP).await?;
    // What the top shows: each member's XP and what their card shows (name, class,
    // level), so a reclassified or levelled-up player in the top is news too.
    // Members are player ids (zero-padded): one card key each, in the top's order.
    let card_keys: Vec<String> = top
        .iter()
        .map(|(m, _)| super::card_key(m.parse().unwrap_or_default()))
        .collect();
    let cards = cache.get_many(&card_keys).await?;
    let mut seen = String::with_capacity(top.len() * 80);
    for ((m, xp), card) in top.iter().zip(&cards) {
        seen.push_str(m);
        seen.push(':');
        seen.push_str(&xp.to_string());
        seen.push(':');
        seen.push_str(
            &card
                .as_deref()
                .and_then(super::Card::shown)
                .unwrap_or_default(),
        );
        seen.push(',');
    }
    let last_key = format!("{key}:announced");
    if cache.get(&last_key).await?.as_deref() == Some(seen.as_str()) {
        return Ok(true);
    }
    cache.set(&last_key, &seen, Some(ANNOUNCED_TTL)).await?;
    news.board_changed(data.clone()).await;
    metrics::counter!("shonen_leaderboard_announcements_total").increment(1);
    Ok(true)
}
