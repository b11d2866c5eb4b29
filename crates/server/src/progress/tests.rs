//! The planner alone (pure: a player row, day totals and a moment, no database), then
//! the use cases over the real SQLite store (a fresh file per test) with the real
//! boss steps: planning then committing writes what the locked path writes; then the
//! weekly boss (its reads, a defeat, the rollover's escapes and catching up).

use super::*;
use crate::storage::{PlayerRow, StoreResult, Tx};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use shonen_rules::award::{RUN_CAP_KM, RUN_XP_PER_KM, STRENGTH_CAP_SESSIONS};

fn body(kind: &str) -> ActivityBody {
    ActivityBody {
        kind: kind.into(),
        occurred_at: None,
        duration_min: None,
        distance_km: None,
        sets: None,
        style: None,
        woke_at: None,
        note: None,
    }
}

fn run(km: f64, min: f64) -> ActivityBody {
    ActivityBody {
        distance_km: Some(km),
        duration_min: Some(min),
        ..body("run")
    }
}

fn study(min: f64) -> ActivityBody {
    ActivityBody {
        duration_min: Some(min),
        ..body("study")
    }
}

fn strength(sets: usize, kg: f64, reps: u32, min: f64) -> ActivityBody {
    ActivityBody {
        sets: Some(
            (0..sets)
                .map(|_| Set {
                    exercise: "squat".into(),
                    weight_kg: kg,
                    reps,
                })
                .collect(),
        ),
        duration_min: Some(min),
        ..body("strength")
    }
}

fn martial_arts(min: f64) -> ActivityBody {
    ActivityBody {
        duration_min: Some(min),
        style: Some("karate".into()),
        ..body("martial_arts")
    }
}

fn input(b: ActivityBody) -> LogInput {
    LogInput::parse(b).unwrap()
}

/// A player registered today, as the store would hold them.
fn fresh_player(now: DateTime<Utc>) -> PlayerRow {
    PlayerRow {
        id: 1,
        username: "ash".into(),
        email: "ash@dojo.test".into(),
        password_hash: String::new(),
        class: "balanced".into(),
        goal_strength: 4,
        goal_agility: 3,
        goal_intelligence: 3,
        classified_at: now.timestamp_micros(),
        timezone: "UTC".into(),
        training_days: "mon,tue,thu,fri".into(),
        weekly_goal: 4,
        wake_target: "06:30".into(),
        avatar_key: None,
        created_at: now.timestamp_micros(),
        registered_on: now.date_naive().to_string(),
        total_xp: 0,
        xp_strength: 0,
        xp_agility: 0,
        xp_intelligence: 0,
        xp_fighting: 0,
        xp_discipline: 0,
        fatigue: 0,
        fatigue_at: now.timestamp_micros(),
        chain_json: "{}".into(),
        buff_expires_at: None,
        version: 0,
        calendar_json: None,
    }
}

/// Plans `bodies` one after the other at `now`, each from the state the previous
/// plan leaves once committed: the player of its write, the day totals with its
/// activity added (`add_to_day_total`), the paid strength sessions counted.
fn plan_in_turn(bodies: Vec<ActivityBody>, now: DateTime<Utc>) -> Vec<Plan> {
    let mut p = fresh_player(now);
    let mut days = Vec::new();
    let mut paid_strength = 0;
    let mut plans = Vec::new();
    for (id, b) in (1..).zip(bodies) {
        let req = Request::new(input(b), None, now);
        let facts = Facts {
            days: &days,
            strength_sessions_7d: paid_strength,
            late_streak: None,
        };
        let planned = plan(&p, &req, &facts).unwrap();
        let a = &planned.write.activity;
        add_to_day_total(&mut days, a, id);
        if a.kind == "strength" && a.xp > 0 {
            paid_strength += 1;
        }
        p = planned.write.player.clone();
        p.version += 1;
        plans.push(planned);
    }
    plans
}

