//! The leaderboards capability: global all-time XP, this week's XP, and per class,
//! as cache sorted sets. Scores are written as absolute values from committed rows
//! after every XP change (`record`, via `Players::after_commit`), so writes are
//! idempotent. The database is the truth: a missing board (empty or flushed Redis)
//! is rebuilt from it on first read — with NX adds, so a rebuild never overwrites a
//! fresher live write — and while the cache is unreachable boards are served from
//! SQL. A write the cache refused is logged for repair (`RepairLog`).
//!
//! Weeks: XP is rolled up per player-local week (Monday start, the player's time
//! zone). The weekly board of week W holds each player's XP of their local week W;
//! a reader sees the board of their own current local week. So near Monday 00:00
//! players east of the reader already appear on next week's board.
//!
//! Members are zero-padded player ids, so ties (equal XP) order by id descending in
//! Redis, in memory and in SQL alike. Every write to a board sets a new random
//! revision after changing scores and cards, so a top rendered for revision R is
//! what any reader of R would render: this instance keeps rendered tops by revision
//! and a reader of the same revision only fetches its own rank.
//!
//! The shape is the duels template: `model.rs` (parsed types, results), `error.rs`
//! (`LeaderboardsError`, no protocol), `store.rs` (the ports), `announce.rs` (the
//! once-a-second `leaderboard` event); here the use cases. Never `app`, `http`,
//! `grpc`, `jobs`, `extract`, axum or tonic.

mod announce;
mod error;
mod model;
mod store;

pub use announce::{ANNOUNCE_EVERY, ANNOUNCED_TOP};
pub use error::LeaderboardsError;
pub use model::{BoardChanged, BoardQuery, Limit, Me, Page, Scope, Source};
pub use store::{BoardNews, BoardStore, Players, Rankings, RepairLog};

use crate::cache::{Cache, CacheError, CacheResult};
use crate::clock::Clock;
use crate::local;
use crate::player::today;
use crate::storage::{BoardScope, PlayerRow, Store};
use announce::Announcer;
use model::Entry;
use shonen_rules::level_for_xp;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub type LeaderboardsResult<T> = Result<T, LeaderboardsError>;

/// A rendered top and the board revision it was rendered for.
type HeldPage = (String, Arc<str>);

/// The leaderboards use cases over a store `S` and a ranking cache `C` (the
/// service's `Store` and `Cache` unless a test brings its own).
pub struct Leaderboards<S: BoardStore = Store, C: Rankings = Cache> {
    store: S,
    cache: Arc<C>,
    players: Arc<dyn Players>,
    news: Arc<dyn BoardNews>,
    repairs: Arc<dyn RepairLog>,
    clock: Arc<Clock>,
    /// Serialises rebuilds: a flush must not start one per request.
    rebuild: tokio::sync::Mutex<()>,
    /// Rendered tops by (board key, limit).
    pages: Mutex<HashMap<(String, usize), HeldPage>>,
    announcer: Arc<Announcer>,
}

/// The player's member name on every board.
fn member(id: i64) -> String {
    format!("{id:012}")
}

fn board_key(scope: BoardScope<'_>) -> String {
    match scope {
        BoardScope::Global => "lb:global".into(),
        BoardScope::Class(c) => format!("lb:class:{c}"),
        BoardScope::Week(w) => format!("lb:week:{w}"),
    }
}

fn card_key(id: i64) -> String {
    format!("lb:card:{id}")
}

fn new_rev() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// The event data announcing a change of the board.
fn announced(scope: BoardScope<'_>) -> BoardChanged {
    match scope {
        BoardScope::Global => BoardChanged {
            class: None,
            scope: "global",
        },
        BoardScope::Week(_) => BoardChanged {
            class: None,
            scope: "weekly",
        },
        BoardScope::Class(c) => BoardChanged {
            class: Some(c.to_string()),
            scope: "class",
        },
    }
}

