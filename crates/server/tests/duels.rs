//! Rival duels over the API on both backends: challenge rules and their errors,
//! accept → battle in the background → result for both players, replay access,
//! expiry, the daily limit, and a battle job that fails, retries and is kept.

mod common;

use common::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn challenge(app: &TestApp, token: &str, opponent: &str) -> (StatusCode, Value) {
    app.post("/api/v1/duels", token, json!({ "opponent": opponent }))
        .await
}

async fn answer(app: &TestApp, token: &str, id: i64, what: &str) -> (StatusCode, Value) {
    app.post(&format!("/api/v1/duels/{id}/{what}"), token, json!({}))
        .await
}

/// Polls the duel until `done` holds (the battle runs on a worker).
async fn wait_for(app: &TestApp, token: &str, id: i64, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let (status, body) = app.get(&format!("/api/v1/duels/{id}"), token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if done(&body) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("duel {id} never reached the expected state");
}

async fn resolved(app: &TestApp, token: &str, id: i64) -> Value {
    wait_for(app, token, id, |d| d["status"] == "resolved").await
}

async fn duel_ledger(app: &TestApp, token: &str) -> Vec<Value> {
    let (_, ledger) = app.get("/api/v1/ledger?limit=100", token).await;
    ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["reason"].as_str().unwrap_or("").contains("duel"))
        .cloned()
        .collect()
}

async fn duel_is_fought_and_both_see_the_result(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (kenji, _) = app.register("kenji", [8, 2, 2]).await;
    let (rin, _) = app.register("rin", [2, 8, 2]).await;
    let (other, _) = app.register("bystander", [2, 2, 8]).await;
    app.post(
        "/api/v1/activities",
        &kenji,
        common::strength(5, 100.0, 5, 45.0),
    )
    .await;

    let mut events = app.state.events.subscribe();
    let (status, duel) = challenge(&app, &kenji, "rin").await;
    assert_eq!(status, StatusCode::CREATED, "{duel}");
    assert_eq!(duel["status"], "pending");
    assert_eq!(duel["challenger"], "kenji");
    assert_eq!(duel["opponent"], "rin");
    let id = duel["id"].as_i64().unwrap();
    let mut challenged = vec![];
    while let Ok(Ok(e)) = tokio::time::timeout(Duration::from_millis(200), events.recv()).await {
        if e.kind == "duel_challenged" {
            challenged.push(e.player_id);
        }
    }
    assert_eq!(challenged.len(), 2, "both players hear of the challenge");

    // Someone else cannot see or answer it; the challenger cannot answer it.
    let (status, _) = app.get(&format!("/api/v1/duels/{id}"), &other).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = answer(&app, &other, id, "accept").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = answer(&app, &kenji, id, "accept").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "challenger_cannot_answer");

    let (status, queued) = answer(&app, &rin, id, "accept").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    assert_eq!(queued["status"], "queued");
    let (status, body) = answer(&app, &rin, id, "accept").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    let done = resolved(&app, &rin, id).await;
    let mut told = vec![];
    while let Ok(Ok(e)) = tokio::time::timeout(Duration::from_millis(500), events.recv()).await {
        if e.kind == "duel_resolved" {
            assert_eq!(e.data["id"], id);
            told.push(e.player_id);
        }
    }
    told.sort();
    let (k, r) = (
        app.me(&kenji).await["id"].clone(),
        app.me(&rin).await["id"].clone(),
    );
    let mut both = vec![k.as_i64().unwrap(), r.as_i64().unwrap()];
    both.sort();
    assert_eq!(told, both, "both players hear the result");
    let seen_by_challenger = resolved(&app, &kenji, id).await;
    assert_eq!(done, seen_by_challenger);
    let winner = done["winner"].as_str().unwrap().to_string();
    assert!(winner == "kenji" || winner == "rin");
    let rounds = done["rounds"].as_array().unwrap();
    assert!(!rounds.is_empty());
    let last = rounds.last().unwrap();
    assert!(last["challenger_hp"] == 0 || last["opponent_hp"] == 0);
    assert!(
        rounds[0]["lines"][0]
            .as_str()
            .unwrap()
            .contains("squares off")
    );
    assert!(done["resolved_at"].is_string());
    let xp = done["rewards"]["fighting_xp"].as_i64().unwrap();
    assert_eq!(xp, if done["upset"] == true { 60 } else { 40 });

    // The winner got the Fighting XP once; the loser got the Training Arc Buff.
    let (win_token, lose_token) = if winner == "kenji" {
        (&kenji, &rin)
    } else {
        (&rin, &kenji)
    };
    let w = app.me(win_token).await;
    assert_eq!(w["stats"]["fighting"], xp);
    assert!(w["buffs"].as_array().unwrap().is_empty());
    let l = app.me(lose_token).await;
    assert_eq!(l["stats"]["fighting"], 0);
    assert_eq!(l["buffs"][0]["name"], "Training Arc Buff");
    assert_eq!(l["buffs"][0]["multiplier"], 1.25);
    let expires: chrono::DateTime<chrono::Utc> = l["buffs"][0]["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = app.now().await;
    let left = expires - now;
    assert!(left > chrono::Duration::hours(71) && left <= chrono::Duration::hours(72));
    assert_eq!(duel_ledger(&app, win_token).await.len(), 1);
    assert!(duel_ledger(&app, lose_token).await.is_empty());

    // Both duellists read the replay from object storage; nobody else can.
    // (`replay_url` is a signed link; the bearer route stays for the players.)
    let signed = done["replay_url"].as_str().unwrap();
    assert!(
        signed.starts_with(&format!("/api/v1/files/replays/{id}.json?")),
        "{signed}"
    );
    let url = format!("/api/v1/duels/{id}/replay");
    for t in [&kenji, &rin] {
        let (status, replay) = app.get(&url, t).await;
        assert_eq!(status, StatusCode::OK, "{replay}");
        assert_eq!(replay["battle"]["rounds"], done["rounds"]);
        // Same snapshots and duel id → the same battle, wherever it is computed.
        let input: shonen_rules::DuelInput = serde_json::from_value(json!({
            "duel_id": id.to_string(),
            "challenger": replay["challenger"],
            "opponent": replay["opponent"],
        }))
        .unwrap();
        assert_eq!(json!(shonen_rules::fight(&input)), replay["battle"]);
        assert_eq!(input.challenger.username, "kenji");
        assert!(
            input.challenger.strength_xp > 0,
            "snapshot has the Strength XP"
        );
    }
    let (status, _) = app.get(&url, &other).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let stored = app
        .state
        .objects
        .get(&format!("replays/{id}.json"))
        .await
        .unwrap();
    assert!(stored.is_some(), "replay under its stable key");

    // A resolved duel cannot be accepted again and the pair may duel again.
    let (status, body) = answer(&app, &rin, id, "accept").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = challenge(&app, &rin, "kenji").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Re-running the battle job (a worker that died after committing) changes nothing.
    use shonen_server::jobs::Job;
    shonen_server::jobs::DuelBattle { duel_id: id }
        .run(&app.state)
        .await
        .unwrap();
    assert_eq!(duel_ledger(&app, win_token).await.len(), 1);
    assert_eq!(app.me(win_token).await["stats"]["fighting"], xp);
}

