//! The planner alone (pure: a player row, day totals and a moment, no database), then
//! the use cases over the real SQLite store (a fresh file per test) with the real
//! boss steps: planning then committing writes what the locked path writes.

use super::*;
use crate::services::boss::Bosses;
use crate::storage::{PlayerRow, Tx};
use chrono::{DateTime, Utc};
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
        km in proptest::collection::vec(0.5f64..40.0, 1..6),
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

/// The real boss steps, counted: a plan takes the fight's hit itself, so they run
/// only for a fight to create or a boss to defeat.
#[derive(Default)]
struct CountedBosses {
    calls: std::sync::atomic::AtomicUsize,
}

impl BossFight<Tx> for CountedBosses {
    fn on_activity<'a>(
        &'a self,
        tx: &'a mut Tx,
        p: &'a mut PlayerRow,
        activity: &'a crate::storage::ActivityRow,
        now: DateTime<Utc>,
    ) -> futures_util::future::BoxFuture<'a, crate::storage::StoreResult<BossNews>> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Bosses.on_activity(tx, p, activity, now)
    }
}

struct World {
    progress: Progress,
    store: Store,
    clock: Arc<Clock>,
    bosses: Arc<CountedBosses>,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let (store, dir) = crate::testing::temp_store("progress").await;
    let clock = Arc::new(Clock::default());
    let bosses = Arc::new(CountedBosses::default());
    World {
        progress: Progress::new(store.clone(), bosses.clone(), clock.clone()),
        store,
        clock,
        bosses,
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
            assert_eq!((&x["hp"], &x["damage"]), (&y["hp"], &y["damage"]));
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
    let calls = w.bosses.calls.load(std::sync::atomic::Ordering::SeqCst);
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
    assert_eq!(edited.activity.duration_min, 60.0);
    let p = w.store.player(ash).await.unwrap().unwrap();
    assert_eq!(p.total_xp, ran.award.final_xp + edited.award.final_xp);
    assert_eq!(
        w.store.audit_day_kinds().await.unwrap(),
        Vec::<String>::new()
    );
}