/// What a card holds: name, class and all-time XP (the level; on the weekly board
/// the score is this week's XP only).
#[derive(serde::Serialize, serde::Deserialize)]
struct Card {
    username: String,
    class: String,
    total_xp: i64,
}

impl Card {
    /// What an entry shows of the card: name, class and level (not the XP itself,
    /// which the weekly board does not show).
    fn shown(text: &str) -> Option<String> {
        let c: Card = serde_json::from_str(text).ok()?;
        Some(format!(
            "{}|{}|{}",
            c.username,
            c.class,
            shonen_rules::level_for_xp(c.total_xp)
        ))
    }

    /// As cached: the JSON object `{class, total_xp, username}`.
    fn text(&self) -> String {
        serde_json::json!({
            "username": self.username,
            "class": self.class,
            "total_xp": self.total_xp,
        })
        .to_string()
    }
}

fn cache_failed(e: impl std::fmt::Display) -> CacheError {
    CacheError::Other(e.to_string())
}

impl<S: BoardStore, C: Rankings> Leaderboards<S, C> {
    pub fn new(
        store: S,
        cache: Arc<C>,
        players: Arc<dyn Players>,
        news: Arc<dyn BoardNews>,
        repairs: Arc<dyn RepairLog>,
        clock: Arc<Clock>,
    ) -> Leaderboards<S, C> {
        Leaderboards {
            store,
            cache,
            players,
            news,
            repairs,
            clock,
            rebuild: Default::default(),
            pages: Default::default(),
            announcer: Default::default(),
        }
    }

    /// The Monday of the player's current local week.
    fn current_week(&self, p: &PlayerRow) -> String {
        local::week_start(today(p, self.clock.now())).to_string()
    }

    /// Writes the player's absolute scores on every board they are on (after a
    /// committed XP change).
    pub async fn record(&self, p: &PlayerRow) {
        let week = self.current_week(p);
        let week_xp = match self.store.week_xp(p.id, &week).await {
            Ok(xp) => xp,
            Err(e) => {
                tracing::warn!(error = %e, "weekly XP for the leaderboard");
                None
            }
        };
        self.write_scores(p, &week, week_xp).await;
    }

    /// `record` when the writer already knows the player's XP of `week` (as
    /// committed): no read, unless the current week has moved on since.
    pub async fn record_week(&self, p: &PlayerRow, week: &str, xp: i64) {
        if self.current_week(p) == week {
            self.write_scores(p, week, Some(xp)).await;
        } else {
            self.record(p).await;
        }
    }

    async fn write_scores(&self, p: &PlayerRow, week: &str, week_xp: Option<i64>) {
        let mut boards = vec![
            (BoardScope::Global, p.total_xp),
            (BoardScope::Class(&p.class), p.total_xp),
        ];
        if let Some(xp) = week_xp {
            boards.push((BoardScope::Week(week), xp));
        }
        let written = async {
            let card = Card {
                username: p.username.clone(),
                class: p.class.clone(),
                total_xp: p.total_xp,
            };
            self.cache.set(&card_key(p.id), &card.text(), None).await?;
            let m = member(p.id);
            for (scope, score) in &boards {
                self.cache.zset(&board_key(*scope), &m, *score).await?;
            }
            // New revisions last: a reader of a new revision sees the new scores.
            for (scope, _) in &boards {
                let rev_key = format!("{}:rev", board_key(*scope));
                self.cache.set(&rev_key, &new_rev(), None).await?;
            }
            self.changed(boards.iter().map(|(scope, _)| *scope));
            Ok::<(), CacheError>(())
        };
        if let Err(e) = written.await {
            tracing::warn!(error = %e, player = p.id, "leaderboard write failed; will repair");
            self.repairs.player(p.id);
        }
    }

