//! Leaderboards: global all-time XP, this week's XP, and per class, as cache sorted
//! sets. Scores are written as absolute values from committed rows after every XP
//! change (`record`, via `progress::after_commit`), so writes are idempotent. The
//! database is the truth: a missing board (empty or flushed Redis) is rebuilt from
//! it on first read — with NX adds, so a rebuild never overwrites a fresher live
//! write — and while the cache is unreachable boards are served from SQL.
//!
//! Weeks: XP is rolled up per player-local week (Monday start, the player's time
//! zone). The weekly board of week W holds each player's XP of their local week W;
//! a reader sees the board of their own current local week. So near Monday 00:00
//! players east of the reader already appear on next week's board.
//!
//! Members are zero-padded player ids, so ties (equal XP) order by id descending in
//! Redis, in memory and in SQL alike.
//!
//! Announcements: after a write, the board is marked changed; a per-instance task
//! compares the board's top 50 with the last announced one (kept in the cache, so
//! all instances agree) and, when it differs, broadcasts a `leaderboard` event
//! `{scope, class?}` to every connection. A cache key with a one-second TTL, taken
//! with SET NX before each comparison, keeps announcements of one board to at most
//! one a second across instances; a change that meets a taken key is retried after
//! it expires, so the last change of a burst is always announced.

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::services::{hot, local, progress};
use crate::storage::{BoardScope, PlayerRow};
use serde_json::{Value, json};
use shonen_rules::{Class, level_for_xp};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 100;

/// Per-instance board state: serialises rebuilds (a flush must not start one per
/// request), and keeps rendered top pages by board revision. Every write to a board
/// sets a new random revision after changing scores and cards, so a page rendered
/// for revision R is exactly what any reader of R would render; a request whose
/// revision matches skips fetching and rendering the top (own rank is always read
/// fresh).
#[derive(Default)]
pub struct Rebuilds {
    lock: Mutex<()>,
    pages: std::sync::Mutex<HashMap<(String, usize), HeldPage>>,
    announcer: Arc<Announcer>,
}

/// How many entries a `leaderboard` announcement watches.
pub const ANNOUNCED_TOP: usize = 50;
/// At most one announcement per board per this interval, across instances.
pub const ANNOUNCE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Boards changed since their last comparison, waiting for the announcer task.
#[derive(Default)]
struct Announcer {
    /// Board key → the event's `data` (`{scope, class?}`).
    changed: std::sync::Mutex<HashMap<String, Value>>,
    wake: tokio::sync::Notify,
    started: std::sync::atomic::AtomicBool,
}

impl Announcer {
    fn mark(&self, key: String, data: Value) {
        self.changed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_insert(data);
        self.wake.notify_one();
    }

    fn take(&self) -> Vec<(String, Value)> {
        self.changed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect()
    }
}

/// The `data` of a board's `leaderboard` event (every week's board is `weekly`: it
/// is the current board of the players in that week).
fn announced_scope(scope: BoardScope<'_>) -> Value {
    match scope {
        BoardScope::Global => json!({ "scope": "global" }),
        BoardScope::Week(_) => json!({ "scope": "weekly" }),
        BoardScope::Class(c) => json!({ "scope": "class", "class": c }),
    }
}

/// Marks boards changed, starting the announcer task on first use.
fn changed(state: &AppState, boards: Vec<(String, Value)>) {
    let announcer = &state.rebuilds.announcer;
    if !announcer
        .started
        .swap(true, std::sync::atomic::Ordering::AcqRel)
    {
        tokio::spawn(announce_loop(
            Arc::downgrade(announcer),
            state.cache.clone(),
            state.events.clone(),
        ));
    }
    for (key, data) in boards {
        announcer.mark(key, data);
    }
}

