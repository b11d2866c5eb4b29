//! Weekly boss battles through the API with the dev clock, on SQLite and PostgreSQL:
//! defeat pays once, escape costs XP and shows a cutscene once (also across a restart
//! in the middle of a catch-up rollover), each week brings a new villain, and every
//! player rolls over at their own local midnight.

mod common;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use common::{Backend, TestApp, strength};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shonen_server::Application;
use shonen_server::jobs::{BossWeek, Job};

both_backends!(
    defeated_mid_week_pays_once,
    escape_costs_xp_and_a_cutscene_once,
    timezones_roll_over_at_their_own_midnight,
    rollover_resumes_after_a_restart_midway,
    boss_events_follow_the_fight,
    eight_weeks_eight_villains_each_beaten_once,
    boss_routes_need_a_token_and_are_documented,
    players_from_before_bosses_owe_nothing_for_past_weeks,
    dashboard_boss_follows_the_week,
);

/// A test service whose jobs run only when the clock is advanced (no background
/// worker racing the reads that follow an advance).
async fn spawn(b: Backend) -> TestApp {
    TestApp::spawn_with(b, |c| c.workers = 0).await
}

/// The next local Monday 00:00 strictly after `now` (computed independently of the
/// service's calendar code).
fn next_monday(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
        + Duration::days(7);
    tz.from_local_datetime(&monday.and_hms_opt(0, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// Moves the service clock to `t` plus `extra_secs` (due jobs run on the way).
async fn advance_to(app: &TestApp, t: DateTime<Utc>, extra_secs: i64) {
    let now = app.now().await;
    let secs = (t - now).num_seconds() + extra_secs;
    assert!(secs >= 0, "cannot move the clock back");
    app.advance(secs).await;
}

async fn boss(app: &TestApp, t: &str) -> Value {
    let (s, b) = app.get("/api/v1/boss", t).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

async fn history(app: &TestApp, t: &str) -> Vec<Value> {
    let (s, h) = app.get("/api/v1/boss/history", t).await;
    assert_eq!(s, StatusCode::OK, "{h}");
    h["items"].as_array().unwrap().clone()
}

async fn ledger(app: &TestApp, t: &str) -> Vec<Value> {
    let (s, l) = app.get("/api/v1/ledger?limit=100", t).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    l["items"].as_array().unwrap().clone()
}

fn entries_with_reason<'a>(ledger: &'a [Value], reason: &str) -> Vec<&'a Value> {
    ledger.iter().filter(|e| e["reason"] == reason).collect()
}

async fn log(app: &TestApp, t: &str, body: Value) {
    let (s, b) = app.post("/api/v1/activities", t, body).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

/// Does exactly what the boss's three objectives ask, day by day from now on
/// (call it early in the week).
async fn beat(app: &TestApp, t: &str, boss: &Value) {
    let objectives: Vec<(String, f64)> = boss["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["text"].as_str().unwrap().to_string(),
                o["target"].as_f64().unwrap(),
            )
        })
        .collect();
    let days = objectives
        .iter()
        .filter(|(text, _)| text.starts_with("Wake up") || text.starts_with("Train on"))
        .map(|(_, target)| *target as i64)
        .max()
        .unwrap_or(1)
        .max(1);
    for day in 0..days {
        for (text, target) in &objectives {
            let n = *target as usize;
            match text.split(' ').next().unwrap() {
                "Run" if day == 0 => {
                    log(
                        app,
                        t,
                        json!({"kind": "run", "distance_km": target, "duration_min": target * 6.0}),
                    )
                    .await
                }
                "Complete" if day == 0 => {
                    for _ in 0..n {
                        log(app, t, strength(3, 40.0, 8, 30.0)).await;
                    }
                }
                "Study" if day == 0 => {
                    log(
                        app,
                        t,
                        json!({"kind": "study", "duration_min": target * 60.0}),
                    )
                    .await
                }
                "Finish" if day == 0 => {
                    for _ in 0..n {
                        log(
                            app,
                            t,
                            json!({"kind": "martial_arts", "duration_min": 45, "style": "karate"}),
                        )
                        .await;
                    }
                }
                "Wake" => log(app, t, json!({"kind": "wake_up", "woke_at": "00:00"})).await,
                "Train" => {
                    log(app, t, json!({"kind": "study", "duration_min": 20})).await;
                }
                _ => {}
            }
        }
        if day + 1 < days {
            app.advance(86_400).await;
        }
    }
}

async fn defeated_mid_week_pays_once(b: Backend) {
    let app = spawn(b).await;
    let (t, player) = app.register("gon", [3, 3, 3]).await;
    advance_to(&app, next_monday(app.now().await, Tz::UTC), 3600).await;
    let fresh = boss(&app, &t).await;
    assert_eq!(fresh["status"], "active");
    assert_eq!(
        (fresh["hp"].clone(), fresh["hp_max"].clone()),
        (json!(300), json!(300))
    );
    assert_eq!(
        fresh["level"], 1,
        "objectives scaled to the level at the week's start"
    );
    assert_eq!(fresh["objectives"].as_array().unwrap().len(), 3);
    for f in ["week", "name", "epithet", "taunt", "weakness", "reward"] {
        assert!(fresh.get(f).is_some(), "boss lacks {f}");
    }
    let (_, dash) = app.get("/api/v1/dashboard", &t).await;
    assert_eq!(dash["boss"]["name"], fresh["name"]);

    beat(&app, &t, &fresh).await;
    let won = boss(&app, &t).await;
    assert_eq!(won["status"], "defeated", "{won}");
    assert_eq!(won["hp"], 0);
    assert!(
        won["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["done"] == true)
    );
    let name = fresh["name"].as_str().unwrap();
    let badge = format!("{name} Slayer");
    assert_eq!(won["badge"], badge);

    // More training the same week pays nothing more.
    log(&app, &t, json!({"kind": "study", "duration_min": 60})).await;
    log(
        &app,
        &t,
        json!({"kind": "run", "distance_km": 5, "duration_min": 30}),
    )
    .await;
    let l = ledger(&app, &t).await;
    let rewards = entries_with_reason(&l, &format!("Defeated {name}"));
    assert_eq!(rewards.len(), 1, "{l:?}");
    assert_eq!(rewards[0]["amount"], 150);
    assert_eq!(rewards[0]["stat"], fresh["weakness"]);
    let (_, profile) = app
        .get(
            &format!("/api/v1/players/{}", player["username"].as_str().unwrap()),
            &t,
        )
        .await;
    let badges = profile["badges"].as_array().unwrap();
    assert_eq!(badges.len(), 1);
    assert_eq!(badges[0]["name"], badge);
    let (_, dash) = app.get("/api/v1/dashboard", &t).await;
    assert_eq!(dash["boss"]["status"], "defeated");

    // The week ends: a defeated boss does not escape, and a new villain arrives.
    advance_to(&app, next_monday(app.now().await, Tz::UTC), 60).await;
    let past = history(&app, &t).await;
    let last = past.iter().find(|h| h["week"] == fresh["week"]).unwrap();
    assert_eq!(last["status"], "defeated");
    assert_eq!(last["badge"], badge);
    assert!(last.get("cutscene").is_none());
    let l = ledger(&app, &t).await;
    assert!(entries_with_reason(&l, &format!("{name} escaped")).is_empty());
    assert_eq!(
        entries_with_reason(&l, &format!("Defeated {name}")).len(),
        1
    );
    let next = boss(&app, &t).await;
    assert_eq!(next["status"], "active");
    assert_ne!(next["week"], fresh["week"]);
    assert_ne!(
        next["name"], fresh["name"],
        "the next week brings a different villain"
    );
    // The ledger and the totals agree.
    let me = app.me(&t).await;
    let sum: i64 = l.iter().map(|e| e["amount"].as_i64().unwrap()).sum();
    assert_eq!(me["total_xp"].as_i64().unwrap(), sum);
}

async fn escape_costs_xp_and_a_cutscene_once(b: Backend) {
    let app = spawn(b).await;
    let (t, _) = app.register("yusuke", [3, 3, 3]).await;
    let first = boss(&app, &t).await;
    // The registration week's boss escapes too, but it cannot take XP from a
    // player who has none (and a partial first week is a grace week).
    advance_to(&app, next_monday(app.now().await, Tz::UTC), 3600).await;
    // The first read after an escape carries its cutscene, once.
    let now_boss = boss(&app, &t).await;
    assert_eq!(now_boss["pending_cutscene"]["week"], first["week"]);
    assert!(
        now_boss["pending_cutscene"]["cutscene"]
            .as_str()
            .unwrap()
            .len()
            > 20
    );
    assert!(boss(&app, &t).await.get("pending_cutscene").is_none());
    let past = history(&app, &t).await;
    assert_eq!(past.len(), 1);
    assert_eq!(past[0]["week"], first["week"]);
    assert_eq!(past[0]["status"], "escaped");
    assert_eq!(past[0]["penalty"], 0);
    assert_eq!(
        past[0]["cutscene"],
        now_boss["pending_cutscene"]["cutscene"]
    );

    // Earn XP without finishing any objective (each stays below its level-1 target).
    log(
        &app,
        &t,
        json!({"kind": "run", "distance_km": 9.5, "duration_min": 57}),
    )
    .await;
    log(&app, &t, strength(12, 100.0, 5, 70.0)).await;
    log(&app, &t, json!({"kind": "study", "duration_min": 170})).await;
    let week = boss(&app, &t).await;
    assert_eq!(week["status"], "active");
    assert!(
        week["hp"].as_i64().unwrap() < 300,
        "the activities dealt damage"
    );
    assert!(week["hp"].as_i64().unwrap() > 0);
    let name = week["name"].as_str().unwrap().to_string();

    advance_to(&app, next_monday(app.now().await, Tz::UTC), 60).await;
    let l = ledger(&app, &t).await;
    let escapes = entries_with_reason(&l, &format!("{name} escaped"));
    assert_eq!(escapes.len(), 1);
    assert_eq!(escapes[0]["amount"], -75);
    assert!(escapes[0]["stat"].is_null());
    // This time the history is read first: it carries the pending cutscene.
    let (_, h) = app.get("/api/v1/boss/history", &t).await;
    assert_eq!(h["pending_cutscene"]["week"], week["week"]);
    let past = h["items"].as_array().unwrap().clone();
    assert_eq!(past[0]["week"], week["week"]);
    assert_eq!(past[0]["status"], "escaped");
    assert_eq!(past[0]["penalty"], 75);
    let cutscene = past[0]["cutscene"].as_str().unwrap().to_string();
    assert!(cutscene.contains(&name), "{cutscene}");

    // Shown once: the history read above claimed it; history always keeps it.
    assert!(boss(&app, &t).await.get("pending_cutscene").is_none());
    assert_eq!(history(&app, &t).await[0]["cutscene"], json!(cutscene));

    // Running the rollover again (same instant, later) changes nothing.
    app.advance(0).await;
    app.advance(3600).await;
    let again = ledger(&app, &t).await;
    assert_eq!(
        entries_with_reason(&again, &format!("{name} escaped")).len(),
        1
    );
    assert_eq!(history(&app, &t).await.len(), 2);

    // The new week's objectives are scaled to the level reached by its start.
    let next = boss(&app, &t).await;
    assert!(next["level"].as_i64().unwrap() > 1, "{next}");
    for (o_new, o_old) in next["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .zip(week["objectives"].as_array().unwrap())
    {
        assert!(o_new["target"].as_f64().unwrap() > 0.0 && o_old["target"].as_f64().unwrap() > 0.0);
    }
}

async fn timezones_roll_over_at_their_own_midnight(b: Backend) {
    let app = spawn(b).await;
    let kiri: Tz = "Pacific/Kiritimati".parse().unwrap();
    let la: Tz = "America/Los_Angeles".parse().unwrap();
    let (tk, _) = app
        .register_tz("teiva", [3, 3, 3], "Pacific/Kiritimati")
        .await;
    let (tl, _) = app
        .register_tz("jake", [3, 3, 3], "America/Los_Angeles")
        .await;
    let bk = boss(&app, &tk).await;
    let bl = boss(&app, &tl).await;
    if bk["week"] == bl["week"] {
        assert_eq!(bk["name"], bl["name"], "one villain per week for everyone");
    }
    let now = app.now().await;
    let (k_end, l_end) = (next_monday(now, kiri), next_monday(now, la));
    assert_eq!(bk["ends_at"], json!(k_end.to_rfc3339()));
    assert_eq!(bl["ends_at"], json!(l_end.to_rfc3339()));
    let (first, second, t_first, t_second) = if k_end < l_end {
        (k_end, l_end, &tk, &tl)
    } else {
        (l_end, k_end, &tl, &tk)
    };

    // One minute before the earlier midnight: nobody's boss has left.
    advance_to(&app, first, -60).await;
    assert!(history(&app, t_first).await.is_empty());
    assert!(history(&app, t_second).await.is_empty());
    // Just after it: only that player's boss escaped.
    app.advance(120).await;
    let h = history(&app, t_first).await;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["status"], "escaped");
    let resolved: DateTime<Utc> = h[0]["resolved_at"].as_str().unwrap().parse().unwrap();
    assert!(resolved >= first && resolved < first + Duration::minutes(5));
    assert!(history(&app, t_second).await.is_empty());
    // The other player's boss escapes at their own midnight.
    advance_to(&app, second, -60).await;
    assert!(history(&app, t_second).await.is_empty());
    app.advance(120).await;
    let h = history(&app, t_second).await;
    assert_eq!(h.len(), 1);
    let resolved: DateTime<Utc> = h[0]["resolved_at"].as_str().unwrap().parse().unwrap();
    assert!(resolved >= second && resolved < second + Duration::minutes(5));
    assert_eq!(history(&app, t_first).await.len(), 1);
}

async fn rollover_resumes_after_a_restart_midway(b: Backend) {
    let mut first = spawn(b).await;
    let (t, player) = first.register("hiei", [3, 3, 3]).await;
    let player_id = player["id"].as_i64().unwrap();
    let registered = first.now().await;
    log(&first, &t, strength(12, 100.0, 5, 70.0)).await;
    first.stop().await;

    // The service is down for three weeks. A new instance starts catching up but
    // stops after committing the first ended week (a crash in the middle).
    let mut cfg = common::config(&first.database_url, &first.data_dir);
    // No background worker: the jobs run when the test drains them, so every read
    // below sees a finished rollover.
    cfg.workers = 0;
    let partial = Application::build(cfg.clone()).await.unwrap();
    let state = partial.state();
    let week1 = registered.date_naive()
        - Duration::days(i64::from(registered.weekday().num_days_from_monday()));
    let down =
        (next_monday(registered, Tz::UTC) + Duration::weeks(2) - registered).num_seconds() + 3600;
    state.clock.advance(down);
    state
        .store
        .set_state(
            "dev_clock_offset_micros",
            &state.clock.offset_micros().to_string(),
        )
        .await
        .unwrap();
    let closed = state
        .progress
        .close_week(player_id, week1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.news.escaped.len(), 1);
    state.store.close().await;
    drop(partial);

    // Restart: the due rollover job catches up the two remaining weeks.
    let app = TestApp::start(cfg.clone(), b).await;
    app.advance(0).await;
    // The cutscenes are shown once: the newest with the first read, the two others
    // flagged with it.
    let (_, h) = app.get("/api/v1/boss/history", &t).await;
    let scene = h["pending_cutscene"].clone();
    assert_eq!(scene["also_unseen"].as_array().unwrap().len(), 2, "{h}");
    let past = h["items"].as_array().unwrap().clone();
    assert_eq!(scene["week"], past[0]["week"]);
    assert_eq!(past.len(), 3, "{past:?}");
    assert!(past.iter().all(|h| h["status"] == "escaped"));
    assert!(past.iter().all(|h| h["cutscene"].as_str().is_some()));
    let weeks: Vec<&str> = past.iter().map(|h| h["week"].as_str().unwrap()).collect();
    let mut sorted = weeks.clone();
    sorted.sort();
    sorted.reverse();
    sorted.dedup();
    assert_eq!(weeks, sorted, "three distinct weeks, newest first");

    // Re-running the rollover (twice) changes nothing.
    let rerun = Application::build(cfg).await.unwrap();
    let state = rerun.state();
    let before = ledger(&app, &t).await;
    BossWeek { player_id }.run(&state).await.unwrap();
    BossWeek { player_id }.run(&state).await.unwrap();
    app.advance(0).await;
    let after = ledger(&app, &t).await;
    assert_eq!(before, after);
    // Exactly one escape entry per full week (the registration week is a grace
    // week unless it began on the registration day).
    let grace = registered.weekday() != chrono::Weekday::Mon;
    let escapes = after
        .iter()
        .filter(|e| e["reason"].as_str().unwrap().ends_with(" escaped"))
        .count();
    assert_eq!(escapes, if grace { 2 } else { 3 });
    assert_eq!(history(&app, &t).await.len(), 3);

    assert!(boss(&app, &t).await.get("pending_cutscene").is_none());
    let (_, h) = app.get("/api/v1/boss/history", &t).await;
    assert!(h.get("pending_cutscene").is_none());
    state.store.close().await;
    drop(first);
}

/// The events of one player received so far, as (type, data).
fn drain_events(
    rx: &mut tokio::sync::broadcast::Receiver<std::sync::Arc<shonen_server::events::Event>>,
    player_id: i64,
) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if e.player_id == player_id {
            out.push((e.kind.to_string(), e.data.clone()));
        }
    }
    out
}