    /// After a class change: off the old class board, then `record` (which puts the
    /// player on the new one).
    pub async fn class_changed(&self, p: &PlayerRow, old_class: &str) {
        if old_class == p.class {
            return;
        }
        let old = BoardScope::Class(old_class);
        let old_board = board_key(old);
        let removed = async {
            self.cache.zrem(&old_board, &member(p.id)).await?;
            self.cache
                .set(&format!("{old_board}:rev"), &new_rev(), None)
                .await?;
            self.changed([old]);
            Ok::<(), CacheError>(())
        };
        if let Err(e) = removed.await {
            tracing::warn!(error = %e, "leaderboard class change; will repair");
            self.repairs.player(p.id);
        }
        self.record(p).await;
    }

    /// Marks boards changed for the `leaderboard` announcer.
    /// The player's local week has begun: their weekly board is a new one (empty at
    /// first), which readers in their week now see, so it is announced.
    pub fn week_began(&self, p: &PlayerRow) {
        let week = self.current_week(p);
        self.changed(std::iter::once(BoardScope::Week(&week)));
    }

    fn changed<'a>(&self, scopes: impl IntoIterator<Item = BoardScope<'a>>) {
        let boards = scopes
            .into_iter()
            .map(|scope| (board_key(scope), announced(scope)))
            .collect();
        self.announcer.mark(&self.cache, &self.news, boards);
    }

    /// The page the query asks for, for the caller `me`.
    pub async fn page(&self, me: i64, query: &BoardQuery) -> LeaderboardsResult<Page> {
        let scope = Scope::parse(query.scope.as_deref(), query.class.as_deref())?;
        let limit = Limit::parse(query.limit.as_deref())?;
        self.page_of(scope, limit, me).await
    }

    /// The top `limit` of the board and the caller's own rank: from the cache, else
    /// (cache out) from the database.
    pub async fn page_of(&self, scope: Scope, limit: Limit, me: i64) -> LeaderboardsResult<Page> {
        let week;
        let board = match scope {
            Scope::Global => BoardScope::Global,
            Scope::Class(c) => BoardScope::Class(c.as_str()),
            Scope::Weekly => {
                let caller = self
                    .players
                    .player(me)
                    .await?
                    .ok_or(LeaderboardsError::PlayerNotFound)?;
                week = self.current_week(&caller);
                BoardScope::Week(&week)
            }
        };
        match self.cached_page(board, limit.get(), me).await {
            Ok(page) => Ok(page),
            Err(e) => {
                tracing::warn!(error = %e, "leaderboard from the cache failed; serving from the database");
                metrics::counter!("shonen_leaderboard_db_fallback_total").increment(1);
                self.database_page(board, limit.get(), me).await
            }
        }
    }

    fn held(&self, key: &str, limit: usize) -> Option<HeldPage> {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.get(&(key.to_string(), limit)).cloned()
    }

    fn keep(&self, key: &str, limit: usize, rev: String, entries: Arc<str>) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.insert((key.to_string(), limit), (rev, entries));
    }

    /// Loads the board from the database unless it is marked as built.
    async fn ensure_built(&self, scope: BoardScope<'_>) -> CacheResult<()> {
        let key = board_key(scope);
        let marker = format!("{key}:built");
        if self.cache.get(&marker).await?.is_some() {
            return Ok(());
        }
        let _guard = self.rebuild.lock().await;
        if self.cache.get(&marker).await?.is_some() {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let scores = self.store.board_scores(scope).await.map_err(cache_failed)?;
        let members: Vec<(String, i64)> =
            scores.iter().map(|(id, xp)| (member(*id), *xp)).collect();
        self.cache.zset_many_nx(&key, &members).await?;
        self.cache
            .set(&format!("{key}:rev"), &new_rev(), None)
            .await?;
        self.cache.set(&marker, "1", None).await?;
        tracing::info!(board = %key, players = members.len(), ms = started.elapsed().as_millis() as u64, "leaderboard rebuilt from the database");
        metrics::counter!("shonen_leaderboard_rebuilds_total").increment(1);
        Ok(())
    }

    async fn cached_page(&self, board: BoardScope<'_>, limit: usize, me: i64) -> CacheResult<Page> {
        let key = board_key(board);
        let marker = format!("{key}:built");
        let rev_key = format!("{key}:rev");
        let held = self.held(&key, limit);
        let want_top = if held.is_some() { None } else { Some(limit) };
        // Usually one round trip: marker, revision, own rank (and the top if needed).
        let mut page = match self
            .cache
            .zpage(&key, &marker, &rev_key, &member(me), want_top)
            .await?
        {
            Some(page) => page,
            None => {
                self.ensure_built(board).await?;
                self.cache
                    .zpage(&key, &marker, &rev_key, &member(me), Some(limit))
                    .await?
                    .ok_or_else(|| cache_failed("board vanished"))?
            }
        };
        let me = match page.rank {
            Some((rank, xp)) => Me {
                rank: Some(i64::try_from(rank).map_err(cache_failed)? + 1),
                xp,
            },
            None => Me::ABSENT,
        };
        if let (Some((rev, entries)), Some(current)) = (&held, &page.rev)
            && rev == current
        {
            metrics::counter!("shonen_leaderboard_page_hits_total").increment(1);
            return Ok(Page::new(entries.clone(), me, Source::Cache));
        }
        let top = match page.top.take() {
            Some(top) => top,
            None => self.cache.ztop(&key, limit).await?,
        };
        let ids: Vec<i64> = top.iter().filter_map(|(m, _)| m.parse().ok()).collect();
        let card_keys: Vec<String> = ids.iter().map(|id| card_key(*id)).collect();
        let cards = self.cache.get_many(&card_keys).await?;
        let mut known: HashMap<i64, Card> = HashMap::new();
        let mut missing = Vec::new();
        for (id, card) in ids.iter().zip(cards) {
            match card.and_then(|c| serde_json::from_str::<Card>(&c).ok()) {
                Some(card) => {
                    known.insert(*id, card);
                }
                None => missing.push(*id),
            }
        }
        if !missing.is_empty() {
            let rows = self
                .store
                .player_cards(&missing)
                .await
                .map_err(cache_failed)?;
            for r in rows {
                let card = Card {
                    username: r.username,
                    class: r.class,
                    total_xp: r.total_xp,
                };
                self.cache
                    .set_nx(&card_key(r.id), &card.text(), None)
                    .await?;
                known.insert(r.id, card);
            }
        }
        let weekly = matches!(board, BoardScope::Week(_));
        let entries: Vec<Entry<'_>> = top
            .iter()
            .enumerate()
            .filter_map(|(i, (m, xp))| {
                let card = known.get(&m.parse::<i64>().ok()?)?;
                let total = if weekly { card.total_xp } else { *xp };
                Some(Entry {
                    class: &card.class,
                    level: level_for_xp(total),
                    rank: i + 1,
                    username: &card.username,
                    xp: *xp,
                })
            })
            .collect();
        let entries: Arc<str> = serde_json::to_string(&entries)
            .map_err(cache_failed)?
            .into();
        if let Some(rev) = page.rev {
            self.keep(&key, limit, rev, entries.clone());
        }
        Ok(Page::new(entries, me, Source::Cache))
    }

    async fn database_page(
        &self,
        board: BoardScope<'_>,
        limit: usize,
        me: i64,
    ) -> LeaderboardsResult<Page> {
        let rows = self.store.board_top(board, limit as i64).await?;
        let entries: Vec<Entry<'_>> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| Entry {
                class: &r.class,
                level: level_for_xp(r.total_xp),
                rank: i + 1,
                username: &r.username,
                xp: r.xp,
            })
            .collect();
        let entries = serde_json::to_string(&entries)
            .map_err(|e| LeaderboardsError::Internal(e.to_string()))?;
        let me = match self.store.board_rank(board, me).await? {
            Some((rank, xp)) => Me {
                rank: Some(rank),
                xp,
            },
            None => Me::ABSENT,
        };
        Ok(Page::new(entries.into(), me, Source::Database))
    }
}

#[cfg(test)]
mod tests;
