//! Fair play (game rules §10, issue 12): each attack the issue lists, run over the API
//! on both backends — set splitting, timezone hopping (east and west), a wake-up from
//! the future, alt farming with duels and registrations, settings toggles, and login
//! throttling by alias. Every test here fails without the rule it names.

mod common;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both_backends!(
    set_splitting_earns_at_most_two_sessions_a_day,
    split_sessions_sent_at_once_still_earn_two,
    a_wake_up_from_the_future_is_refused,
    a_wake_up_stamped_into_tomorrow_is_refused,
    editing_down_at_zero_and_back_up_gains_nothing,
    wake_target_is_settable_only_from_four_to_nine,
    hopping_east_does_not_restart_the_day,
    hopping_west_never_begins_a_date_again,
    an_activity_from_before_registration_keeps_its_own_date,
    training_from_before_registration_counts_toward_the_streak,
    a_schedule_change_waits_for_midnight_and_is_read_at_once,
    removing_a_scheduled_day_at_2350_does_not_escape_the_skip,
    weekly_goal_waits_for_the_next_week,
    alt_farming_duels_pay_once_per_pair_a_week,
    the_pair_week_is_local,
    a_winner_is_paid_for_three_wins_a_day,
    registrations_are_limited_per_address,
    registrations_are_limited_across_two_instances,
    login_attempts_are_counted_per_account,
    right_logins_use_no_budget,
);

async fn log(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.post("/api/v1/activities", token, body).await
}

async fn patch_me(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.call(Method::PATCH, "/api/v1/me", Some(token), Some(body))
        .await
}

/// Moves the service clock forward to the next moment whose UTC time of day is
/// `h:m` (and, if given, whose weekday is `weekday`, Monday = 1).
async fn advance_to(app: &TestApp, h: u32, m: u32, weekday: Option<u32>) -> DateTime<Utc> {
    let now = app.now().await;
    let mut t = now
        .with_hour(h)
        .and_then(|t| t.with_minute(m))
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap();
    while t <= now || weekday.is_some_and(|w| t.weekday().number_from_monday() != w) {
        t += Duration::days(1);
    }
    app.advance((t - now).num_seconds() + 1).await;
    t
}

async fn sql(app: &TestApp, statement: &str) {
    common::execute_sql(&app.database_url, statement).await;
}

fn one_set_session() -> Value {
    json!({"kind": "strength", "duration_min": 20,
           "sets": [{"exercise": "curl", "weight_kg": 0.5, "reps": 1}]})
}

fn paid(awards: &[Value]) -> usize {
    awards
        .iter()
        .filter(|a| a["final"].as_i64() > Some(0))
        .count()
}

async fn set_splitting_earns_at_most_two_sessions_a_day(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("splitter", [5, 5, 5]).await;
    // The attack: 12 sets of 100 kg × 5 sent as 12 sessions of 20 min at
    // the same occurred_at.
    let at = (app.now().await - Duration::minutes(5)).to_rfc3339();
    let mut awards = Vec::new();
    for i in 0..12 {
        let mut body = common::strength(1, 100.0, 5, 20.0);
        body["occurred_at"] = json!(at);
        let (s, v) = log(&app, &t, body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        // The activity itself is stored with `capped: true` past the day's two.
        assert_eq!(v["activity"]["capped"], i >= 2, "{v}");
        assert_eq!(v["activity"]["capped"], v["award"]["capped"], "{v}");
        awards.push(v["award"].clone());
    }
    assert_eq!(paid(&awards), 2, "{awards:?}");
    for a in &awards[2..] {
        assert_eq!(a["capped"], true, "{a}");
        assert_eq!(a["final"], 0, "{a}");
        assert!(
            a["message"]
                .as_str()
                .unwrap()
                .contains("2 strength sessions")
        );
    }
    let me = app.me(&t).await;
    let two: i64 = awards[..2]
        .iter()
        .map(|a| a["final"].as_i64().unwrap())
        .sum();
    assert_eq!(me["stats"]["strength"], two);
    // 30 sessions of one 0.5 kg rep: still two paid sessions a day (the 20-XP floor
    // twice), whatever the other 28 do. They are stored, capped.
    let (t2, _) = app.register("tinyreps", [5, 5, 5]).await;
    let mut awards = Vec::new();
    for _ in 0..30 {
        let (s, v) = log(&app, &t2, one_set_session()).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        awards.push(v["award"].clone());
    }
    assert_eq!(paid(&awards), 2);
    let me = app.me(&t2).await;
    assert!(me["total_xp"].as_i64().unwrap() <= 2 * 22, "{me}");
    let (_, list) = app.get("/api/v1/activities?limit=100", &t2).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 30);
    let capped = items.iter().filter(|a| a["capped"] == true).count();
    assert_eq!(capped, 28, "{list}");
    let id = &items[0]["id"];
    let (_, one) = app.get(&format!("/api/v1/activities/{id}"), &t2).await;
    assert_eq!(one["activity"]["capped"], true, "{one}");
    // Capped sessions do not raise the next day's consistency multiplier: tomorrow's
    // session sees 2 sessions in the last 7 days (×1.00), not 30 (×1.25).
    app.advance(86_400).await;
    let (_, v) = log(&app, &t2, common::strength(12, 100.0, 5, 70.0)).await;
    let consistency = v["award"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "consistency")
        .unwrap()["value"]
        .as_f64()
        .unwrap();
    assert_eq!(consistency, 1.0, "{v}");
}

