//! The use cases over the real SQLite store (a fresh file per test) and the real
//! in-process cache; the caller's row is read from the store, the news port records
//! what was announced, the repair log what was logged. One test swaps in a cache
//! that is down, to see the database answer.

use super::*;
use crate::cache::ZPage;
use crate::ledger::{self, Entry as LedgerEntry};
use crate::storage::StoreResult;
use futures_util::future::BoxFuture;
use std::time::Duration;

/// Rows straight from the store.
struct StoreRows(Store);

impl Players for StoreRows {
    fn player(&self, id: i64) -> BoxFuture<'_, StoreResult<Option<PlayerRow>>> {
        Box::pin(self.0.player(id))
    }
}

#[derive(Default)]
struct Recorded {
    announced: Mutex<Vec<BoardChanged>>,
    repairs: Mutex<Vec<i64>>,
}

impl BoardNews for Recorded {
    fn board_changed(&self, board: BoardChanged) -> BoxFuture<'_, ()> {
        self.announced.lock().unwrap().push(board);
        Box::pin(async {})
    }
}

impl RepairLog for Recorded {
    fn player(&self, id: i64) {
        self.repairs.lock().unwrap().push(id);
    }
}

struct World<C: Rankings = Cache> {
    boards: Leaderboards<Store, C>,
    store: Store,
    clock: Arc<Clock>,
    seen: Arc<Recorded>,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    world_with(Cache::memory("t:")).await
}

async fn world_with<C: Rankings>(cache: C) -> World<C> {
    let (store, dir) = crate::testing::temp_store("boards").await;
    let clock = Arc::new(Clock::default());
    let seen = Arc::new(Recorded::default());
    let boards = Leaderboards::new(
        store.clone(),
        Arc::new(cache),
        Arc::new(StoreRows(store.clone())),
        seen.clone(),
        seen.clone(),
        clock.clone(),
    );
    World {
        boards,
        store,
        clock,
        seen,
        _dir: dir,
    }
}

fn query(scope: Option<&str>, class: Option<&str>, limit: Option<&str>) -> BoardQuery {
    BoardQuery {
        scope: scope.map(Into::into),
        class: class.map(Into::into),
        limit: limit.map(Into::into),
    }
}

fn json(page: &Page) -> serde_json::Value {
    serde_json::from_str(&page.to_json()).unwrap()
}

impl<C: Rankings> World<C> {
    /// A player registered now, in UTC, who earned `xp` today (so this week).
    async fn player(&self, username: &str, class: &str, xp: i64) -> PlayerRow {
        let now = self.clock.now();
        let mut tx = self.store.begin().await.unwrap();
        let mut p = tx
            .insert_player(crate::testing::new_player(username, class, now))
            .await
            .unwrap();
        if xp > 0 {
            ledger::post(
                &mut tx,
                &mut p,
                LedgerEntry {
                    at: now,
                    stat: Some(shonen_rules::Stat::Strength),
                    amount: xp,
                    reason: "training",
                    activity_id: None,
                    rule_key: None,
                },
            )
            .await
            .unwrap();
            tx.save_progress(&p).await.unwrap();
        }
        tx.commit().await.unwrap();
        self.store.player(p.id).await.unwrap().unwrap()
    }
}

#[test]
fn queries_are_parsed_once_as_today() {
    assert_eq!(Scope::parse(None, None).unwrap(), Scope::Global);
    assert_eq!(Scope::parse(Some("weekly"), None).unwrap(), Scope::Weekly);
    assert_eq!(
        Scope::parse(Some("class"), Some("speedster")).unwrap(),
        Scope::Class(shonen_rules::Class::Speedster)
    );
    let fails = |s: Option<&str>, c: Option<&str>| Scope::parse(s, c).unwrap_err();
    assert!(matches!(
        fails(Some("global"), Some("brawler")),
        LeaderboardsError::UnexpectedClass
    ));
    assert!(matches!(
        fails(Some("weekly"), Some("nope")),
        LeaderboardsError::UnexpectedClass
    ));
    assert!(matches!(
        fails(Some("class"), None),
        LeaderboardsError::InvalidClass
    ));
    assert!(matches!(
        fails(Some("class"), Some("Brawler")),
        LeaderboardsError::InvalidClass
    ));
    // An unknown scope is named first, whatever the class says.
    assert!(matches!(
        fails(Some("monthly"), Some("brawler")),
        LeaderboardsError::InvalidScope
    ));

    assert_eq!(Limit::parse(None).unwrap(), Limit::DEFAULT);
    assert_eq!(Limit::DEFAULT.get(), 50);
    assert_eq!(Limit::parse(Some("1")).unwrap().get(), 1);
    assert_eq!(Limit::parse(Some("100")).unwrap().get(), 100);
    for bad in ["0", "101", "-1", "ten", "", "2.5"] {
        assert!(
            matches!(
                Limit::parse(Some(bad)),
                Err(LeaderboardsError::InvalidLimit)
            ),
            "{bad}"
        );
    }
}

