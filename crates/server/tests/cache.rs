//! One test suite for both cache implementations: the in-process one and Redis
//! (`SHONEN_TEST_REDIS_URL`; required in CI with `SHONEN_TEST_REQUIRE_REDIS=1`).
//! Every test uses its own key prefix, so tests never collide on a shared Redis.

mod common;

use shonen_server::cache::Cache;
use std::time::Duration;

macro_rules! both_caches {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(shonen_server::cache::Cache::memory(&super::common::unique_prefix())).await })*
        }
        mod redis {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(url) = super::common::redis_url() else {
                    eprintln!("skipping Redis variant: SHONEN_TEST_REDIS_URL not set");
                    return;
                };
                let prefix = super::common::unique_prefix();
                let cache = shonen_server::cache::Cache::redis(&url, &prefix)
                    .expect("redis URL");
                cache.ping().await.unwrap_or_else(|e| panic!("Redis at {url} is unreachable: {e}"));
                super::$name(cache).await;
                super::common::drop_redis_keys(&url, &prefix);
            })*
        }
    };
}

both_caches!(
    strings_set_get_delete_and_expire,
    set_nx_never_overwrites,
    sorted_sets_rank_highest_first_with_ties_by_member,
    sorted_set_nx_keeps_fresher_scores,
    counters_and_capped_lists,
    publish_reaches_subscribers,
    prefixes_isolate_apps,
);

async fn strings_set_get_delete_and_expire(c: Cache) {
    assert_eq!(c.get("a").await.unwrap(), None);
    c.set("a", "1", None).await.unwrap();
    c.set("b", "2", Some(Duration::from_millis(150)))
        .await
        .unwrap();
    assert_eq!(c.get("a").await.unwrap().as_deref(), Some("1"));
    assert_eq!(
        c.get_many(&["a".into(), "zz".into(), "b".into()])
            .await
            .unwrap(),
        vec![Some("1".into()), None, Some("2".into())]
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(c.get("b").await.unwrap(), None, "expired");
    c.del(&["a".into()]).await.unwrap();
    assert_eq!(c.get("a").await.unwrap(), None);
}

async fn set_nx_never_overwrites(c: Cache) {
    assert!(c.set_nx("k", "first", None).await.unwrap());
    assert!(!c.set_nx("k", "second", None).await.unwrap());
    assert_eq!(c.get("k").await.unwrap().as_deref(), Some("first"));
    c.set("k", "third", None).await.unwrap();
    assert_eq!(c.get("k").await.unwrap().as_deref(), Some("third"));
}

async fn sorted_sets_rank_highest_first_with_ties_by_member(c: Cache) {
    c.zset("lb", "000000000001", 50).await.unwrap();
    c.zset("lb", "000000000002", 80).await.unwrap();
    c.zset("lb", "000000000003", 50).await.unwrap();
    c.zset("lb", "000000000004", 10).await.unwrap();
    // Absolute writes: setting again replaces.
    c.zset("lb", "000000000004", 90).await.unwrap();
    let top = c.ztop("lb", 3).await.unwrap();
    assert_eq!(
        top,
        vec![
            ("000000000004".to_string(), 90),
            ("000000000002".to_string(), 80),
            ("000000000003".to_string(), 50),
        ]
    );
    assert_eq!(c.zrank("lb", "000000000001").await.unwrap(), Some((3, 50)));
    assert_eq!(c.zrank("lb", "000000000004").await.unwrap(), Some((0, 90)));
    assert_eq!(c.zrank("lb", "nobody").await.unwrap(), None);
    assert_eq!(c.zrank("missing", "x").await.unwrap(), None);
    c.zrem("lb", "000000000004").await.unwrap();
    assert_eq!(c.zrank("lb", "000000000002").await.unwrap(), Some((0, 80)));
    assert!(c.ztop("missing", 10).await.unwrap().is_empty());
    // A page needs the board's marker; then revision, top and rank come together.
    let page = |top| c.zpage("lb", "lb:built", "lb:rev", "000000000003", top);
    assert_eq!(page(Some(1)).await.unwrap(), None);
    c.set("lb:built", "1", None).await.unwrap();
    let p = page(Some(1)).await.unwrap().unwrap();
    assert_eq!(p.top, Some(vec![("000000000002".to_string(), 80)]));
    assert_eq!(p.rank, Some((1, 50)));
    assert_eq!(p.rev, None);
    c.set("lb:rev", "r1", None).await.unwrap();
    let p = page(None).await.unwrap().unwrap();
    assert_eq!(
        (p.top, p.rank, p.rev.as_deref()),
        (None, Some((1, 50)), Some("r1"))
    );
    let p = c
        .zpage("lb", "lb:built", "lb:rev", "nobody", Some(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.top.map(|t| t.len()), Some(3));
    assert_eq!(p.rank, None);
}

async fn sorted_set_nx_keeps_fresher_scores(c: Cache) {
    c.zset("lb", "a", 100).await.unwrap();
    c.zset_many_nx("lb", &[("a".into(), 1), ("b".into(), 2)])
        .await
        .unwrap();
    assert_eq!(c.zrank("lb", "a").await.unwrap(), Some((0, 100)));
    assert_eq!(c.zrank("lb", "b").await.unwrap(), Some((1, 2)));
}

async fn counters_and_capped_lists(c: Cache) {
    assert_eq!(c.incr("n").await.unwrap(), 1);
    assert_eq!(c.incr("n").await.unwrap(), 2);
    // A counter that starts from a floor when missing, and only then.
    assert_eq!(c.incr_from("m", 1_000).await.unwrap(), 1_001);
    assert_eq!(c.incr_from("m", 5_000).await.unwrap(), 1_002);
    assert_eq!(c.incr_from("n", 1_000).await.unwrap(), 3);
    for i in 0..5 {
        c.push_and_publish("log", &i.to_string(), 3, "ch", "m")
            .await
            .unwrap();
    }
    assert_eq!(c.list("log").await.unwrap(), vec!["4", "3", "2"]);
    assert!(c.list("nothing").await.unwrap().is_empty());
}

async fn publish_reaches_subscribers(c: Cache) {
    let mut rx = c.messages();
    c.subscribe("events").await.unwrap();
    c.publish("other", "x").await.unwrap();
    c.publish("events", "hello").await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let m = rx.recv().await.unwrap();
            if m.channel == "events" {
                return m.payload;
            }
        }
    })
    .await
    .expect("message within 5 s");
    assert_eq!(got, "hello");
}

async fn prefixes_isolate_apps(c: Cache) {
    let other = match common::redis_url() {
        Some(url) if c.is_redis() => Cache::redis(&url, &common::unique_prefix()).unwrap(),
        _ => Cache::memory(&common::unique_prefix()),
    };
    c.set("shared", "mine", None).await.unwrap();
    c.zset("lb", "m", 1).await.unwrap();
    assert_eq!(other.get("shared").await.unwrap(), None);
    assert_eq!(other.zrank("lb", "m").await.unwrap(), None);
}