async fn split_sessions_sent_at_once_still_earn_two(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("burst", [5, 5, 5]).await;
    let posts = (0..20).map(|_| log(&app, &t, common::strength(1, 100.0, 5, 20.0)));
    let results = futures_util::future::join_all(posts).await;
    let awards: Vec<Value> = results
        .into_iter()
        .map(|(s, v)| {
            assert_eq!(s, StatusCode::CREATED, "{v}");
            v["award"].clone()
        })
        .collect();
    assert_eq!(paid(&awards), 2, "20 simultaneous sessions: two pay");
    let total: i64 = awards.iter().map(|a| a["final"].as_i64().unwrap()).sum();
    assert_eq!(app.me(&t).await["total_xp"], total);
}

async fn a_wake_up_from_the_future_is_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("earlybird", [5, 5, 5]).await;
    advance_to(&app, 0, 53, None).await;
    let (s, e) = log(&app, &t, json!({"kind": "wake_up", "woke_at": "06:00"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "wake_in_future");
    assert_eq!(e["error"]["details"]["field"], "woke_at");
    assert_eq!(app.me(&t).await["total_xp"], 0);
    let (_, list) = app.get("/api/v1/activities", &t).await;
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing stored"
    );
    // An honest one: at 06:10, woke at 06:00.
    app.advance(5 * 3600 + 17 * 60).await;
    let (s, v) = log(&app, &t, json!({"kind": "wake_up", "woke_at": "06:00"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

/// 23:59:30 local, a wake-up stamped 50 s ahead (inside the clock skew allowed)
/// lands on a date that has not begun: refused, and today's wake-up still counts.
async fn a_wake_up_stamped_into_tomorrow_is_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("nightowl", [5, 5, 5]).await;
    let now = advance_to(&app, 23, 59, None).await + Duration::seconds(30);
    app.advance((now - app.now().await).num_seconds().max(0))
        .await;
    let at = (app.now().await + Duration::seconds(50)).to_rfc3339();
    let (s, e) = log(
        &app,
        &t,
        json!({"kind": "wake_up", "woke_at": "06:30", "occurred_at": at}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "wake_in_future");
    assert_eq!(e["error"]["details"]["field"], "woke_at");
    assert_eq!(app.me(&t).await["total_xp"], 0);
    let (s, v) = log(&app, &t, json!({"kind": "wake_up", "woke_at": "06:00"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

/// An edit's correction moves the ledger from what the session's entries actually
/// moved: a cut floored at 0 XP, edited back up, gives back only what it took, so
/// the totals end at the recomputed value (minus the penalty in between).
async fn editing_down_at_zero_and_back_up_gains_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("flexer", [5, 5, 5]).await;
    // Past the registration week (its boss escapes for free), to a Sunday night.
    advance_to(&app, 0, 10, Some(1)).await;
    advance_to(&app, 23, 0, Some(7)).await;
    assert_eq!(
        app.me(&t).await["total_xp"],
        0,
        "the week's skips took nothing"
    );
    let (s, v) = log(&app, &t, common::strength(12, 100.0, 5, 70.0)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["activity"]["id"].as_i64().unwrap();
    let earned = v["award"]["final"].as_i64().unwrap();
    assert_eq!(earned, 108, "98 × 1.10 (balanced)");
    // Monday 01:00: the week's boss escaped (−75).
    app.advance(2 * 3600).await;
    let me = app.me(&t).await;
    assert_eq!(me["total_xp"], earned - 75, "{me}");
    let path = format!("/api/v1/activities/{id}");
    let edit = |body: Value| app.call(Method::PATCH, &path, Some(&t), Some(body));
    let (s, v) = edit(common::strength(4, 10.0, 15, 25.0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(app.me(&t).await["total_xp"], 0, "the cut is floored at 0");
    let (s, v) = edit(common::strength(12, 100.0, 5, 70.0)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let worth = v["award"]["final"].as_i64().unwrap();
    assert_eq!(worth, 86, "98 × 0.8 → 78, × 1.10");
    let me = app.me(&t).await;
    assert_eq!(me["total_xp"], worth - 75, "{me}");
    assert_eq!(me["stats"]["strength"], worth, "{me}");
    let (_, ledger) = app.get("/api/v1/ledger?limit=100", &t).await;
    let sum: i64 = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, worth - 75, "{ledger}");
}

async fn wake_target_is_settable_only_from_four_to_nine(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("sleeper", [5, 5, 5]).await;
    for bad in ["03:59", "09:01", "12:00", "00:00", "23:30"] {
        let (s, e) = patch_me(&app, &t, json!({"wake_target": bad})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
        assert_eq!(e["error"]["details"]["field"], "wake_target", "{e}");
    }
    assert!(app.me(&t).await["pending"].is_null());
    for good in ["04:00", "09:00"] {
        let (s, v) = patch_me(&app, &t, json!({"wake_target": good})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["wake_target"], "06:30", "in force until midnight");
        assert_eq!(v["pending"]["wake_target"], good, "{v}");
    }
}

async fn hopping_east_does_not_restart_the_day(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("hopper", [5, 5, 5]).await;
    let rivals = ["rival1", "rival2", "rival3", "rival4", "rival5", "rival6"];
    for r in rivals {
        app.register(r, [5, 5, 5]).await;
    }
    let noon = advance_to(&app, 12, 0, None).await;
    let ma = json!({"kind": "martial_arts", "duration_min": 45, "style": "judo"});
    for _ in 0..2 {
        let (s, v) = log(&app, &t, ma.clone()).await;
        assert_eq!(s, StatusCode::CREATED);
        assert!(v["award"]["final"].as_i64().unwrap() > 0);
    }
    let (s, _) = log(&app, &t, json!({"kind": "wake_up", "woke_at": "06:00"})).await;
    assert_eq!(s, StatusCode::CREATED);
    for r in &rivals[..5] {
        let (s, d) = app.post("/api/v1/duels", &t, json!({"opponent": r})).await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
    }
    let streak = app.me(&t).await["streak"].clone();
    // The hop: Pacific/Kiritimati (UTC+14) is already tomorrow.
    let (s, v) = patch_me(&app, &t, json!({"timezone": "Pacific/Kiritimati"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["timezone"], "UTC");
    assert_eq!(v["pending"]["timezone"], "Pacific/Kiritimati");
    let midnight = (noon + Duration::hours(12)).to_rfc3339();
    let effective: DateTime<Utc> = v["pending"]["effective_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(effective.to_rfc3339(), midnight);
    // Within the minute: no third session, no second wake-up, no 6th challenge.
    let (s, v) = log(&app, &t, ma.clone()).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(v["award"]["final"], 0, "{v}");
    assert_eq!(v["award"]["capped"], true);
    let (s, e) = log(&app, &t, json!({"kind": "wake_up", "woke_at": "06:00"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "already_woke_today");
    let (s, e) = app
        .post("/api/v1/duels", &t, json!({"opponent": "rival6"}))
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}");
    assert_eq!(app.me(&t).await["streak"], streak);
    // At UTC midnight the hop takes effect: a new date (14:00 in Kiritimati) begins.
    app.advance(12 * 3600 + 60).await;
    let me = app.me(&t).await;
    assert_eq!(me["timezone"], "Pacific/Kiritimati");
    assert!(me["pending"].is_null(), "{me}");
    let (_, v) = log(&app, &t, ma).await;
    assert!(v["award"]["final"].as_i64().unwrap() > 0, "{v}");
}

async fn an_activity_from_before_registration_keeps_its_own_date(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("latecomer", [0, 9, 0]).await;
    // Yesterday's long run, logged just after registering (47 h back is allowed): it
    // belongs to its own date, so today's run has a whole 50 km cap of its own.
    let now = app.now().await;
    let before = now - Duration::hours(47);
    let run = |at: Option<DateTime<Utc>>| {
        let mut body = json!({"kind": "run", "distance_km": 40, "duration_min": 240});
        if let Some(at) = at {
            body["occurred_at"] = json!(at.to_rfc3339());
        }
        body
    };
    let (s, old) = log(&app, &t, run(Some(before))).await;
    assert_eq!(s, StatusCode::CREATED, "{old}");
    assert_eq!(
        old["activity"]["local_date"],
        before.date_naive().to_string()
    );
    assert_eq!(old["award"]["capped"], false);
    assert_eq!(old["award"]["base"], 800.0);
    let (s, today) = log(&app, &t, run(None)).await;
    assert_eq!(s, StatusCode::CREATED, "{today}");
    assert_eq!(
        today["activity"]["local_date"],
        now.date_naive().to_string()
    );
    assert_eq!(today["award"]["capped"], false, "{today}");
    assert_eq!(today["award"]["base"], 800.0);
    // A day before registration is never judged: no skip for it, whatever comes.
    app.advance(86_400).await;
    let (_, ledger) = app.get("/api/v1/ledger", &t).await;
    assert!(
        ledger["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["amount"].as_i64().unwrap() > 0),
        "{ledger}"
    );
}

/// Runs from the two days before registration, logged just after registering, are
/// training days of the chain: today is its third day.
async fn training_from_before_registration_counts_toward_the_streak(b: Backend) {
    let app = TestApp::spawn(b).await;
    advance_to(&app, 12, 0, None).await;
    let (t, _) = app.register("earlystart", [0, 9, 0]).await;
    let now = app.now().await;
    for (back, expected) in [(47, 1.0), (23, 1.05), (0, 1.10)] {
        let mut body = json!({"kind": "run", "distance_km": 5, "duration_min": 30});
        if back > 0 {
            body["occurred_at"] = json!((now - Duration::hours(back)).to_rfc3339());
        }
        let (s, v) = log(&app, &t, body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert!(
            (common::combo(&v) - expected).abs() < 1e-9,
            "{back} h back: {v}"
        );
    }
    assert_eq!(app.me(&t).await["streak"], 3);
    // Registration day closes trained: the chain goes on at 3.
    app.advance(86_400).await;
    assert_eq!(app.me(&t).await["streak"], 3);
    let (s, v) = log(&app, &t, json!({"kind": "study", "duration_min": 30})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!((common::combo(&v) - 1.15).abs() < 1e-9, "{v}");
}

async fn hopping_west_never_begins_a_date_again(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app
        .register_tz("drifter", [5, 5, 5], "Pacific/Kiritimati")
        .await;
    // 12:00 in Kiritimati is 22:00 UTC.
    advance_to(&app, 22, 0, None).await;
    let (s, v) = patch_me(&app, &t, json!({"timezone": "Pacific/Pago_Pago"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Kiritimati's midnight is 10:00 UTC: 23:00 of the day before in Pago Pago.
    app.advance(12 * 3600 + 60).await;
    assert_eq!(app.me(&t).await["timezone"], "Pacific/Pago_Pago");
    let ma = json!({"kind": "martial_arts", "duration_min": 45, "style": "sumo"});
    for _ in 0..2 {
        let (_, v) = log(&app, &t, ma.clone()).await;
        assert!(v["award"]["final"].as_i64().unwrap() > 0, "{v}");
    }
    let (s, v) = log(&app, &t, json!({"kind": "wake_up", "woke_at": "05:00"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let date = v["activity"]["local_date"].clone();
    // Two hours later Pago Pago's clock passes its midnight, but that date began
    // already (in Kiritimati): it goes on, with its caps used.
    app.advance(2 * 3600).await;
    let (_, v) = log(&app, &t, ma.clone()).await;
    assert_eq!(v["activity"]["local_date"], date);
    assert_eq!(v["award"]["final"], 0, "{v}");
    let (s, e) = log(&app, &t, json!({"kind": "wake_up", "woke_at": "00:30"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "already_woke_today");
}

async fn a_schedule_change_waits_for_midnight_and_is_read_at_once(b: Backend) {
    // No workers: the day-close job never runs, yet reads after the moment show it.
    let app = TestApp::spawn_with(b, |c| c.workers = 0).await;
    let (t, _) = app.register("planner", [5, 5, 5]).await;
    let at = advance_to(&app, 18, 0, None).await;
    let (s, v) = patch_me(
        &app,
        &t,
        json!({"training_days": ["sat", "sun"], "timezone": "Europe/Berlin"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["training_days"], json!(["mon", "tue", "thu", "fri"]));
    assert_eq!(v["pending"]["training_days"], json!(["sat", "sun"]));
    assert_eq!(v["pending"]["timezone"], "Europe/Berlin");
    let effective: DateTime<Utc> = v["pending"]["effective_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (effective - (at + Duration::hours(6))).num_seconds().abs() <= 1,
        "{effective}"
    );
    app.advance(6 * 3600).await;
    let me = app.me(&t).await;
    assert_eq!(me["training_days"], json!(["sat", "sun"]), "{me}");
    assert_eq!(me["timezone"], "Europe/Berlin");
    assert!(me["pending"].is_null());
}

async fn removing_a_scheduled_day_at_2350_does_not_escape_the_skip(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("dodger", [5, 5, 5]).await;
    sql(&app, "UPDATE players SET total_xp = 500, xp_strength = 500").await;
    // A Thursday (scheduled) that is not the registration day, 23:50.
    let now = app.now().await;
    let mut thursday_2350 = advance_to(&app, 23, 50, Some(4)).await;
    if (thursday_2350 - now).num_hours() < 24 {
        app.advance(7 * 86_400).await;
        thursday_2350 += Duration::days(7);
    }
    let (_, before) = app.get("/api/v1/ledger?limit=100", &t).await;
    let skips_before = skips(&before);
    let (s, v) = patch_me(&app, &t, json!({"training_days": ["mon", "tue", "fri"]})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.advance(20 * 60).await;
    let (s, _) = patch_me(
        &app,
        &t,
        json!({"training_days": ["mon", "tue", "thu", "fri"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // The day close of Thursday judges it by the schedule it began with.
    app.advance(60).await;
    let mut skipped = 0;
    for _ in 0..100 {
        let (_, ledger) = app.get("/api/v1/ledger?limit=100", &t).await;
        skipped = skips(&ledger) - skips_before;
        if skipped > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(skipped, 1, "Thursday {thursday_2350} is still a skip");
}

fn skips(ledger: &Value) -> usize {
    ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["amount"] == -50)
        .count()
}

async fn weekly_goal_waits_for_the_next_week(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("raging", [5, 5, 5]).await;
    // Level 10+ (Shonen Rage Boost).
    sql(
        &app,
        "UPDATE players SET total_xp = 6000, xp_agility = 6000",
    )
    .await;
    advance_to(&app, 10, 0, Some(1)).await;
    let run = json!({"kind": "run", "distance_km": 5, "duration_min": 30});
    log(&app, &t, run.clone()).await; // Monday trained
    app.advance(2 * 86_400).await; // Wednesday 10:00
    let (s, v) = patch_me(&app, &t, json!({"weekly_goal": 7})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["weekly_goal"], 4);
    assert_eq!(v["pending"]["weekly_goal"], 7);
    // With a goal of 7, one training day by Wednesday is behind schedule (×2); with
    // the week's goal of 4 it is not: no Rage Boost this week.
    let (_, v) = log(&app, &t, run.clone()).await;
    let factors: Vec<&str> = v["award"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(!factors.contains(&"rage_boost"), "{factors:?}");
    let me = app.me(&t).await;
    let at: DateTime<Utc> = me["pending"]["effective_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(at.weekday().number_from_monday(), 1, "next Monday: {me}");
    assert_eq!((at.hour(), at.minute()), (0, 0));
}

/// Makes a player strong enough to win (nearly) every duel.
async fn make_champion(app: &TestApp, username: &str) {
    sql(
        app,
        &format!(
            "UPDATE players SET total_xp = 4000000, xp_strength = 4000000 WHERE username = '{username}'"
        ),
    )
    .await;
}

async fn duel(app: &TestApp, challenger: &str, opponent_token: &str, opponent: &str) -> Value {
    let (s, d) = app
        .post("/api/v1/duels", challenger, json!({"opponent": opponent}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_i64().unwrap();
    let (s, d) = app
        .post(
            &format!("/api/v1/duels/{id}/accept"),
            opponent_token,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{d}");
    for _ in 0..400 {
        let (_, d) = app.get(&format!("/api/v1/duels/{id}"), challenger).await;
        if d["status"] == "resolved" {
            return d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("duel {id} not resolved");
}

async fn alt_farming_duels_pay_once_per_pair_a_week(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (main, _) = app.register("mainacct", [5, 5, 5]).await;
    let (alt, _) = app.register("altacct", [5, 5, 5]).await;
    // Monday morning, so the whole farm is in one ISO week.
    advance_to(&app, 6, 0, Some(1)).await;
    let mut paid = 0;
    let mut friendly = 0;
    for i in 0..10 {
        let d = if i % 2 == 0 {
            duel(&app, &main, &alt, "altacct").await
        } else {
            duel(&app, &alt, &main, "mainacct").await
        };
        match d["rewards"]["friendly"].as_str() {
            None => paid += 1,
            Some(why) => {
                assert_eq!(why, "weekly_pair_limit", "{d}");
                assert_eq!(d["rewards"]["xp"], 0);
                friendly += 1;
            }
        }
    }
    assert_eq!((paid, friendly), (1, 9));
    let fighting = app.me(&main).await["stats"]["fighting"].as_i64().unwrap()
        + app.me(&alt).await["stats"]["fighting"].as_i64().unwrap();
    assert!(fighting <= 60, "one paid win: {fighting}");
    // Friendlies give no buff: at most the one paid duel's loser has it.
    let buffs = app.me(&main).await["buffs"].as_array().unwrap().len()
        + app.me(&alt).await["buffs"].as_array().unwrap().len();
    assert_eq!(buffs, 1);
    // Next week the pair may fight for rewards again.
    app.advance(7 * 86_400).await;
    let d = duel(&app, &main, &alt, "altacct").await;
    assert!(d["rewards"]["friendly"].is_null(), "{d}");
}

/// The pair's week is the players' local ISO week: a duel on Sunday evening in Los
/// Angeles (Monday in UTC) and one on Monday morning there are in two weeks.
async fn the_pair_week_is_local(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (west, _) = app
        .register_tz("westside", [5, 5, 5], "America/Los_Angeles")
        .await;
    let (coast, _) = app
        .register_tz("coastline", [5, 5, 5], "America/Los_Angeles")
        .await;
    // Monday 04:00 UTC is Sunday 20:00 in Los Angeles (UTC−8 in winter).
    advance_to(&app, 4, 0, Some(1)).await;
    let d = duel(&app, &west, &coast, "coastline").await;
    assert!(d["rewards"]["friendly"].is_null(), "{d}");
    // Monday 10:00 there: a new local week, the same UTC one.
    app.advance(14 * 3600).await;
    let d = duel(&app, &coast, &west, "westside").await;
    assert!(
        d["rewards"]["friendly"].is_null(),
        "a new local week pays: {d}"
    );
    // Later that local week: friendly.
    app.advance(3600).await;
    let d = duel(&app, &west, &coast, "coastline").await;
    assert_eq!(d["rewards"]["friendly"], "weekly_pair_limit", "{d}");
}

async fn a_winner_is_paid_for_three_wins_a_day(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (main, _) = app.register("champion", [5, 5, 5]).await;
    make_champion(&app, "champion").await;
    advance_to(&app, 6, 0, None).await;
    let mut outcomes = Vec::new();
    for n in 0..5 {
        let name = format!("alt{n}");
        let (alt, _) = app.register(&name, [5, 5, 5]).await;
        let d = duel(&app, &main, &alt, &name).await;
        if d["winner"] == "champion" {
            outcomes.push(d["rewards"]["friendly"].as_str().map(str::to_string));
        }
    }
    assert!(outcomes.len() >= 4, "the champion wins (nearly) always");
    let paid = outcomes.iter().filter(|o| o.is_none()).count();
    assert_eq!(paid, 3, "{outcomes:?}");
    assert!(
        outcomes[3..]
            .iter()
            .all(|o| o.as_deref() == Some("daily_win_limit")),
        "{outcomes:?}"
    );
}

fn registration(n: usize, prefix: &str) -> Value {
    json!({
        "username": format!("{prefix}{n}"),
        "email": format!("{prefix}{n}@example.com"),
        "password": "correct horse battery",
        "goals": {"strength": 5, "agility": 5, "intelligence": 5},
    })
}

async fn registrations_are_limited_per_address(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.registrations_per_hour = 5).await;
    let url = format!("{}/api/v1/auth/register", app.base);
    let sends = (0..30).map(|n| app.client.post(&url).json(&registration(n, "farm")).send());
    let responses = futures_util::future::join_all(sends).await;
    let mut created = 0;
    for r in responses {
        let r = r.unwrap();
        match r.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                let retry: u64 = r.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((1..=3600).contains(&retry), "{retry}");
                let body: Value = r.json().await.unwrap();
                assert_eq!(body["error"]["code"], "registration_limit", "{body}");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 5);
    // Forty minutes on, the next place frees in about twenty: Retry-After says so.
    app.advance(40 * 60).await;
    let r = app
        .client
        .post(&url)
        .json(&registration(98, "wait"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((20 * 60 - 30..=20 * 60 + 2).contains(&retry), "{retry}");
    // An hour after the first ones the address may register again.
    app.advance(20 * 60 + 1).await;
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(registration(99, "later")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

async fn registrations_are_limited_across_two_instances(b: Backend) {
    let first = TestApp::spawn_with(b, |c| c.registrations_per_hour = 5).await;
    let mut cfg = common::config(&first.database_url, &first.data_dir);
    cfg.registrations_per_hour = 5;
    let second = TestApp::start(cfg, b).await;
    let sends = (0..20).map(|n| {
        let app = if n % 2 == 0 { &first } else { &second };
        app.client
            .post(format!("{}/api/v1/auth/register", app.base))
            .json(&registration(n, "twin"))
            .send()
    });
    let created = futures_util::future::join_all(sends)
        .await
        .into_iter()
        .filter(|r| r.as_ref().unwrap().status() == StatusCode::CREATED)
        .count();
    assert_eq!(created, 5);
}

async fn login_attempts_are_counted_per_account(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.register("aliased", [5, 5, 5]).await;
    let attempt = |name: &str| {
        app.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": name, "password": "wrong password!"})),
        )
    };
    for _ in 0..10 {
        let (s, _) = attempt("aliased").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    for alias in [
        "aliased@example.com",
        "ALIASED",
        "  Aliased@Example.com  ",
        "aliased",
    ] {
        let (s, e) = attempt(alias).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{alias}: {e}");
        assert_eq!(e["error"]["code"], "rate_limited");
    }
    // Another account keeps its own budget.
    app.register("bystander", [5, 5, 5]).await;
    let (s, _) = attempt("bystander").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

/// Only failed logins count: sixty right ones in a minute (past the account's 10 and
/// the address's 50) all sign in; wrong ones are still stopped after ten, and then
/// even the right password waits.
async fn right_logins_use_no_budget(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.register("regular", [5, 5, 5]).await;
    let attempt = |password: &'static str| {
        app.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "regular", "password": password})),
        )
    };
    for i in 0..60 {
        let (s, e) = attempt("correct horse battery").await;
        assert_eq!(s, StatusCode::OK, "login {i}: {e}");
    }
    for _ in 0..10 {
        let (s, _) = attempt("wrong password!").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, _) = attempt("wrong password!").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let (s, _) = attempt("correct horse battery").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
}