/// The announcer task of this instance: compares changed boards' tops with the
/// last announced ones and broadcasts the differences.
async fn announce_loop(
    announcer: std::sync::Weak<Announcer>,
    cache: Arc<crate::cache::Cache>,
    events: crate::events::Events,
) {
    let mut waiting: Vec<(String, Value)> = Vec::new();
    loop {
        // The task ends once the service state (holding the announcer) is gone.
        let Some(a) = announcer.upgrade() else { return };
        for (key, data) in a.take() {
            if !waiting.iter().any(|(k, _)| *k == key) {
                waiting.push((key, data));
            }
        }
        if waiting.is_empty() {
            // A mark made after `take` left a permit in `wake`: nothing is lost.
            let _ =
                tokio::time::timeout(std::time::Duration::from_secs(5), a.wake.notified()).await;
            continue;
        }
        drop(a);
        let mut retry = Vec::new();
        for (key, data) in waiting.drain(..) {
            match announce(&cache, &events, &key, &data).await {
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
async fn announce(
    cache: &crate::cache::Cache,
    events: &crate::events::Events,
    key: &str,
    data: &Value,
) -> crate::cache::CacheResult<bool> {
    if !cache
        .set_nx(&format!("{key}:announcing"), "1", Some(ANNOUNCE_EVERY))
        .await?
    {
        return Ok(false);
    }
    let top = cache.ztop(key, ANNOUNCED_TOP).await?;
    let mut seen = String::with_capacity(top.len() * 24);
    for (m, xp) in &top {
        seen.push_str(m);
        seen.push(':');
        seen.push_str(&xp.to_string());
        seen.push(',');
    }
    let last_key = format!("{key}:announced");
    if cache.get(&last_key).await?.as_deref() == Some(seen.as_str()) {
        return Ok(true);
    }
    // Weeks' boards stop changing; their last announced top need not stay forever.
    cache
        .set(
            &last_key,
            &seen,
            Some(std::time::Duration::from_secs(14 * 86_400)),
        )
        .await?;
    events.broadcast("leaderboard", data.clone()).await;
    metrics::counter!("shonen_leaderboard_announcements_total").increment(1);
    Ok(true)
}

/// A rendered top page and the board revision it was rendered for.
type HeldPage = (String, Arc<str>);

impl Rebuilds {
    fn page(&self, key: &str, limit: usize) -> Option<HeldPage> {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.get(&(key.to_string(), limit)).cloned()
    }

    fn keep(&self, key: &str, limit: usize, rev: String, entries: Arc<str>) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.insert((key.to_string(), limit), (rev, entries));
    }
}

fn new_rev() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// A validated leaderboard request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scope {
    Global,
    Weekly,
    Class(Class),
}

impl Scope {
    /// Validates `scope`, `class` (required for, and only with, `scope=class`).
    pub fn parse(scope: Option<&str>, class: Option<&str>) -> ApiResult<Scope> {
        let bad_class = || {
            ApiError::validation(
                "class",
                "invalid_class",
                "class must be brawler, speedster, strategist or balanced",
            )
        };
        match scope.unwrap_or("global") {
            "global" | "weekly" if class.is_some() => Err(ApiError::validation(
                "class",
                "unexpected_class",
                "class is only allowed with scope=class",
            )),
            "global" => Ok(Scope::Global),
            "weekly" => Ok(Scope::Weekly),
            "class" => Ok(Scope::Class(
                Class::parse(class.ok_or_else(bad_class)?).ok_or_else(bad_class)?,
            )),
            _ => Err(ApiError::validation(
                "scope",
                "invalid_scope",
                "scope must be global, weekly or class",
            )),
        }
    }
}

pub fn parse_limit(limit: Option<&str>) -> ApiResult<usize> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::validation("limit", "invalid_limit", "limit must be 1–100")),
    }
}

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

/// The Monday of the player's current local week.
fn current_week(p: &PlayerRow, state: &AppState) -> String {
    local::week_start(progress::today(p, state.clock.now())).to_string()
}

/// Writes the player's absolute scores on every board they are on.
pub async fn record(state: &AppState, p: &PlayerRow) {
    let week = current_week(p, state);
    let week_xp = match state.store.week_xp(p.id, &week).await {
        Ok(xp) => xp,
        Err(e) => {
            tracing::warn!(error = %e, "weekly XP for the leaderboard");
            None
        }
    };
    write_scores(state, p, &week, week_xp).await;
}

/// `record` when the writer already knows the player's XP of `week` (as committed):
/// no read, unless the current week has moved on since.
pub async fn record_week(state: &AppState, p: &PlayerRow, week: &str, xp: i64) {
    if current_week(p, state) == week {
        write_scores(state, p, week, Some(xp)).await;
    } else {
        record(state, p).await;
    }
}