async fn challenge_rules_and_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (a, _) = app.register("asta", [8, 2, 2]).await;
    let (b, _) = app.register("yuno", [2, 8, 2]).await;

    let (status, body) = challenge(&app, &a, "asta").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "self_duel");
    assert_eq!(body["error"]["details"]["field"], "opponent");
    let (status, body) = challenge(&app, &a, "nobody_here").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "unknown_opponent");
    let (status, body) = app.post("/api/v1/duels", &a, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/duels",
            None,
            Some(json!({"opponent": "yuno"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, duel) = challenge(&app, &a, "YUNO").await;
    assert_eq!(status, StatusCode::CREATED, "{duel}");
    let id = duel["id"].as_i64().unwrap();
    // One open duel per pair, whichever way round.
    let (status, body) = challenge(&app, &a, "yuno").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "duel_already_open");
    let (status, body) = challenge(&app, &b, "asta").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Lists by status; a bad status is a 422.
    let (_, list) = app.get("/api/v1/duels?status=pending", &b).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (_, list) = app.get("/api/v1/duels?status=resolved", &b).await;
    assert!(list["items"].as_array().unwrap().is_empty());
    let (status, body) = app.get("/api/v1/duels?status=won", &b).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_status");
    let (status, _) = app.get("/api/v1/duels/999999", &b).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/api/v1/duels/abc", &b).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The challenger cannot decline for the opponent; the opponent declines.
    let (status, body) = answer(&app, &a, id, "decline").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = answer(&app, &b, id, "decline").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "declined");
    let (status, body) = answer(&app, &b, id, "accept").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "duel_declined");
    let (status, body) = answer(&app, &b, id, "decline").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // A declined duel is closed: the pair may duel again.
    let (status, body) = challenge(&app, &b, "asta").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, list) = app.get("/api/v1/duels", &a).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(list["items"][0]["challenger"], "yuno", "newest first");
}