#[test]
fn a_page_renders_the_contracts_bytes() {
    let entries = serde_json::to_string(&[Entry {
        class: "brawler",
        level: 3,
        rank: 1,
        username: "ki\"ra",
        xp: 420,
    }])
    .unwrap();
    // What the page was rendered from before it was typed: a `json!` entry.
    let untyped = serde_json::json!([{
        "rank": 1,
        "username": "ki\"ra",
        "class": "brawler",
        "level": 3,
        "xp": 420,
    }]);
    assert_eq!(entries, untyped.to_string());
    let page = Page::new(
        entries.into(),
        Me {
            rank: Some(1),
            xp: 420,
        },
        Source::Cache,
    );
    let expected = r#"{"entries":[{"class":"brawler","level":3,"rank":1,"username":"ki\"ra","xp":420}],"me":{"rank":1,"xp":420}}"#;
    assert_eq!(page.to_json(), expected);
    // Through serde (the gRPC path) the same bytes.
    assert_eq!(serde_json::to_string(&page).unwrap(), expected);
    let empty = Page::new("[]".into(), Me::ABSENT, Source::Database);
    assert_eq!(
        empty.to_json(),
        r#"{"entries":[],"me":{"rank":null,"xp":0}}"#
    );
    assert_eq!(serde_json::to_string(&empty).unwrap(), empty.to_json());
}

#[tokio::test]
async fn boards_rebuild_from_the_database_then_follow_writes() {
    let w = world().await;
    let kira = w.player("kira", "brawler", 300).await;
    let rin = w.player("rin", "speedster", 500).await;
    let mob = w.player("mob", "brawler", 300).await;
    let fresh = w.player("fresh", "balanced", 0).await;

    // Nothing recorded yet: the first read builds the board from the database.
    let page = w
        .boards
        .page(kira.id, &query(None, None, None))
        .await
        .unwrap();
    assert_eq!(page.source, Source::Cache);
    let v = json(&page);
    let names: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["username"].as_str().unwrap())
        .collect();
    // Equal XP: the later id first.
    assert_eq!(names, ["rin", "mob", "kira", "fresh"]);
    assert_eq!(v["me"], serde_json::json!({"rank": 3, "xp": 300}));
    assert_eq!(v["entries"][0]["rank"], 1);
    assert_eq!(v["entries"][0]["level"], level_for_xp(500));

    // A recorded write moves the board; the page held for the old revision is not
    // served again.
    let mut kira2 = kira.clone();
    kira2.total_xp = 900;
    w.boards.record(&kira2).await;
    let page = w
        .boards
        .page(fresh.id, &query(None, None, Some("2")))
        .await
        .unwrap();
    let v = json(&page);
    assert_eq!(v["entries"].as_array().unwrap().len(), 2);
    assert_eq!(v["entries"][0]["username"], "kira");
    assert_eq!(v["entries"][0]["xp"], 900);
    assert_eq!(v["me"], serde_json::json!({"rank": 4, "xp": 0}));

    // The same revision again: the same top.
    let again = w
        .boards
        .page(rin.id, &query(None, None, Some("2")))
        .await
        .unwrap();
    assert_eq!(again.entries_json(), page.entries_json());
    assert_eq!(again.me.rank, Some(2));
    assert!(w.seen.repairs.lock().unwrap().is_empty());
    let _ = mob;
}

#[tokio::test]
async fn a_class_change_moves_the_player_between_class_boards() {
    let w = world().await;
    let kira = w.player("kira", "brawler", 300).await;
    let other = w.player("other", "speedster", 100).await;
    w.boards.record(&kira).await;
    w.boards.record(&other).await;
    let class_page = |me: i64, class: &'static str| {
        let boards = &w.boards;
        async move {
            json(
                &boards
                    .page(me, &query(Some("class"), Some(class), None))
                    .await
                    .unwrap(),
            )
        }
    };
    assert_eq!(class_page(kira.id, "brawler").await["me"]["rank"], 1);
    assert_eq!(
        class_page(kira.id, "speedster").await["me"],
        serde_json::json!({"rank": null, "xp": 0})
    );

    let mut moved = kira.clone();
    moved.class = "speedster".into();
    w.boards.class_changed(&moved, "brawler").await;
    let brawlers = class_page(kira.id, "brawler").await;
    assert_eq!(brawlers["entries"], serde_json::json!([]));
    assert_eq!(brawlers["me"]["rank"], serde_json::Value::Null);
    let speedsters = class_page(kira.id, "speedster").await;
    assert_eq!(speedsters["me"], serde_json::json!({"rank": 1, "xp": 300}));
    assert_eq!(speedsters["entries"][0]["class"], "speedster");
    assert_eq!(speedsters["entries"][1]["username"], "other");
}

