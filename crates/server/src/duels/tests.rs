//! The use cases over the real SQLite store (a fresh file per test), the in-process
//! battle, a local object directory and a job port that only records what it was
//! asked to schedule: the ports are all they need.

use super::*;
use crate::objects::S3Settings;
use crate::storage::Tx;
use futures_util::future::BoxFuture;
use std::sync::Mutex;

/// What the use cases asked the job system for.
#[derive(Default)]
struct Recorded {
    expiries: Mutex<Vec<(i64, DateTime<Utc>)>>,
    battles: Mutex<Vec<i64>>,
    wakes: Mutex<usize>,
}

impl DuelJobs<Tx> for Recorded {
    fn expire_at<'a>(
        &'a self,
        _tx: &'a mut Tx,
        duel_id: i64,
        at: DateTime<Utc>,
        _now: DateTime<Utc>,
    ) -> BoxFuture<'a, StoreResult<()>> {
        self.expiries.lock().unwrap().push((duel_id, at));
        Box::pin(async { Ok(()) })
    }

    fn fight<'a>(
        &'a self,
        _tx: &'a mut Tx,
        duel_id: i64,
        _now: DateTime<Utc>,
    ) -> BoxFuture<'a, StoreResult<()>> {
        self.battles.lock().unwrap().push(duel_id);
        Box::pin(async { Ok(()) })
    }

    fn wake(&self) {
        *self.wakes.lock().unwrap() += 1;
    }
}

struct World {
    duels: Duels,
    store: Store,
    clock: Arc<Clock>,
    jobs: Arc<Recorded>,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let (store, dir) = crate::testing::temp_store("duels").await;
    let mut objects = Objects::open("", dir.path(), &S3Settings::default()).unwrap();
    objects.enable_links(b"test secret").await.unwrap();
    let clock = Arc::new(Clock::default());
    let jobs = Arc::new(Recorded::default());
    let duels = Duels::new(
        store.clone(),
        jobs.clone(),
        clock.clone(),
        objects,
        Arc::new(Executor::InProcess),
    );
    World {
        duels,
        store,
        clock,
        jobs,
        _dir: dir,
    }
}

impl World {
    /// A player registered now, in UTC, with some XP to fight with.
    async fn player(&self, username: &str, class: &str, xp: i64) -> i64 {
        let now = self.clock.now();
        let mut tx = self.store.begin().await.unwrap();
        let mut p = tx
            .insert_player(crate::testing::new_player(username, class, now))
            .await
            .unwrap();
        p.total_xp = xp;
        p.xp_strength = xp;
        tx.save_progress(&p).await.unwrap();
        tx.commit().await.unwrap();
        p.id
    }

    async fn challenge(&self, from: i64, to: &str) -> DuelsResult<Challenged> {
        let input = ChallengeInput {
            opponent: to.into(),
        };
        self.duels.challenge(from, input).await
    }

    async fn fighting_xp(&self, id: i64) -> i64 {
        self.store.player(id).await.unwrap().unwrap().xp_fighting
    }
}

#[tokio::test]
async fn a_challenge_accepted_is_fought_and_paid_once() {
    let w = world().await;
    let kenji = w.player("kenji", "brawler", 400).await;
    let rin = w.player("rin", "speedster", 350).await;
    let other = w.player("mob", "balanced", 0).await;

    let sent = w.challenge(kenji, "  RIN ").await.unwrap();
    assert_eq!(sent.players(), [kenji, rin]);
    let id = DuelId::from(sent.duel.id);
    assert_eq!(
        (sent.duel.challenger.as_str(), sent.duel.opponent.as_str()),
        ("kenji", "rin")
    );
    assert_eq!(sent.duel.status, "pending");
    let expiry = w.jobs.expiries.lock().unwrap().clone();
    assert_eq!(expiry.len(), 1);
    assert_eq!(expiry[0].0, id.get());
    // The clock runs: the expiry is 24 h after a moment just gone.
    let waits = expiry[0].1 - w.clock.now();
    assert!(waits <= Duration::hours(EXPIRY_HOURS) && waits > Duration::hours(EXPIRY_HOURS - 1));

    let own = w.duels.accept(kenji, id).await;
    assert!(matches!(own, Err(DuelsError::ChallengerCannotAnswer)));
    let stranger = w.duels.accept(other, id).await;
    assert!(matches!(stranger, Err(DuelsError::NotFound)));

    let queued = w.duels.accept(rin, id).await.unwrap();
    assert_eq!(queued.status, "queued");
    // The recorder enqueues no job row; without one a queued duel reads `running`.
    assert_eq!(queued.job_status.as_deref(), Some("running"));
    assert_eq!(*w.jobs.battles.lock().unwrap(), vec![id.get()]);
    assert_eq!(*w.jobs.wakes.lock().unwrap(), 1);
    let again = w.duels.accept(rin, id).await;
    assert!(matches!(again, Err(DuelsError::AlreadyAccepted)));
    assert!(matches!(
        w.duels.replay(rin, id).await,
        Err(DuelsError::NoReplay)
    ));

    let done = w.duels.resolve(id.get()).await.unwrap().unwrap();
    assert_eq!(done.duel.status, "resolved");
    let winner = done.duel.winner.clone().unwrap();
    assert_eq!(winner, done.winner.username);
    let paid = done.duel.rewards.as_ref().unwrap().fighting_xp.unwrap();
    assert!(paid > 0);
    assert_eq!(w.fighting_xp(done.winner.id).await, paid);
    assert!(done.loser.buff_expires_at.is_some());
    assert!(
        done.duel
            .replay_url
            .as_deref()
            .unwrap()
            .starts_with(&format!("/api/v1/files/replays/{}.json?", id.get()))
    );

    // Both players read the stored replay; it holds the same battle.
    for p in [kenji, rin] {
        let bytes = w.duels.replay(p, id).await.unwrap();
        let replay: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(replay["battle"]["winner_username"], json!(winner));
    }
    assert!(matches!(
        w.duels.replay(other, id).await,
        Err(DuelsError::NotFound)
    ));

    // A re-run (a worker that died after committing) changes nothing.
    assert!(w.duels.resolve(id.get()).await.unwrap().is_none());
    assert_eq!(w.fighting_xp(done.winner.id).await, paid);
    let seen = w.duels.view(kenji, id).await.unwrap();
    assert_eq!(seen.winner.as_deref(), Some(winner.as_str()));
}