async fn unanswered_challenges_expire(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (a, _) = app.register("luffy", [8, 2, 2]).await;
    let (b, _) = app.register("zoro", [8, 2, 2]).await;
    let (c, _) = app.register("nami", [2, 2, 8]).await;
    let (_, first) = challenge(&app, &a, "zoro").await;
    let first = first["id"].as_i64().unwrap();
    app.advance(12 * 3600).await;
    let (_, second) = challenge(&app, &c, "zoro").await;
    let second = second["id"].as_i64().unwrap();
    app.advance(12 * 3600 + 60).await;

    // The expiry job ran for the first challenge (24 h old), not the second.
    let (_, d) = app.get(&format!("/api/v1/duels/{first}"), &b).await;
    assert_eq!(d["status"], "expired");
    let (status, body) = answer(&app, &b, first, "accept").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "duel_expired");
    let (status, body) = answer(&app, &b, first, "decline").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (_, d) = app.get(&format!("/api/v1/duels/{second}"), &b).await;
    assert_eq!(d["status"], "pending");
    let (status, body) = answer(&app, &b, second, "accept").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    resolved(&app, &b, second).await;
    // An expired duel is closed: the pair may duel again.
    let (status, body) = challenge(&app, &a, "zoro").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// The dev clock answers after the work it made due: an expiry a worker claimed
/// first is waited for, so the duel reads `expired` at once (repeated, with several
/// workers racing the drain for each job).
async fn expiry_is_seen_as_soon_as_the_clock_answers(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.workers = 4).await;
    let (a, _) = app.register("luffy", [8, 2, 2]).await;
    let (b, _) = app.register("zoro", [8, 2, 2]).await;
    for round in 0..6 {
        let (status, d) = challenge(&app, &a, "zoro").await;
        assert_eq!(status, StatusCode::CREATED, "{d}");
        let id = d["id"].as_i64().unwrap();
        app.advance(24 * 3600 + 5).await;
        let (_, d) = app.get(&format!("/api/v1/duels/{id}"), &b).await;
        assert_eq!(d["status"], "expired", "round {round}: {d}");
    }
}