async fn write_scores(state: &AppState, p: &PlayerRow, week: &str, week_xp: Option<i64>) {
    let m = member(p.id);
    let card =
        json!({ "username": p.username, "class": p.class, "total_xp": p.total_xp }).to_string();
    let cache = &state.cache;
    let result = async {
        let mut boards = vec![
            (BoardScope::Global, p.total_xp),
            (BoardScope::Class(&p.class), p.total_xp),
        ];
        if let Some(xp) = week_xp {
            boards.push((BoardScope::Week(week), xp));
        }
        let scopes: Vec<(String, Value)> = boards
            .iter()
            .map(|(scope, _)| (board_key(*scope), announced_scope(*scope)))
            .collect();
        let boards: Vec<(String, i64)> = boards
            .into_iter()
            .map(|(scope, xp)| (board_key(scope), xp))
            .collect();
        cache.set(&card_key(p.id), &card, None).await?;
        for (key, score) in &boards {
            cache.zset(key, &m, *score).await?;
        }
        // New revisions last: a reader of a new revision sees the new scores.
        for (key, _) in &boards {
            cache.set(&format!("{key}:rev"), &new_rev(), None).await?;
        }
        changed(state, scopes);
        Ok::<(), crate::cache::CacheError>(())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, player = p.id, "leaderboard write failed; will repair");
        state.repairs.player(p.id);
    }
}

/// After a class change: off the old class board (then `record` adds the new one).
pub async fn class_changed(state: &AppState, p: &PlayerRow, old_class: &str) {
    if old_class == p.class {
        return;
    }
    let m = member(p.id);
    let old_board = board_key(BoardScope::Class(old_class));
    let removed = async {
        state.cache.zrem(&old_board, &m).await?;
        state
            .cache
            .set(&format!("{old_board}:rev"), &new_rev(), None)
            .await?;
        let old = BoardScope::Class(old_class);
        changed(state, vec![(board_key(old), announced_scope(old))]);
        Ok::<(), crate::cache::CacheError>(())
    };
    if let Err(e) = removed.await {
        tracing::warn!(error = %e, "leaderboard class change; will repair");
        state.repairs.player(p.id);
    }
    record(state, p).await;
}

/// Loads the board from the database unless it is marked as built.
async fn ensure_built(state: &AppState, scope: BoardScope<'_>) -> crate::cache::CacheResult<()> {
    let key = board_key(scope);
    let marker = format!("{key}:built");
    if state.cache.get(&marker).await?.is_some() {
        return Ok(());
    }
    let _guard = state.rebuilds.lock.lock().await;
    if state.cache.get(&marker).await?.is_some() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let scores = state
        .store
        .board_scores(scope)
        .await
        .map_err(|e| crate::cache::CacheError::Other(e.to_string()))?;
    let members: Vec<(String, i64)> = scores.iter().map(|(id, xp)| (member(*id), *xp)).collect();
    state.cache.zset_many_nx(&key, &members).await?;
    state
        .cache
        .set(&format!("{key}:rev"), &new_rev(), None)
        .await?;
    state.cache.set(&marker, "1", None).await?;
    tracing::info!(board = %key, players = members.len(), ms = started.elapsed().as_millis() as u64, "leaderboard rebuilt from the database");
    metrics::counter!("shonen_leaderboard_rebuilds_total").increment(1);
    Ok(())
}

/// `{entries: [{rank, username, class, level, xp}], me: {rank, xp}}`.
/// The page as JSON text (the cached top is spliced in as text, not re-rendered).
pub async fn page(state: &AppState, scope: Scope, limit: usize, me: i64) -> ApiResult<String> {
    let week;
    let board = match scope {
        Scope::Global => BoardScope::Global,
        Scope::Class(c) => BoardScope::Class(c.as_str()),
        Scope::Weekly => {
            let caller = hot::player(state, me)
                .await?
                .ok_or_else(|| ApiError::not_found("player"))?;
            week = current_week(&caller, state);
            BoardScope::Week(&week)
        }
    };
    match from_cache(state, board, limit, me).await {
        Ok(v) => {
            hot::repair(state).await;
            Ok(v)
        }
        Err(e) => {
            tracing::warn!(error = %e, "leaderboard from the cache failed; serving from the database");
            metrics::counter!("shonen_leaderboard_db_fallback_total").increment(1);
            from_database(state, board, limit, me).await
        }
    }
}

fn entry(rank: usize, username: &str, class: &str, xp: i64, total_xp: i64) -> Value {
    json!({
        "rank": rank,
        "username": username,
        "class": class,
        "level": level_for_xp(total_xp),
        "xp": xp,
    })
}