#[test]
fn a_day_total_adds_each_session_to_its_kind() {
    let now = Utc::now();
    let plans = plan_in_turn(vec![run(5.0, 30.0), study(45.0), run(2.5, 15.0)], now);
    let mut days = Vec::new();
    for (id, p) in (1..).zip(&plans) {
        add_to_day_total(&mut days, &p.write.activity, id);
    }
    assert_eq!(days.len(), 2);
    let runs = days.iter().find(|d| d.kind == "run").unwrap();
    assert_eq!(
        (runs.sessions, runs.distance_km, runs.duration_min),
        (2, 7.5, 45.0)
    );
    assert_eq!(runs.first_id, 1);
    let summary = summarize(&days);
    assert_eq!((summary.run_km, summary.study_minutes), (7.5, 45.0));
    assert_eq!(summary.training_days, 1);
}

#[test]
fn a_plan_writes_its_award_to_the_player_and_the_ledger() {
    let now = Utc::now();
    let plans = plan_in_turn(vec![run(5.0, 30.0)], now);
    let w = &plans[0].write;
    assert_eq!(
        w.player.version, 0,
        "applies only at the version it was planned from"
    );
    assert_eq!(w.player.total_xp, plans[0].award.final_xp);
    assert_eq!(w.player.xp_agility, plans[0].award.final_xp);
    assert_eq!(w.ledger.amount, plans[0].award.final_xp);
    assert_eq!(w.ledger.reason, "run logged");
    assert_eq!(w.activity.xp, plans[0].award.final_xp);
    assert!(w.battle.is_none());
    assert_eq!(plans[0].view.final_xp, plans[0].award.final_xp);
}

#[test]
fn an_unclosed_day_or_a_missing_fight_needs_the_lock() {
    let now = Utc::now();
    let mut p = fresh_player(now);
    let req = Request::new(input(study(30.0)), None, now);
    let facts = Facts {
        days: &[],
        strength_sessions_7d: 0,
        late_streak: None,
    };
    let no_fight = Fight {
        battle: None,
        villain: None,
        week_days: &[],
    };
    assert!(
        plan_with_fight(&p, &req, &facts, &no_fight)
            .unwrap()
            .is_none()
    );
    // Registered a week ago and never closed a day: those days close first.
    p.registered_on = (now.date_naive() - chrono::Duration::days(7)).to_string();
    assert!(
        plan_with_fight(&p, &req, &facts, &no_fight)
            .unwrap()
            .is_none()
    );
}

proptest! {
    /// §10: a session split into several on one day never earns more than the whole
    /// session (its base: what the day's caps and the fatigue let count), and at most
    /// two strength sessions a day pay, whatever the split.
    #[test]
    fn a_split_session_never_earns_more_than_one(
        // At most 150 km at 9 min/km: the whole run stays within a day's 1,440 minutes.
        km in proptest::collection::vec(0.5f64..30.0, 1..6),
        pace in 3.0f64..9.0,
        minutes in proptest::collection::vec(15.0f64..200.0, 1..6),
        lifts in proptest::collection::vec((1usize..8, 1.0f64..150.0, 1u32..20), 1..8),
    ) {
        let now = Utc::now();
        let total_km: f64 = km.iter().sum();
        let whole = plan_in_turn(vec![run(total_km, total_km * pace)], now);
        let split = plan_in_turn(km.iter().map(|&d| run(d, d * pace)).collect(), now);
        let split_base: f64 = split.iter().map(|p| p.award.base).sum();
        prop_assert!(split_base <= whole[0].award.base + 1e-6, "{split_base} > {}", whole[0].award.base);
        prop_assert!(split_base <= RUN_XP_PER_KM * RUN_CAP_KM + 1e-6);

        let total_min: f64 = minutes.iter().sum();
        let whole = plan_in_turn(vec![study(total_min)], now);
        let split = plan_in_turn(minutes.iter().map(|&m| study(m)).collect(), now);
        let split_base: f64 = split.iter().map(|p| p.award.base).sum();
        prop_assert!(split_base <= whole[0].award.base + 1e-6, "{split_base} > {}", whole[0].award.base);

        let sessions = plan_in_turn(
            lifts.iter().map(|&(n, kg, reps)| strength(n, kg, reps, 30.0)).collect(),
            now,
        );
        let paid = sessions.iter().filter(|p| p.award.final_xp > 0).count();
        prop_assert!(paid <= STRENGTH_CAP_SESSIONS as usize);
    }
}