/// A drain waits for job runs under way in the process before it answers.
async fn drain_waits_for_runs_under_way(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let state = app.state.clone();
    let running = shonen_server::jobs::Running::enter(&state.jobs_running);
    let drain = tokio::spawn({
        let state = state.clone();
        async move { shonen_server::jobs::drain(&state).await.unwrap() }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !drain.is_finished(),
        "the drain answered while a run was under way"
    );
    drop(running);
    tokio::time::timeout(std::time::Duration::from_secs(5), drain)
        .await
        .expect("the drain ends once the run is done")
        .unwrap();
}

async fn five_challenges_per_local_day(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Far east: the local day turns over at 10:00 UTC, not at UTC midnight.
    let (a, _) = app
        .register_tz("kira", [8, 2, 2], "Pacific/Kiritimati")
        .await;
    for i in 0..6 {
        app.register(&format!("rival{i}"), [2, 8, 2]).await;
    }
    for i in 0..5 {
        let (status, body) = challenge(&app, &a, &format!("rival{i}")).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = challenge(&app, &a, "rival5").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "daily_challenge_limit");
    let wait = body["error"]["details"]["retry_after_seconds"]
        .as_i64()
        .unwrap();
    // The limit lifts at the challenger's local midnight, and not before.
    let now = app.now().await;
    let tz: chrono_tz::Tz = "Pacific/Kiritimati".parse().unwrap();
    let local_midnight = (now.with_timezone(&tz).date_naive() + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(tz)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let to_midnight = (local_midnight - now).num_seconds();
    assert!((wait - to_midnight).abs() <= 2, "{wait} vs {to_midnight}");
    if to_midnight > 30 {
        app.advance(to_midnight - 20).await;
        let (status, _) = challenge(&app, &a, "rival5").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        app.advance(25).await;
    } else {
        app.advance(to_midnight + 5).await;
    }
    let (status, body) = challenge(&app, &a, "rival5").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn failing_battles_retry_then_stay_visible(backend: Backend) {
    // A file where the replays folder should be makes every replay upload fail.
    let app = TestApp::spawn_with(backend, |cfg| {
        let objects = cfg.data_dir.join("objects");
        std::fs::create_dir_all(&objects).unwrap();
        std::fs::write(objects.join("replays"), b"in the way").unwrap();
    })
    .await;
    let blocker = app.data_dir.join("objects").join("replays");
    let (a, _) = app.register("gon", [8, 2, 2]).await;
    let (b, _) = app.register("killua", [2, 8, 2]).await;
    let (c, _) = app.register("kurapika", [2, 2, 8]).await;
    let (_, d) = challenge(&app, &a, "killua").await;
    let first = d["id"].as_i64().unwrap();
    answer(&app, &b, first, "accept").await;
    let d = wait_for(&app, &a, first, |d| d["job_status"] == "retrying").await;
    assert_eq!(d["status"], "queued");
    // Said in words for players: no path, no storage message.
    let said = d["job_error"].as_str().unwrap();
    assert!(said.contains("retried"), "{d}");
    assert!(!said.contains("replays") && !said.contains('/'), "{d}");
    app.advance(5).await;
    app.advance(10).await;
    // The storage comes back: the next retry resolves the duel, paying once.
    std::fs::remove_file(&blocker).unwrap();
    app.advance(60).await;
    let done = resolved(&app, &a, first).await;
    assert!(done.get("job_status").is_none());
    let winner_token = if done["winner"] == "gon" { &a } else { &b };
    assert_eq!(duel_ledger(&app, winner_token).await.len(), 1);

    // A battle that never succeeds ends `failed`, kept and shown on the duel.
    std::fs::remove_dir_all(&blocker).unwrap();
    std::fs::write(&blocker, b"in the way").unwrap();
    let (_, d) = challenge(&app, &c, "killua").await;
    let second = d["id"].as_i64().unwrap();
    answer(&app, &b, second, "accept").await;
    wait_for(&app, &c, second, |d| d["job_status"] == "retrying").await;
    // Retried for hours (the backoff stops growing at 512 s), then failed.
    for _ in 0..34 {
        app.advance(700).await;
    }
    let d = wait_for(&app, &c, second, |d| d["job_status"] == "failed").await;
    assert_eq!(d["status"], "queued");
    assert_eq!(d["job_attempts"], 30);
    assert!(d["job_error"].is_string());
    assert_eq!(app.state.store.failed_jobs().await.unwrap(), 1);
}

both_backends!(
    duel_is_fought_and_both_see_the_result,
    challenge_rules_and_errors,
    unanswered_challenges_expire,
    expiry_is_seen_as_soon_as_the_clock_answers,
    drain_waits_for_runs_under_way,
    five_challenges_per_local_day,
    failing_battles_retry_then_stay_visible,
    the_buff_counts_training_done_after_the_loss,
);

/// The Training Arc Buff of a lost duel multiplies training done after the loss
/// (§4), not training from before it that is logged late (§10: the calendar earns
/// nothing).
async fn the_buff_counts_training_done_after_the_loss(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (yamcha, _) = app.register("yamcha", [5, 5, 5]).await;
    let (tien, _) = app.register("tien", [5, 5, 5]).await;
    let (_, d) = challenge(&app, &yamcha, "tien").await;
    let id = d["id"].as_i64().unwrap();
    let (s, _) = answer(&app, &tien, id, "accept").await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let done = resolved(&app, &yamcha, id).await;
    let loser = if done["winner"] == "yamcha" {
        &tien
    } else {
        &yamcha
    };
    let buff = |logged: &Value| {
        logged["award"]["factors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "training_arc_buff")
            .map(|f| f["value"].as_f64().unwrap())
    };
    let lost_at: chrono::DateTime<chrono::Utc> =
        done["resolved_at"].as_str().unwrap().parse().unwrap();
    let before = (lost_at - chrono::Duration::minutes(30)).to_rfc3339();
    let (s, earlier) = app
        .post(
            "/api/v1/activities",
            loser,
            json!({"kind": "study", "duration_min": 60, "occurred_at": before}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{earlier}");
    assert_eq!(buff(&earlier), None, "{earlier}");
    let (s, after) = app
        .post(
            "/api/v1/activities",
            loser,
            json!({"kind": "study", "duration_min": 60}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{after}");
    assert_eq!(buff(&after), Some(1.25), "{after}");
}