fn of_kind<'a>(events: &'a [(String, Value)], kind: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|(k, _)| k == kind)
        .map(|(_, d)| d)
        .collect()
}

async fn boss_events_follow_the_fight(b: Backend) {
    let app = spawn(b).await;
    let mut rx = app.state.events.subscribe();
    let (t, player) = app.register("kenshiro", [3, 3, 3]).await;
    let id = player["id"].as_i64().unwrap();
    advance_to(&app, next_monday(app.now().await, Tz::UTC), 3600).await;
    drain_events(&mut rx, id);
    let fight = boss(&app, &t).await;
    beat(&app, &t, &fight).await;
    let events = drain_events(&mut rx, id);
    let damaged = of_kind(&events, "boss_damaged");
    assert!(!damaged.is_empty(), "{events:?}");
    let hps: Vec<i64> = damaged.iter().map(|d| d["hp"].as_i64().unwrap()).collect();
    assert!(
        hps.windows(2).all(|w| w[1] < w[0]),
        "HP only falls: {hps:?}"
    );
    assert!(damaged.iter().all(|d| d["damage"].as_i64().unwrap() > 0));
    assert_eq!(*hps.last().unwrap(), 0);
    let defeated = of_kind(&events, "boss_defeated");
    assert_eq!(defeated.len(), 1);
    assert_eq!(defeated[0]["reward"]["xp"], 150);
    assert_eq!(defeated[0]["name"], fight["name"]);
    log(&app, &t, json!({"kind": "study", "duration_min": 30})).await;
    let events = drain_events(&mut rx, id);
    assert!(
        of_kind(&events, "boss_defeated").is_empty() && of_kind(&events, "boss_damaged").is_empty()
    );

    // A defeated boss does not escape; next week's does, announced once.
    advance_to(&app, next_monday(app.now().await, Tz::UTC), 60).await;
    assert!(of_kind(&drain_events(&mut rx, id), "boss_escaped").is_empty());
    let next = boss(&app, &t).await;
    advance_to(&app, next_monday(app.now().await, Tz::UTC), 60).await;
    app.advance(0).await;
    let events = drain_events(&mut rx, id);
    let escaped = of_kind(&events, "boss_escaped");
    assert_eq!(escaped.len(), 1, "{events:?}");
    assert_eq!(escaped[0]["name"], next["name"]);
    // The penalty is what was actually taken (a week of skips may have left less).
    let l = ledger(&app, &t).await;
    let entry = entries_with_reason(&l, &format!("{} escaped", next["name"].as_str().unwrap()));
    assert_eq!(entry.len(), 1);
    assert_eq!(
        escaped[0]["penalty"].as_i64().unwrap(),
        -entry[0]["amount"].as_i64().unwrap()
    );
    assert!(
        escaped[0]["cutscene"]
            .as_str()
            .unwrap()
            .contains(next["name"].as_str().unwrap())
    );
}