#[tokio::test]
async fn the_weekly_board_is_the_callers_week() {
    let w = world().await;
    let kira = w.player("kira", "brawler", 250).await;
    let idle = w.player("idle", "balanced", 0).await;
    w.boards.record(&kira).await;
    w.boards.record(&idle).await;
    let weekly = query(Some("weekly"), None, None);
    let v = json(&w.boards.page(kira.id, &weekly).await.unwrap());
    assert_eq!(v["me"], serde_json::json!({"rank": 1, "xp": 250}));
    // No XP this week: not on the week's board.
    let v = json(&w.boards.page(idle.id, &weekly).await.unwrap());
    assert_eq!(v["entries"].as_array().unwrap().len(), 1);
    assert_eq!(v["me"]["rank"], serde_json::Value::Null);

    // A writer that knows the week's XP records it without a read.
    let week = local::week_start(today(&kira, w.clock.now())).to_string();
    let mut more = kira.clone();
    more.total_xp = 1000;
    w.boards.record_week(&more, &week, 400).await;
    let v = json(&w.boards.page(idle.id, &weekly).await.unwrap());
    // The weekly score is the week's XP; the level comes from all-time XP.
    assert_eq!(v["entries"][0]["xp"], 400);
    assert_eq!(v["entries"][0]["level"], level_for_xp(1000));

    let gone = w.boards.page(i64::MAX, &weekly).await.unwrap_err();
    assert!(matches!(gone, LeaderboardsError::PlayerNotFound));
    let bad = w
        .boards
        .page(kira.id, &query(Some("weekly"), None, Some("0")))
        .await
        .unwrap_err();
    assert!(matches!(bad, LeaderboardsError::InvalidLimit));
}

#[tokio::test]
async fn a_changed_top_is_announced_once_a_second_at_most() {
    let w = world().await;
    let kira = w.player("kira", "brawler", 300).await;
    w.boards.record(&kira).await;
    let announced = || w.seen.announced.lock().unwrap().clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while announced().len() < 3 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut got: Vec<String> = announced()
        .iter()
        .map(|b| serde_json::to_string(b).unwrap())
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            r#"{"class":"brawler","scope":"class"}"#,
            r#"{"scope":"global"}"#,
            r#"{"scope":"weekly"}"#,
        ]
    );
    // The same top written again announces nothing new.
    w.boards.record(&kira).await;
    tokio::time::sleep(ANNOUNCE_EVERY + Duration::from_millis(600)).await;
    assert_eq!(announced().len(), 3);
    // A changed top is announced (after the second the last comparison holds).
    let mut more = kira.clone();
    more.total_xp = 301;
    w.boards.record(&more).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while announced().len() < 5 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(announced().len(), 5, "{:?}", announced());
}

/// A cache that never answers.
struct Down;

fn down<T>() -> CacheResult<T> {
    Err(CacheError::Other("down".into()))
}

impl Rankings for Down {
    async fn get(&self, _: &str) -> CacheResult<Option<String>> {
        down()
    }
    async fn get_many(&self, _: &[String]) -> CacheResult<Vec<Option<String>>> {
        down()
    }
    async fn set(&self, _: &str, _: &str, _: Option<Duration>) -> CacheResult<()> {
        down()
    }
    async fn set_nx(&self, _: &str, _: &str, _: Option<Duration>) -> CacheResult<bool> {
        down()
    }
    async fn zset(&self, _: &str, _: &str, _: i64) -> CacheResult<()> {
        down()
    }
    async fn zset_many_nx(&self, _: &str, _: &[(String, i64)]) -> CacheResult<()> {
        down()
    }
    async fn zrem(&self, _: &str, _: &str) -> CacheResult<()> {
        down()
    }
    async fn ztop(&self, _: &str, _: usize) -> CacheResult<Vec<(String, i64)>> {
        down()
    }
    async fn zpage(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: &str,
        _: Option<usize>,
    ) -> CacheResult<Option<ZPage>> {
        down()
    }
}

#[tokio::test]
async fn with_the_cache_down_writes_are_logged_and_pages_come_from_the_database() {
    let w = world_with(Down).await;
    let kira = w.player("kira", "brawler", 300).await;
    let rin = w.player("rin", "speedster", 500).await;
    w.boards.record(&kira).await;
    w.boards.class_changed(&rin, "brawler").await;
    assert_eq!(*w.seen.repairs.lock().unwrap(), [kira.id, rin.id, rin.id]);

    let page = w
        .boards
        .page(kira.id, &query(None, None, None))
        .await
        .unwrap();
    assert_eq!(page.source, Source::Database);
    assert_eq!(
        page.to_json(),
        format!(
            r#"{{"entries":[{{"class":"speedster","level":{},"rank":1,"username":"rin","xp":500}},{{"class":"brawler","level":{},"rank":2,"username":"kira","xp":300}}],"me":{{"rank":2,"xp":300}}}}"#,
            level_for_xp(500),
            level_for_xp(300)
        )
    );
    let weekly = w
        .boards
        .page(rin.id, &query(Some("weekly"), None, None))
        .await
        .unwrap();
    assert_eq!(weekly.me.rank, Some(1));
    assert_eq!(weekly.me.xp, 500);
}