/// The job queue as the capability sees it: the rollover jobs it asked for.
#[derive(Default)]
struct RecordedJobs {
    rollovers: Mutex<Vec<(i64, DateTime<Utc>)>>,
}

impl RolloverJobs<Tx> for RecordedJobs {
    fn roll_over_at<'a>(
        &'a self,
        _tx: &'a mut Tx,
        player_id: i64,
        at: DateTime<Utc>,
        _now: DateTime<Utc>,
    ) -> futures_util::future::BoxFuture<'a, StoreResult<()>> {
        self.rollovers.lock().unwrap().push((player_id, at));
        Box::pin(async { Ok(()) })
    }
}

/// The rules crate's villains, counted (the generator is asked once per week).
#[derive(Default)]
struct CountedVillains {
    calls: std::sync::atomic::AtomicUsize,
}

impl VillainGenerator for CountedVillains {
    fn villain(&self, iso_year: i32, iso_week: u32) -> GenFuture<'_> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::pin(async move {
            Ok(Generated {
                villain: shonen_rules::villain::generate(iso_year, iso_week)?,
                source: "procedural",
            })
        })
    }
}

struct World {
    progress: Progress,
    store: Store,
    clock: Arc<Clock>,
    jobs: Arc<RecordedJobs>,
    villains: Arc<CountedVillains>,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let (store, dir) = crate::testing::temp_store("progress").await;
    let clock = Arc::new(Clock::default());
    let jobs = Arc::new(RecordedJobs::default());
    let villains = Arc::new(CountedVillains::default());
    World {
        progress: Progress::new(store.clone(), jobs.clone(), villains.clone(), clock.clone()),
        store,
        clock,
        jobs,
        villains,
        _dir: dir,
    }
}

impl World {
    async fn player(&self, username: &str) -> i64 {
        let now = self.clock.now();
        let mut tx = self.store.begin().await.unwrap();
        let p = tx
            .insert_player(crate::testing::new_player(username, "balanced", now))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        p.id
    }
}