async fn from_cache(
    state: &AppState,
    board: BoardScope<'_>,
    limit: usize,
    me: i64,
) -> Result<String, crate::cache::CacheError> {
    let key = board_key(board);
    let marker = format!("{key}:built");
    let rev_key = format!("{key}:rev");
    let held = state.rebuilds.page(&key, limit);
    let want_top = if held.is_some() { None } else { Some(limit) };
    // Usually one round trip: marker, revision, own rank (and the top if needed).
    let mut page = match state
        .cache
        .zpage(&key, &marker, &rev_key, &member(me), want_top)
        .await?
    {
        Some(page) => page,
        None => {
            ensure_built(state, board).await?;
            state
                .cache
                .zpage(&key, &marker, &rev_key, &member(me), Some(limit))
                .await?
                .ok_or_else(|| crate::cache::CacheError::Other("board vanished".into()))?
        }
    };
    let me_value = match page.rank {
        Some((rank, xp)) => json!({ "rank": rank + 1, "xp": xp }),
        None => json!({ "rank": Value::Null, "xp": 0 }),
    };
    if let (Some((rev, entries)), Some(current)) = (&held, &page.rev)
        && rev == current
    {
        metrics::counter!("shonen_leaderboard_page_hits_total").increment(1);
        return Ok(body(entries, &me_value));
    }
    let top = match page.top.take() {
        Some(top) => top,
        None => state.cache.ztop(&key, limit).await?,
    };
    let ids: Vec<i64> = top.iter().filter_map(|(m, _)| m.parse().ok()).collect();
    // Cards carry name, class and all-time XP (for the level: on the weekly board
    // the score is this week's XP only).
    let card_keys: Vec<String> = ids.iter().map(|id| card_key(*id)).collect();
    let cards = state.cache.get_many(&card_keys).await?;
    let mut known: HashMap<i64, (String, String, i64)> = HashMap::new();
    let mut missing = Vec::new();
    for (id, card) in ids.iter().zip(cards) {
        match card.and_then(|c| serde_json::from_str::<Value>(&c).ok()) {
            Some(v) => {
                known.insert(
                    *id,
                    (
                        v["username"].as_str().unwrap_or_default().to_string(),
                        v["class"].as_str().unwrap_or_default().to_string(),
                        v["total_xp"].as_i64().unwrap_or(0),
                    ),
                );
            }
            None => missing.push(*id),
        }
    }
    if !missing.is_empty() {
        let rows = state
            .store
            .player_cards(&missing)
            .await
            .map_err(|e| crate::cache::CacheError::Other(e.to_string()))?;
        for r in rows {
            let card = json!({ "username": r.username, "class": r.class, "total_xp": r.total_xp })
                .to_string();
            state.cache.set_nx(&card_key(r.id), &card, None).await?;
            known.insert(r.id, (r.username, r.class, r.total_xp));
        }
    }
    let weekly = matches!(board, BoardScope::Week(_));
    let entries: Vec<Value> = top
        .iter()
        .enumerate()
        .filter_map(|(i, (m, xp))| {
            let id: i64 = m.parse().ok()?;
            let (username, class, total) = known.get(&id)?;
            let total = if weekly { *total } else { *xp };
            Some(entry(i + 1, username, class, *xp, total))
        })
        .collect();
    let entries: Arc<str> = Value::Array(entries).to_string().into();
    if let Some(rev) = page.rev {
        state.rebuilds.keep(&key, limit, rev, entries.clone());
    }
    Ok(body(&entries, &me_value))
}

async fn from_database(
    state: &AppState,
    board: BoardScope<'_>,
    limit: usize,
    me: i64,
) -> ApiResult<String> {
    let rows = state.store.board_top(board, limit as i64).await?;
    let entries: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| entry(i + 1, &r.username, &r.class, r.xp, r.total_xp))
        .collect();
    let me_value = match state.store.board_rank(board, me).await? {
        Some((rank, xp)) => json!({ "rank": rank, "xp": xp }),
        None => json!({ "rank": Value::Null, "xp": 0 }),
    };
    Ok(json!({ "entries": entries, "me": me_value }).to_string())
}

fn body(entries: &str, me: &Value) -> String {
    format!("{{\"entries\":{entries},\"me\":{me}}}")
}