async fn eight_weeks_eight_villains_each_beaten_once(b: Backend) {
    let app = spawn(b).await;
    // Register on a Tuesday, whatever today is: that week is a grace week (a
    // registration on a Monday would owe that week's escape penalty, which this test
    // skips by jumping to the next Monday).
    advance_to(&app, next_monday(app.now().await, Tz::UTC), 86_400 + 3600).await;
    let (mut t, player) = app.register("saitama", [3, 3, 3]).await;
    let mut names = Vec::new();
    let mut texts = std::collections::HashSet::new();
    for _ in 0..8 {
        advance_to(&app, next_monday(app.now().await, Tz::UTC), 3600).await;
        // Tokens last 30 days: log in again every week.
        let (s, login) = app
            .call(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "saitama", "password": "correct horse battery"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{login}");
        t = login["token"].as_str().unwrap().to_string();
        let fight = boss(&app, &t).await;
        assert_eq!(fight["status"], "active");
        assert!(!names.contains(&fight["name"]), "a new villain every week");
        for o in fight["objectives"].as_array().unwrap() {
            texts.insert(
                o["text"]
                    .as_str()
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
                    .to_string(),
            );
        }
        beat(&app, &t, &fight).await;
        assert_eq!(boss(&app, &t).await["status"], "defeated");
        names.push(fight["name"].clone());
    }
    let l = ledger(&app, &t).await;
    for name in &names {
        let reward = entries_with_reason(&l, &format!("Defeated {}", name.as_str().unwrap()));
        assert_eq!(reward.len(), 1);
        assert_eq!(reward[0]["amount"], 150);
    }
    assert!(
        l.iter()
            .all(|e| !e["reason"].as_str().unwrap().ends_with(" escaped"))
    );
    let (_, profile) = app
        .get(
            &format!("/api/v1/players/{}", player["username"].as_str().unwrap()),
            &t,
        )
        .await;
    assert_eq!(profile["badges"].as_array().unwrap().len(), 8);
    assert!(texts.len() >= 4, "several objective kinds met: {texts:?}");
}

async fn boss_routes_need_a_token_and_are_documented(b: Backend) {
    let app = spawn(b).await;
    for path in ["/api/v1/boss", "/api/v1/boss/history"] {
        let (s, body) = app.call(reqwest::Method::GET, path, None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    let (s, doc) = app
        .call(reqwest::Method::GET, "/api/openapi.json", None, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["paths"].get("/api/v1/boss").is_some());
    assert!(doc["paths"].get("/api/v1/boss/history").is_some());
    // A new player's history is empty; the current boss exists from the first read.
    let (t, _) = app.register("mob", [3, 3, 3]).await;
    assert!(history(&app, &t).await.is_empty());
    let current = boss(&app, &t).await;
    assert_eq!(current["status"], "active");
    assert!(current.get("pending_cutscene").is_none());
}

async fn players_from_before_bosses_owe_nothing_for_past_weeks(b: Backend) {
    let app = spawn(b).await;
    let (t, _) = app.register("jotaro", [3, 3, 3]).await;
    // Make them a player from before this feature: no rollover job, no battles.
    common::execute_sql(
        &app.database_url,
        "DELETE FROM jobs WHERE kind = 'boss_week'",
    )
    .await;
    // Five weeks pass with nobody looking at a boss.
    for _ in 0..5 {
        advance_to(&app, next_monday(app.now().await, Tz::UTC), 3600).await;
    }
    let (s, login) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "jotaro", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{login}");
    let t2 = login["token"].as_str().unwrap().to_string();
    let _ = t;
    // The first read opens this week's fight and schedules the rollover.
    let fight = boss(&app, &t2).await;
    assert!(history(&app, &t2).await.is_empty());
    advance_to(&app, next_monday(app.now().await, Tz::UTC), 60).await;
    let past = history(&app, &t2).await;
    assert_eq!(past.len(), 1, "only the week they met the boss: {past:?}");
    assert_eq!(past[0]["week"], fight["week"]);
    assert_eq!(past[0]["status"], "escaped");
    let l = ledger(&app, &t2).await;
    let escapes = l
        .iter()
        .filter(|e| e["reason"].as_str().unwrap().ends_with(" escaped"))
        .count();
    assert_eq!(escapes, 1);
}

/// A boss beaten mid-week leaves nothing for Monday's rollover to close, so nothing
/// clears the dashboard's cached boss: the dashboard must still show the new week's
/// villain, as `/boss` does, and not last week's defeated one.
async fn dashboard_boss_follows_the_week(b: Backend) {
    let app = spawn(b).await;
    let (t, _) = app.register("killua", [3, 3, 3]).await;
    advance_to(&app, next_monday(app.now().await, Tz::UTC), 3600).await;
    let fresh = boss(&app, &t).await;
    beat(&app, &t, &fresh).await;
    let (_, dash) = app.get("/api/v1/dashboard", &t).await;
    assert_eq!(dash["boss"]["status"], "defeated", "{dash}");
    assert_eq!(dash["boss"]["week"], fresh["week"]);

    // Sunday night: everything of the week is closed; the dashboard caches its boss.
    let monday = next_monday(app.now().await, Tz::UTC);
    advance_to(&app, monday, -120).await;
    let (_, dash) = app.get("/api/v1/dashboard", &t).await;
    assert_eq!(dash["boss"]["week"], fresh["week"], "{dash}");
    advance_to(&app, monday, 60).await;
    let next = boss(&app, &t).await;
    assert_ne!(next["week"], fresh["week"]);
    let (_, dash) = app.get("/api/v1/dashboard", &t).await;
    assert_eq!(dash["boss"]["week"], next["week"], "{dash}");
    assert_eq!(dash["boss"]["name"], next["name"]);
    assert_eq!(dash["boss"]["status"], "active");
}