/// The old general path, kept as the locked one: the same plan committed under the
/// player's lock, the boss steps after it, must write exactly what planning then
/// committing without the lock writes.
#[tokio::test]
async fn planning_then_committing_writes_what_the_locked_path_writes() {
    let w = world().await;
    let (ash, misty) = (w.player("ash").await, w.player("misty").await);
    let day = vec![
        run(5.0, 30.0),
        strength(3, 80.0, 8, 45.0),
        study(45.0),
        martial_arts(60.0),
        run(3.0, 20.0),
        strength(4, 60.0, 10, 40.0),
        strength(2, 100.0, 5, 30.0),
    ];
    let mut defeats = 0;
    for (i, b) in day.into_iter().enumerate() {
        let twin = ActivityBody {
            kind: b.kind.clone(),
            occurred_at: None,
            duration_min: b.duration_min,
            distance_km: b.distance_km,
            sets: b.sets.clone(),
            style: b.style.clone(),
            woke_at: None,
            note: None,
        };
        let fast = w.progress.log(ash, input(b), None).await.unwrap();
        let mut req = Request::new(input(twin), None, w.clock.now());
        let locked = w.progress.log_locked(misty, &mut req).await.unwrap();
        if i > 0 {
            // The first creates the week's fight (under the lock); the rest are plans
            // committed without it.
            assert!(fast.week.is_some(), "activity {i} took the locked path");
        }
        assert!(locked.week.is_none());
        let (a, b) = (fast.answer(), locked.answer());
        assert_eq!(
            serde_json::to_value(&a.award).unwrap(),
            serde_json::to_value(&b.award).unwrap(),
            "award of activity {i}"
        );
        assert_eq!(a.activity.xp, b.activity.xp);
        assert_eq!(a.activity.local_date, b.activity.local_date);
        assert_eq!(fast.boss.damaged.len(), locked.boss.damaged.len());
        assert_eq!(fast.boss.defeated.len(), locked.boss.defeated.len());
        defeats += fast.boss.defeated.len();
        for (x, y) in fast.boss.damaged.iter().zip(&locked.boss.damaged) {
            assert_eq!((x.hp, x.damage), (y.hp, y.damage));
        }
    }
    let (pa, pm) = (
        w.store.player(ash).await.unwrap().unwrap(),
        w.store.player(misty).await.unwrap().unwrap(),
    );
    assert_eq!(
        (
            pa.total_xp,
            pa.xp_strength,
            pa.xp_agility,
            pa.xp_intelligence,
            pa.xp_fighting
        ),
        (
            pm.total_xp,
            pm.xp_strength,
            pm.xp_agility,
            pm.xp_intelligence,
            pm.xp_fighting
        )
    );
    assert_eq!(pa.fatigue, pm.fatigue);
    let (week, _, _) = current_week(&pa, w.clock.now());
    let (ba, bm) = (
        w.store.battle(ash, &week).await.unwrap().unwrap(),
        w.store.battle(misty, &week).await.unwrap().unwrap(),
    );
    assert_eq!((ba.hp, &ba.progress_json), (bm.hp, &bm.progress_json));
    assert_eq!(
        w.store.audit_day_kinds().await.unwrap(),
        Vec::<String>::new()
    );
    // Each player's fight was created by their first activity (and finished by the
    // defeat, if the day did it); every other hit was the plan's.
    let calls = w
        .progress
        .locked_fights
        .load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(calls, 2 + 2 * defeats);
}