#[tokio::test]
async fn who_may_be_challenged() {
    let w = world().await;
    let asta = w.player("asta", "brawler", 0).await;
    w.player("yuno", "speedster", 0).await;

    assert!(matches!(
        w.challenge(asta, " ").await,
        Err(DuelsError::MissingOpponent)
    ));
    assert!(matches!(
        w.challenge(asta, "Asta").await,
        Err(DuelsError::SelfDuel)
    ));
    let unknown = w.challenge(asta, "nobody_here").await;
    assert!(matches!(unknown, Err(DuelsError::UnknownOpponent(ref n)) if n == "nobody_here"));

    let first = w.challenge(asta, "yuno").await.unwrap();
    // One open duel per pair, whichever way round.
    assert!(matches!(
        w.challenge(asta, "yuno").await,
        Err(DuelsError::AlreadyOpen)
    ));
    let yuno = first.opponent_id;
    assert!(matches!(
        w.challenge(yuno, "asta").await,
        Err(DuelsError::AlreadyOpen)
    ));
    assert!(matches!(
        w.duels.view(asta, DuelId::from(first.duel.id + 1)).await,
        Err(DuelsError::NotFound)
    ));
}

#[tokio::test]
async fn five_challenges_a_local_day() {
    let w = world().await;
    let me = w.player("goku", "brawler", 0).await;
    for i in 0..DAILY_CHALLENGES {
        let rival = format!("rival_{i}");
        w.player(&rival, "balanced", 0).await;
        w.challenge(me, &rival).await.unwrap();
    }
    w.player("one_more", "balanced", 0).await;
    let sixth = w.challenge(me, "one_more").await;
    let Err(DuelsError::DailyLimit { limit, retry_after }) = sixth else {
        panic!("{sixth:?}");
    };
    assert_eq!(limit, DAILY_CHALLENGES);
    assert!((1..=86_400).contains(&retry_after), "{retry_after}");
    // After the player's next midnight the count starts again (`retry_after` is
    // rounded down to whole seconds).
    w.clock.advance(retry_after as i64 + 1);
    w.challenge(me, "one_more").await.unwrap();
}

#[tokio::test]
async fn declined_and_expired_challenges_cannot_be_answered() {
    let w = world().await;
    let a = w.player("naruto", "brawler", 0).await;
    let b = w.player("sasuke", "speedster", 0).await;
    w.player("sakura", "strategist", 0).await;

    let first = DuelId::from(w.challenge(a, "sasuke").await.unwrap().duel.id);
    let declined = w.duels.decline(b, first).await.unwrap();
    assert_eq!(declined.status, "declined");
    assert!(matches!(
        w.duels.accept(b, first).await,
        Err(DuelsError::Declined)
    ));

    let second = DuelId::from(w.challenge(a, "sakura").await.unwrap().duel.id);
    let third = DuelId::from(w.challenge(b, "naruto").await.unwrap().duel.id);
    w.clock.advance(EXPIRY_HOURS * 3600);
    // Overdue, its job not run yet: expired on the spot, and that is kept.
    assert!(matches!(
        w.duels.decline(a, third).await,
        Err(DuelsError::Expired)
    ));
    assert_eq!(w.duels.view(a, third).await.unwrap().status, "expired");
    // The expiry job's way.
    assert!(w.duels.expire(second.get()).await.unwrap());
    assert!(!w.duels.expire(second.get()).await.unwrap());
    assert!(!w.duels.expire(first.get()).await.unwrap());

    let all = w.duels.list(a, ListQuery { status: None }).await.unwrap();
    let ids: Vec<i64> = all.items.iter().map(|d| d.id).collect();
    assert_eq!(ids, vec![third.get(), second.get(), first.get()]);
    let expired = ListQuery {
        status: Some("expired".into()),
    };
    let expired = w.duels.list(a, expired).await.unwrap();
    assert_eq!(expired.items.len(), 2);
    let bad = ListQuery {
        status: Some("won".into()),
    };
    assert!(matches!(
        w.duels.list(a, bad).await,
        Err(DuelsError::InvalidStatus)
    ));
}