/// Twenty requests of one player at once: each is planned from the state the one
/// before it committed, so every award is in the totals exactly once.
#[tokio::test]
async fn simultaneous_logs_of_one_player_each_count_once() {
    let w = Arc::new(world().await);
    let ash = w.player("ash").await;
    let logs = (0..20).map(|i| {
        let w = w.clone();
        tokio::spawn(async move {
            let b = if i % 2 == 0 {
                study(20.0)
            } else {
                run(2.0, 12.0)
            };
            w.progress.log(ash, input(b), None).await.unwrap()
        })
    });
    let mut awarded = 0;
    for log in logs.collect::<Vec<_>>() {
        awarded += log.await.unwrap().award.final_xp;
    }
    let p = w.store.player(ash).await.unwrap().unwrap();
    assert_eq!(p.total_xp, awarded);
    assert_eq!(w.store.activities(ash, None, 100).await.unwrap().len(), 20);
    assert_eq!(
        w.store.audit_day_kinds().await.unwrap(),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn edits_and_refusals_name_their_error() {
    let w = world().await;
    let ash = w.player("ash").await;
    let e = LogInput::parse(body("run")).unwrap_err();
    assert!(
        matches!(e, ProgressError::Invalid { ref field, code: "missing_field", .. } if field == "distance_km")
    );
    let e = LogInput::parse(body("swim")).unwrap_err();
    assert!(matches!(
        e,
        ProgressError::Invalid {
            code: "invalid_kind",
            ..
        }
    ));
    let e = w
        .progress
        .log(9999, input(study(30.0)), None)
        .await
        .unwrap_err();
    assert!(matches!(e, ProgressError::PlayerNotFound), "{e:?}");

    let ran = w
        .progress
        .log(ash, input(run(5.0, 30.0)), None)
        .await
        .unwrap();
    let e = w
        .progress
        .edit(
            ash,
            ran.activity.id,
            EditBody {
                sets: None,
                duration_min: Some(20.0),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ProgressError::NotEditable));
    let e = w
        .progress
        .edit(
            ash,
            424242,
            EditBody {
                sets: None,
                duration_min: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ProgressError::ActivityNotFound));

    let lifted = w
        .progress
        .log(ash, input(strength(3, 80.0, 8, 45.0)), None)
        .await
        .unwrap();
    let edited = w
        .progress
        .edit(
            ash,
            lifted.activity.id,
            EditBody {
                sets: None,
                duration_min: Some(60.0),
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.activity.edited, 1);
    assert_eq!(edited.activity.duration_min, Some(60.0));
    let p = w.store.player(ash).await.unwrap().unwrap();
    assert_eq!(p.total_xp, ran.award.final_xp + edited.award.final_xp);
    assert_eq!(
        w.store.audit_day_kinds().await.unwrap(),
        Vec::<String>::new()
    );
}

impl World {
    /// A player who registered two weeks ago (so no week of the test is their grace
    /// week).
    async fn veteran(&self, username: &str) -> i64 {
        let now = self.clock.now();
        let mut new = crate::testing::new_player(username, "balanced", now);
        new.registered_on = (now.date_naive() - chrono::Duration::days(14)).to_string();
        let mut tx = self.store.begin().await.unwrap();
        let p = tx.insert_player(new).await.unwrap();
        tx.commit().await.unwrap();
        p.id
    }

    /// Moves the clock to one hour after the end of the local week `weeks` from now.
    fn after_week_end(&self, weeks: i64) {
        let now = self.clock.now();
        let end = week_end(local_monday(now), Tz::UTC) + chrono::Duration::weeks(weeks - 1);
        self.clock.advance((end - now).num_seconds() + 3600);
    }

    /// The weekly rollover, with what it handed over after each committed week.
    async fn roll_over(&self, id: i64) -> (Option<DateTime<Utc>>, Vec<WeekClosed>) {
        let closed = Mutex::new(Vec::new());
        let next = self
            .progress
            .roll_over(id, |c| {
                closed.lock().unwrap().push(c);
                async {}
            })
            .await
            .unwrap();
        (next, closed.into_inner().unwrap())
    }
}

fn local_monday(at: DateTime<Utc>) -> NaiveDate {
    let d = at.date_naive();
    d - chrono::Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

#[test]
fn week_facts_are_summed() {
    let act = |kind: &str, date: &str, km: f64, min: f64| crate::storage::DayKind {
        kind: kind.into(),
        local_date: date.into(),
        training: i64::from(kind != "wake_up"),
        sessions: 1,
        duration_min: min,
        distance_km: km,
        first_id: 0,
    };
    let s = summarize(&[
        act("run", "2026-11-16", 5.0, 30.0),
        act("run", "2026-11-16", 2.5, 15.0),
        act("study", "2026-11-17", 0.0, 90.0),
        act("strength", "2026-11-18", 0.0, 45.0),
        act("martial_arts", "2026-11-18", 0.0, 60.0),
        act("wake_up", "2026-11-19", 0.0, 0.0),
    ]);
    assert_eq!(s.run_km, 7.5);
    assert_eq!(s.study_minutes, 90.0);
    assert_eq!(
        (s.strength_sessions, s.martial_arts_sessions, s.wake_ups),
        (1, 1, 1)
    );
    // The wake-up day is not a training day.
    assert_eq!(s.training_days, 3);
}

#[test]
fn weeks_and_ends() {
    let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    assert_eq!(week_of(monday).2, "2026-W48");
    let kiri: Tz = "Pacific/Kiritimati".parse().unwrap();
    assert_eq!(
        week_end(monday, kiri).to_rfc3339(),
        "2026-11-29T10:00:00+00:00"
    );
    let la: Tz = "America/Los_Angeles".parse().unwrap();
    assert_eq!(
        week_end(monday, la).to_rfc3339(),
        "2026-11-30T08:00:00+00:00"
    );
    // Any moment of a week rolls over at that week's end.
    let wednesday = la.with_ymd_and_hms(2026, 11, 25, 13, 0, 0).unwrap();
    assert_eq!(
        next_rollover(wednesday.with_timezone(&Utc), la),
        week_end(monday, la)
    );
}

#[test]
fn stored_objectives_match_the_rules() {
    let v = shonen_rules::villain::generate(2026, 48).unwrap();
    let row = boss::villain_row(&v, "procedural", Utc::now()).unwrap();
    assert_eq!(
        boss::objectives_for(&row, 17).unwrap(),
        v.objectives_for(17)
    );
}

#[test]
fn boss_news_serializes_as_the_events_always_did() {
    let news = BossEscaped {
        week: "2026-W48".into(),
        name: "Sloth".into(),
        penalty: 75,
        grace: false,
        cutscene: "gone".into(),
        total_xp: 10,
    };
    assert_eq!(
        serde_json::to_value(&news).unwrap(),
        serde_json::json!({"week": "2026-W48", "name": "Sloth", "penalty": 75, "grace": false,
            "cutscene": "gone", "total_xp": 10})
    );
    let won = BossDefeated {
        week: "2026-W48".into(),
        name: "Sloth".into(),
        badge: "Sloth Slayer".into(),
        badge_new: true,
        reward: DefeatReward {
            xp: 150,
            stat: "discipline".into(),
            badge: "Sloth Slayer".into(),
        },
        total_xp: 160,
    };
    assert_eq!(
        serde_json::to_value(&won).unwrap(),
        serde_json::json!({"week": "2026-W48", "name": "Sloth", "badge": "Sloth Slayer",
            "badge_new": true, "reward": {"xp": 150, "stat": "discipline", "badge": "Sloth Slayer"},
            "total_xp": 160})
    );
    assert!(
        BossNews {
            escaped: vec![news.clone()],
            ..BossNews::default()
        }
        .xp_changed()
    );
    assert!(
        !BossNews {
            escaped: vec![BossEscaped { penalty: 0, ..news }],
            ..BossNews::default()
        }
        .xp_changed()
    );
}

/// The first look at the week creates the fight (at full HP, with the player's
/// rollover job) from the villain asked for once; later looks read it.
#[tokio::test]
async fn the_week_s_fight_is_created_once_with_its_rollover() {
    let w = world().await;
    let ash = w.player("ash").await;
    let boss = w.progress.boss(ash).await.unwrap();
    assert_eq!(boss.status, "active");
    assert_eq!(boss.hp, boss.hp_max);
    assert_eq!(boss.objectives.len(), 3);
    let now = w.clock.now();
    assert_eq!(boss.week, week_of(local_monday(now)).2);
    assert_eq!(boss.ends_at, Some(next_rollover(now, Tz::UTC).to_rfc3339()));
    let again = w.progress.boss_page(ash).await.unwrap();
    assert_eq!((again.week, again.hp), (boss.week, boss.hp));
    assert!(again.pending_cutscene.is_none());
    assert_eq!(
        *w.jobs.rollovers.lock().unwrap(),
        vec![(ash, next_rollover(now, Tz::UTC))]
    );
    assert_eq!(
        w.villains.calls.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    // The week's activities hit that fight (planned, without the lock); the news
    // tells the HP the fight now has.
    let mut hp = boss.hp;
    for b in [run(5.0, 30.0), study(60.0), martial_arts(45.0)] {
        let logged = w.progress.log(ash, input(b), None).await.unwrap();
        for hit in &logged.boss.damaged {
            assert_eq!(hp - hit.hp, hit.damage);
            hp = hit.hp;
        }
    }
    assert!(hp < boss.hp);
    assert_eq!(w.progress.boss(ash).await.unwrap().hp, hp);
    assert_eq!(w.jobs.rollovers.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_missing_player_has_no_boss() {
    let w = world().await;
    assert!(matches!(
        w.progress.boss(9999).await.unwrap_err(),
        ProgressError::PlayerNotFound
    ));
    assert!(matches!(
        w.progress.boss_history(9999).await.unwrap_err(),
        ProgressError::PlayerNotFound
    ));
    let monday = local_monday(w.clock.now());
    assert!(w.progress.close_week(9999, monday).await.unwrap().is_none());
    let (next, closed) = w.roll_over(9999).await;
    assert!(next.is_none() && closed.is_empty());
}

/// A week that has not ended closes nothing; once it has, the surviving boss
/// escapes with the penalty and its cutscene, shown once, and a re-run changes
/// nothing.
#[tokio::test]
async fn an_ended_week_lets_the_boss_escape_once() {
    let w = world().await;
    let ash = w.veteran("ash").await;
    w.progress.log(ash, input(study(60.0)), None).await.unwrap();
    let monday = local_monday(w.clock.now());
    let early = w.progress.close_week(ash, monday).await.unwrap().unwrap();
    assert_eq!(early.news, BossNews::default());
    assert_eq!(w.progress.boss(ash).await.unwrap().status, "active");

    let before = w.store.player(ash).await.unwrap().unwrap().total_xp;
    w.after_week_end(1);
    let (next, closed) = w.roll_over(ash).await;
    assert_eq!(next, Some(next_rollover(w.clock.now(), Tz::UTC)));
    assert_eq!(closed.len(), 1);
    let escaped = &closed[0].news.escaped;
    assert_eq!(escaped.len(), 1, "{:?}", closed[0].news);
    let e = &escaped[0];
    assert!(!e.grace);
    assert!(e.penalty > 0 && e.penalty <= shonen_rules::villain::ESCAPE_PENALTY);
    assert_eq!(e.total_xp, before - e.penalty);
    assert_eq!(closed[0].player.total_xp, e.total_xp);
    assert!(closed[0].news.xp_changed());

    // This week's fight is open; last week's is in the hall, its cutscene shown
    // with the first read only.
    let page = w.progress.boss_page(ash).await.unwrap();
    assert_eq!(page.status, "active");
    let scene = page.pending_cutscene.unwrap();
    assert_eq!(scene.week, e.week);
    assert!(scene.also_unseen.is_empty());
    let history = w.progress.boss_history(ash).await.unwrap();
    assert!(history.pending_cutscene.is_none());
    assert_eq!(history.items.len(), 1);
    assert_eq!(history.items[0].status, "escaped");
    assert_eq!(history.items[0].penalty, Some(e.penalty));
    assert_eq!(
        history.items[0].cutscene.as_deref(),
        Some(e.cutscene.as_str())
    );

    let (_, again) = w.roll_over(ash).await;
    assert!(again.is_empty());
    assert_eq!(
        w.store.player(ash).await.unwrap().unwrap().total_xp,
        e.total_xp
    );
}

/// After downtime the rollover ends every missed week, each committed and handed
/// over on its own, oldest first; a week nobody looked at still gets its fight.
#[tokio::test]
async fn the_rollover_catches_up_missed_weeks() {
    let w = world().await;
    let ash = w.veteran("ash").await;
    w.progress.boss(ash).await.unwrap();
    w.after_week_end(3);
    let (_, closed) = w.roll_over(ash).await;
    let weeks: Vec<&str> = closed
        .iter()
        .flat_map(|c| c.news.escaped.iter().map(|e| e.week.as_str()))
        .collect();
    assert_eq!(weeks.len(), 3, "{closed:?}");
    let mut sorted = weeks.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(weeks, sorted);
    let history = w.progress.boss_history(ash).await.unwrap();
    assert_eq!(history.items.len(), 3);
    let scene = history.pending_cutscene.unwrap();
    assert_eq!(scene.week, weeks[2]);
    assert_eq!(scene.also_unseen.len(), 2);
    // The villain of each week was asked for once at most: the ended weeks nobody
    // looked at got the procedural one inside their transaction.
    assert_eq!(
        w.villains.calls.load(std::sync::atomic::Ordering::SeqCst),
        2
    );
    assert!(w.progress.badges(ash).await.unwrap().is_empty());
}

#[test]
fn page_queries_are_parsed_once_naming_their_field() {
    assert_eq!(
        PageQuery::parse(None, None).unwrap(),
        PageQuery {
            limit: 20,
            before: None
        }
    );
    assert_eq!(
        PageQuery::parse(Some("100"), Some("7")).unwrap(),
        PageQuery {
            limit: 100,
            before: Some(7)
        }
    );
    for limit in ["0", "101", "-1", "ten", ""] {
        let e = PageQuery::parse(Some(limit), None).unwrap_err();
        assert!(
            matches!(e, ProgressError::Invalid { ref field, code: "invalid_limit", .. } if field == "limit"),
            "{limit}: {e:?}"
        );
    }
    for before in ["0", "-3", "x"] {
        let e = PageQuery::parse(None, Some(before)).unwrap_err();
        assert!(
            matches!(e, ProgressError::Invalid { ref field, code: "invalid_cursor", .. } if field == "before"),
            "{before}: {e:?}"
        );
    }
}

/// The ledger reads back page by page, newest first, each page's cursor leading to
/// the next, and a short page being the last.
#[tokio::test]
async fn the_ledger_pages_newest_first() {
    let w = world().await;
    let ash = w.player("ash").await;
    for b in [run(3.0, 20.0), study(30.0), martial_arts(30.0)] {
        w.progress.log(ash, input(b), None).await.unwrap();
    }
    let total = w.store.ledger(ash, None, 100).await.unwrap().len();
    assert!(total >= 3);
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let q = PageQuery { limit: 2, before };
        let page = w.progress.ledger(ash, q).await.unwrap();
        seen.extend(page.items.iter().map(|e| e.id));
        match page.next_before {
            Some(cursor) => {
                assert_eq!(page.items.len(), 2);
                before = Some(cursor.parse().unwrap());
            }
            None => break,
        }
    }
    let mut newest_first = seen.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(seen, newest_first);
    assert_eq!(seen.len(), total);
    let sum: i64 = w
        .progress
        .ledger(ash, PageQuery::parse(Some("100"), None).unwrap())
        .await
        .unwrap()
        .items
        .iter()
        .map(|e| e.amount)
        .sum();
    assert_eq!(sum, w.store.player(ash).await.unwrap().unwrap().total_xp);
}

/// A newly registered player's `player` view, then the same player after an award:
/// the view follows the row (level, stats, XP into the level), nothing else.
#[tokio::test]
async fn the_player_view_follows_the_row() {
    let w = world().await;
    let ash = w.player("ash").await;
    let now = w.clock.now();
    let fresh = w.store.player(ash).await.unwrap().unwrap();
    let view = player_of(&fresh, now, false, None);
    assert_eq!((view.id, view.username.as_str()), (ash, "ash"));
    assert_eq!((view.level, view.total_xp, view.streak), (1, 0, 0));
    assert_eq!(view.training_days, ["mon", "tue", "thu", "fri"]);
    assert_eq!((view.weekly_goal, view.wake_target.as_str()), (4, "06:30"));
    assert_eq!(view.timezone, "UTC");
    assert!(view.buffs.is_empty() && view.pending.is_none() && view.avatar_url.is_none());
    let logged = w
        .progress
        .log(ash, input(run(5.0, 30.0)), None)
        .await
        .unwrap();
    let after = player_of(&logged.player, w.clock.now(), true, Some("/a".into()));
    assert_eq!(after.total_xp, logged.award.final_xp);
    assert_eq!(after.stats.agility, stats_of(&logged.player).agility);
    assert_eq!(
        after.total_xp,
        after.stats.strength
            + after.stats.agility
            + after.stats.intelligence
            + after.stats.fighting
            + after.stats.discipline
    );
    assert_eq!(after.avatar_url.as_deref(), Some("/a"));
}
