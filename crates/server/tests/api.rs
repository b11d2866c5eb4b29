//! API tests: the real service on port 0, a fresh database per test, each test run
//! on SQLite and on PostgreSQL.

mod common;

use common::{Backend, TestApp, strength};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both_backends!(
    register_login_logout,
    registration_errors,
    settings_and_reclassify,
    strength_seed_scenarios,
    rejected_activities_change_nothing,
    activities_list_show_and_privacy,
    strength_edit_corrects_the_ledger,
    idempotency_key_replays,
    dashboard_and_ledger,
    streak_combo_grows_day_by_day,
    three_missed_days_break_the_streak,
    training_logged_late_takes_back_the_skip,
    training_logged_late_rebuilds_the_chain,
    late_training_counts_its_own_days_place,
    late_training_counts_for_its_own_week,
    concurrent_posts_keep_totals_exact,
    two_instances_racing_for_one_player_count_everything_once,
    another_instances_writes_are_seen_by_the_next_post,
    many_players_posting_at_once_each_keep_exact_totals,
);

async fn register_login_logout(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (token, player) = app.register("goku", [9, 3, 2]).await;
    assert_eq!(player["class"], "brawler");
    assert_eq!(player["level"], 1);
    assert_eq!(player["title"], "Side Character");
    assert_eq!(player["timezone"], "UTC");
    assert_eq!(player["training_days"], json!(["mon", "tue", "thu", "fri"]));
    assert_eq!(player["wake_target"], "06:30");
    assert_eq!(player["weekly_goal"], 4);
    for field in [
        "id",
        "username",
        "total_xp",
        "xp_into_level",
        "xp_for_next_level",
        "stats",
        "fatigue",
        "streak",
        "buffs",
        "skills",
        "plot_armor_charges",
        "avatar_url",
    ] {
        assert!(player.get(field).is_some(), "player lacks {field}");
    }
    assert_eq!(app.me(&token).await["username"], "goku");

    for login in ["goku", "goku@example.com"] {
        let (s, body) = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": login, "password": "correct horse battery"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(body["token"].as_str().is_some());
    }
    let (s, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "goku", "password": "wrong password!"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "invalid_credentials");

    let (s, _) = app.call(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, body) = app.get("/api/v1/me", "not-a-token").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");

    let (s, _) = app
        .call(Method::POST, "/api/v1/auth/logout", Some(&token), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.get("/api/v1/me", &token).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a revoked token must not work");

    // Tokens expire after 30 days.
    let (s, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "goku", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let t2 = body["token"].as_str().unwrap().to_string();
    // Game time (the dev clock) does not age tokens; session time does.
    app.advance(45 * 86_400).await;
    assert_eq!(app.get("/api/v1/me", &t2).await.0, StatusCode::OK);
    app.state.clock.age_sessions(29 * 86_400);
    assert_eq!(app.get("/api/v1/me", &t2).await.0, StatusCode::OK);
    app.state.clock.age_sessions(2 * 86_400);
    assert_eq!(app.get("/api/v1/me", &t2).await.0, StatusCode::UNAUTHORIZED);
}

async fn registration_errors(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.register("vegeta", [5, 5, 5]).await;
    let reg = |v: Value| app.call(Method::POST, "/api/v1/auth/register", None, Some(v));
    let base = json!({"username": "trunks", "email": "trunks@capsule.jp", "password": "0123456789", "goals": {"strength": 1, "agility": 1, "intelligence": 1}});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (body, field) in [
        (with("username", json!("ab")), "username"),
        (with("username", json!("trunks.jr")), "username"),
        (with("username", json!("t".repeat(33))), "username"),
        (with("email", json!("trunks@capsule")), "email"),
        (with("password", json!("short")), "password"),
        (with("timezone", json!("Mars/Olympus")), "timezone"),
        (
            with(
                "goals",
                json!({"strength": 11, "agility": 1, "intelligence": 1}),
            ),
            "goals.strength",
        ),
        (
            with(
                "goals",
                json!({"strength": 1, "agility": 1, "intelligence": "x"}),
            ),
            "goals.intelligence",
        ),
        // The goals are an object, not the three numbers in order.
        (with("goals", json!([5, 1, 1])), "goals"),
        (with("goals", json!(5)), "goals"),
    ] {
        let (s, e) = reg(body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["error"]["details"]["field"], field, "{e}");
        assert!(e["error"]["message"].as_str().is_some());
    }
    let (s, e) = reg(json!({"username": "trunks"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "missing fields: {e}");
    let (s, e) = reg(with("username", json!("vegeta"))).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(e["error"]["code"], "username_taken");
    // Letters in any case name the same account: one Vegeta.
    let (s, e) = reg(with("username", json!(" Vegeta "))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "username_taken");
    let (s, _) = reg(with("email", json!("vegeta@example.com"))).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let resp = app
        .client
        .post(format!("{}/api/v1/auth/register", app.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"]["code"], "malformed_json");
    // Balanced when the top two goals are close.
    let (s, e) = reg(with(
        "goals",
        json!({"strength": 7, "agility": 6, "intelligence": 0}),
    ))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    assert_eq!(e["player"]["class"], "balanced");

    // Mixed case, hyphens and up to 32 characters: kept lowercase, and found by
    // any case at login, on the public profile and as a duel opponent.
    let long = "Future-Trunks_of_Timeline_2026";
    let (s, e) = reg(json!({"username": long, "email": "mirai@capsule.jp",
        "password": "0123456789", "goals": {"strength": 9, "agility": 1, "intelligence": 1}}))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    assert_eq!(e["player"]["username"], long.to_lowercase());
    let (s, e) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": long.to_uppercase(), "password": "0123456789"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (s, v) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "vegeta", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let vegeta = v["token"].as_str().unwrap().to_string();
    let (s, p) = app.get(&format!("/api/v1/players/{long}"), &vegeta).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["username"], long.to_lowercase());
    let (s, d) = app
        .post("/api/v1/duels", &vegeta, json!({"opponent": long}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert_eq!(d["opponent"], long.to_lowercase());
}

async fn settings_and_reclassify(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (token, _) = app.register("killua", [1, 9, 3]).await;
    let patch = |v: Value| app.call(Method::PATCH, "/api/v1/me", Some(&token), Some(v));
    let (s, p) = patch(json!({"timezone": "Asia/Tokyo", "training_days": ["sat", "mon"], "weekly_goal": 5, "wake_target": "05:45"})).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    // Settings take effect later (§10): the old ones stay in force, the new ones wait.
    assert_eq!(p["timezone"], "UTC");
    assert_eq!(p["weekly_goal"], 4);
    let pending = &p["pending"];
    assert_eq!(pending["timezone"], "Asia/Tokyo");
    assert_eq!(pending["training_days"], json!(["mon", "sat"]));
    assert_eq!(pending["weekly_goal"], 5);
    assert_eq!(pending["wake_target"], "05:45");
    assert!(pending["effective_at"].is_string(), "{p}");
    for (body, field) in [
        (json!({"timezone": "Nowhere/City"}), "timezone"),
        (json!({"training_days": ["someday"]}), "training_days"),
        (json!({"training_days": []}), "training_days"),
        (json!({"weekly_goal": 8}), "weekly_goal"),
        (json!({"wake_target": "5:45"}), "wake_target"),
        (json!({"wake_target": "03:30"}), "wake_target"),
    ] {
        let (s, e) = patch(body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["error"]["details"]["field"], field);
    }
    assert_eq!(
        app.me(&token).await["pending"]["weekly_goal"],
        5,
        "a rejected patch changes nothing"
    );

    // The class given at registration is the first take: one re-take at once, then
    // at most one every 30 days.
    let (s, p) = app
        .post(
            "/api/v1/me/reclassify",
            &token,
            json!({"goals": {"strength": 1, "agility": 2, "intelligence": 9}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["class"], "strategist");
    assert_eq!(app.me(&token).await["class"], "strategist");
    let goals = json!({"goals": {"strength": 9, "agility": 1, "intelligence": 1}});
    let (s, e) = app
        .post("/api/v1/me/reclassify", &token, goals.clone())
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "reclassify_cooldown");
    assert_eq!(app.me(&token).await["class"], "strategist");
    app.advance(30 * 86_400).await;
    // The same token, thirty days of game time later.
    let (s, p) = app
        .post("/api/v1/me/reclassify", &token, goals.clone())
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["class"], "brawler");
    let (s, _) = app.post("/api/v1/me/reclassify", &token, goals).await;
    assert_eq!(s, StatusCode::CONFLICT);
}

async fn strength_seed_scenarios(b: Backend) {
    let app = TestApp::spawn(b).await;
    // A Speedster has no affinity on Strength, so the award equals the session XP.
    let (t1, _) = app.register("rocklee", [0, 9, 0]).await;
    let (s, body) = app
        .post("/api/v1/activities", &t1, strength(4, 10.0, 15, 25.0))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let award = &body["award"];
    assert_eq!(award["final"], 23);
    assert_eq!(award["base"], 23.0);
    assert_eq!(award["stat"], "strength");
    assert_eq!(award["capped"], false);
    assert_eq!(
        award["message"],
        "Recovery session logged. Rest is also training."
    );
    let names: Vec<&str> = award["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"consistency") && names.contains(&"class_affinity"),
        "{names:?}"
    );
    assert_eq!(body["activity"]["kind"], "strength");

    let (t2, _) = app.register("baki", [0, 9, 0]).await;
    let (s, body) = app
        .post("/api/v1/activities", &t2, strength(12, 100.0, 5, 70.0))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(body["award"]["final"], 98);
    assert_eq!(
        body["award"]["message"],
        "Significant training load registered. Adaptation in progress."
    );

    // A Brawler gets ×1.25 on Strength: round(23 × 1.25) = round(28.75) = 29.
    let (t3, _) = app.register("yujiro", [9, 0, 0]).await;
    let (_, body) = app
        .post("/api/v1/activities", &t3, strength(4, 10.0, 15, 25.0))
        .await;
    assert_eq!(body["award"]["final"], 29);
    let me = app.me(&t3).await;
    assert_eq!(me["total_xp"], 29);
    assert_eq!(me["stats"]["strength"], 29);
    assert_eq!(me["streak"], 1);
    assert_eq!(
        me["fatigue"], 4,
        "strength adds min(25, floor(session XP 23 / 5))"
    );
}

async fn rejected_activities_change_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.not_before_hour(7).await;
    let (t, _) = app.register("asta", [9, 0, 0]).await;
    let now = app.now().await;
    let cases = [
        (strength(50, 0.0, 10, 60.0), "volume_zero", "sets"),
        (
            strength(4, 10.0, 15, 19.0),
            "duration_too_short",
            "duration_min",
        ),
        (
            json!({"kind": "run", "distance_km": 10, "duration_min": 20}),
            "pace_too_fast",
            "duration_min",
        ),
        (
            json!({"kind": "study", "duration_min": 10}),
            "duration_too_short",
            "duration_min",
        ),
        (
            json!({"kind": "study", "duration_min": 30, "note": "nul\0byte"}),
            "invalid_text",
            "note",
        ),
        (
            json!({"kind": "martial_arts", "duration_min": 30, "style": "ka\0rate"}),
            "invalid_text",
            "style",
        ),
        (
            json!({"kind": "martial_arts", "duration_min": 29, "style": "karate"}),
            "duration_too_short",
            "duration_min",
        ),
        (
            json!({"kind": "wake_up", "woke_at": "07:00"}),
            "wake_after_target",
            "woke_at",
        ),
        (json!({"kind": "flying"}), "invalid_kind", "kind"),
        (
            json!({"kind": "run", "duration_min": 30}),
            "missing_field",
            "distance_km",
        ),
        (
            json!({"kind": "study", "duration_min": 60, "occurred_at": (now + chrono::Duration::minutes(5)).to_rfc3339()}),
            "occurred_in_future",
            "occurred_at",
        ),
        (
            json!({"kind": "study", "duration_min": 60, "occurred_at": (now - chrono::Duration::hours(49)).to_rfc3339()}),
            "occurred_too_old",
            "occurred_at",
        ),
        (
            json!({"kind": "study", "duration_min": "sixty"}),
            "invalid_field",
            "duration_min",
        ),
    ];
    for (body, code, field) in cases {
        let (s, e) = app.post("/api/v1/activities", &t, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {e}");
        assert_eq!(e["error"]["code"], code, "{body} → {e}");
        let got_field = e["error"]["details"]["field"].as_str().unwrap_or("");
        assert!(got_field.starts_with(field), "{body} → {e}");
    }
    let (s, _) = app
        .post(
            "/api/v1/activities",
            &t,
            json!({"kind": "wake_up", "woke_at": "06:00"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, e) = app
        .post(
            "/api/v1/activities",
            &t,
            json!({"kind": "wake_up", "woke_at": "05:00"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "already_woke_today");

    // Too large a body: 413 in the contract's format.
    let big = "x".repeat(1024 * 1024 + 10);
    let (s, e) = app
        .post(
            "/api/v1/activities",
            &t,
            json!({"kind": "study", "duration_min": 60, "note": big}),
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{e}");
    assert_eq!(e["error"]["code"], "body_too_large");

    let me = app.me(&t).await;
    assert_eq!(me["total_xp"], 10, "only the wake-up counted");
    let (_, list) = app.get("/api/v1/activities", &t).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (_, ledger) = app.get("/api/v1/ledger", &t).await;
    assert_eq!(ledger["items"].as_array().unwrap().len(), 1);
}

async fn activities_list_show_and_privacy(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("naruto", [3, 3, 3]).await;
    let (other, _) = app.register("sasuke", [3, 3, 3]).await;
    let mut ids = Vec::new();
    for km in [3, 4, 5] {
        let (s, body) = app
            .post(
                "/api/v1/activities",
                &t,
                json!({"kind": "run", "distance_km": km, "duration_min": km * 6}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        ids.push(body["activity"]["id"].as_i64().unwrap());
    }
    let (s, page1) = app.get("/api/v1/activities?limit=2", &t).await;
    assert_eq!(s, StatusCode::OK);
    let items = page1["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"].as_i64().unwrap(), ids[2], "newest first");
    let cursor = page1["next_before"].as_str().unwrap();
    let (_, page2) = app
        .get(&format!("/api/v1/activities?limit=2&before={cursor}"), &t)
        .await;
    let items2 = page2["items"].as_array().unwrap();
    assert_eq!(items2.len(), 1);
    assert_eq!(items2[0]["id"].as_i64().unwrap(), ids[0]);
    assert!(page2["next_before"].is_null());
    let (s, e) = app.get("/api/v1/activities?limit=0", &t).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // Newest first means by when it happened: activities logged late sort by their
    // occurred_at, page after page.
    let (late, _) = app.register("kakashi", [3, 3, 3]).await;
    let now = app.now().await;
    let mut by_hours = std::collections::HashMap::new();
    for hours in [3, 1, 2] {
        let at = (now - chrono::Duration::hours(hours)).to_rfc3339();
        let (s, body) = app
            .post(
                "/api/v1/activities",
                &late,
                json!({"kind": "study", "duration_min": 30, "occurred_at": at}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        by_hours.insert(hours, body["activity"]["id"].as_i64().unwrap());
    }
    let expected: Vec<i64> = [1, 2, 3].iter().map(|h| by_hours[h]).collect();
    let (_, all) = app.get("/api/v1/activities", &late).await;
    let got: Vec<i64> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, expected, "newest occurred_at first");
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/activities?limit=1&before={c}"),
            None => "/api/v1/activities?limit=1".to_string(),
        };
        let (_, page) = app.get(&path, &late).await;
        walked.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_i64().unwrap()),
        );
        match page["next_before"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(walked.len() <= 3, "{walked:?}");
    }
    assert_eq!(walked, expected, "pages follow the same order");
    let (_, dash) = app.get("/api/v1/dashboard", &late).await;
    assert_eq!(dash["recent"][0]["id"], expected[0]);
    // A cursor naming another player's activity gives nothing of theirs.
    let (_, none) = app
        .get(&format!("/api/v1/activities?before={}", ids[0]), &late)
        .await;
    assert_eq!(none["items"], json!([]), "{none}");

    let (s, one) = app.get(&format!("/api/v1/activities/{}", ids[1]), &t).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(one["activity"]["distance_km"], 4.0);
    // Balanced: 4 km × 20 × 1.10 affinity × 1.00 combo = 88.
    assert_eq!(one["award"]["final"], 88);
    let (s, e) = app
        .get(&format!("/api/v1/activities/{}", ids[1]), &other)
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another player's activity is hidden"
    );
    assert_eq!(e["error"]["code"], "not_found");
    let (s, _) = app.get("/api/v1/activities/999999", &t).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, prof) = app.get("/api/v1/players/naruto", &other).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(prof["username"], "naruto");
    assert!(prof["badges"].is_array() && prof["stats"].is_object());
    assert!(
        prof.get("email").is_none(),
        "no private fields on a public profile"
    );
    let (s, _) = app.get("/api/v1/players/nobody", &other).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn strength_edit_corrects_the_ledger(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("deku", [0, 9, 0]).await;
    let (_, body) = app
        .post("/api/v1/activities", &t, strength(12, 100.0, 5, 70.0))
        .await;
    let id = body["activity"]["id"].as_i64().unwrap();
    assert_eq!(body["award"]["final"], 98);
    let (s, edited) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/activities/{id}"),
            Some(&t),
            Some(strength(12, 100.0, 5, 70.0)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    // Same session with the 0.8 edit penalty: round(97.9… × 0.8) = 78.
    let final_xp = edited["award"]["final"].as_i64().unwrap();
    assert_eq!(final_xp, 78);
    assert!(
        edited["award"]["factors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "edit_penalty")
    );
    assert_eq!(edited["activity"]["edited"], true);
    let me = app.me(&t).await;
    assert_eq!(me["total_xp"], 78);
    let (_, ledger) = app.get("/api/v1/ledger", &t).await;
    let amounts: Vec<i64> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, vec![-20, 98]);

    let (s, e) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/activities/{id}"),
            Some(&t),
            Some(json!({"duration_min": 5})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        app.me(&t).await["total_xp"],
        78,
        "a rejected edit changes nothing"
    );

    let (_, run) = app
        .post(
            "/api/v1/activities",
            &t,
            json!({"kind": "run", "distance_km": 5, "duration_min": 30}),
        )
        .await;
    let run_id = run["activity"]["id"].as_i64().unwrap();
    let (s, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/activities/{run_id}"),
            Some(&t),
            Some(json!({"duration_min": 40})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    app.advance(25 * 3600).await;
    let (s, e) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/activities/{id}"),
            Some(&t),
            Some(json!({"duration_min": 80})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "edit_window_closed");
}

async fn idempotency_key_replays(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("gon", [3, 3, 3]).await;
    let send = |key: &'static str, body: Value| {
        app.client
            .post(format!("{}/api/v1/activities", app.base))
            .bearer_auth(&t)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let study = json!({"kind": "study", "duration_min": 60});
    let r1 = send("k-1", study.clone()).await.unwrap();
    assert_eq!(r1.status(), StatusCode::CREATED);
    let b1: Value = r1.json().await.unwrap();
    let r2 = send("k-1", study.clone()).await.unwrap();
    assert_eq!(r2.status(), StatusCode::CREATED);
    let b2: Value = r2.json().await.unwrap();
    assert_eq!(b1, b2, "a retry returns the first response");
    let r3 = send("k-1", json!({"kind": "study", "duration_min": 90}))
        .await
        .unwrap();
    assert_eq!(r3.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, list) = app.get("/api/v1/activities", &t).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.me(&t).await["total_xp"], b1["award"]["final"]);
}

async fn dashboard_and_ledger(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("light", [0, 0, 9]).await;
    app.post(
        "/api/v1/activities",
        &t,
        json!({"kind": "study", "duration_min": 90}),
    )
    .await;
    app.post(
        "/api/v1/activities",
        &t,
        json!({"kind": "run", "distance_km": 2, "duration_min": 14}),
    )
    .await;
    let (s, d) = app.get("/api/v1/dashboard", &t).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let weekly = d["weekly"].as_array().unwrap();
    assert_eq!(weekly.len(), 12);
    let total = d["player"]["total_xp"].as_i64().unwrap();
    // Strategist study: 1.5 h × 40 × 1.25 = 75; run 2 km × 20 × combo(day 1) = 40.
    assert_eq!(total, 115);
    assert_eq!(weekly[11]["xp"], 115);
    assert_eq!(weekly[11]["by_stat"]["intelligence"], 75);
    assert_eq!(weekly[11]["by_stat"]["agility"], 40);
    assert!(weekly[0]["week_start"].as_str().unwrap() < weekly[11]["week_start"].as_str().unwrap());
    assert_eq!(d["recent"].as_array().unwrap().len(), 2);
    assert_eq!(d["streak"], 1);
    assert!(d["buffs"].is_array());
    // The dashboard is served from the cache now; a post invalidates it...
    let (s, third) = app
        .post(
            "/api/v1/activities",
            &t,
            json!({"kind": "study", "duration_min": 30}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{third}");
    let (_, d2) = app.get("/api/v1/dashboard", &t).await;
    assert_eq!(d2["recent"].as_array().unwrap().len(), 3);
    assert_eq!(d2["recent"][0]["id"], third["activity"]["id"]);
    // ...and parts filled by a reader that raced a writer (an older version of the
    // player) are never served.
    let id = d2["player"]["id"].as_i64().unwrap();
    let p = app.state.store.player(id).await.unwrap().unwrap();
    let first = weekly[0]["week_start"].as_str().unwrap().to_string();
    app.state
        .cache
        .set(
            &format!("hot:dash:{id}"),
            &json!({"version": p.version - 1, "first_week": first, "weekly": [], "recent": []})
                .to_string(),
            None,
        )
        .await
        .unwrap();
    let (_, d3) = app.get("/api/v1/dashboard", &t).await;
    assert_eq!(d3["recent"], d2["recent"], "a stale fill was served");
    assert_eq!(d3["weekly"], d2["weekly"]);
    let (_, ledger) = app.get("/api/v1/ledger", &t).await;
    let sum: i64 = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(json!(sum), d3["player"]["total_xp"]);
    assert!(sum > total);
    let first = &ledger["items"][0];
    for f in ["id", "at", "stat", "amount", "reason", "activity_id"] {
        assert!(first.get(f).is_some(), "ledger entry lacks {f}");
    }
}

async fn streak_combo_grows_day_by_day(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("killua", [0, 9, 0]).await;
    // Train every day: the combo factor is 1 + 0.05 × (streak − 1).
    for day in 1..=4 {
        let (s, body) = app
            .post(
                "/api/v1/activities",
                &t,
                json!({"kind": "study", "duration_min": 60}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let expected = 1.0 + 0.05 * f64::from(day - 1);
        let got = common::combo(&body);
        assert!((got - expected).abs() < 1e-9, "day {day}: combo {got}");
        assert_eq!(app.me(&t).await["streak"], day);
        app.advance(86_400).await;
        // The next morning, before training: the closed days still count (the player
        // was read, and cached, before midnight).
        assert_eq!(
            app.me(&t).await["streak"],
            day,
            "day {day} + 1, not trained yet"
        );
        let (_, dash) = app.get("/api/v1/dashboard", &t).await;
        assert_eq!(dash["streak"], day);
        assert_eq!(dash["player"]["streak"], day);
    }
    let (_, ledger) = app.get("/api/v1/ledger", &t).await;
    // Trained every day: no penalties at all.
    assert!(
        ledger["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["amount"].as_i64().unwrap() > 0)
    );
}

/// A Speedster registered as `name` with every weekday scheduled (from the next
/// midnight: every missed day is then also a skip), who ran 12 km on registration
/// day: 300 XP to lose.
async fn every_day_scheduled_after_a_run(app: &TestApp, name: &str) -> String {
    let (t, _) = app.register(name, [0, 9, 0]).await;
    app.schedule_every_day(&t).await;
    let (_, run) = app
        .post(
            "/api/v1/activities",
            &t,
            json!({"kind": "run", "distance_km": 12, "duration_min": 60}),
        )
        .await;
    assert_eq!(run["award"]["final"], 300, "12 km × 20 × 1.25 Speedster");
    t
}

async fn three_missed_days_break_the_streak(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = every_day_scheduled_after_a_run(&app, "asta").await;
    app.advance(86_400).await; // day 1 closed as trained
    assert_eq!(app.me(&t).await["streak"], 1);
    app.advance(86_400).await; // miss 1: skip −50
    app.advance(86_400).await; // miss 2: skip −50
    let me = app.me(&t).await;
    assert_eq!(me["total_xp"], 200);
    assert_eq!(me["streak"], 1, "two missed days do not break the chain");
    app.advance(86_400).await; // miss 3: skip −50 and the Plot Armor Nerf −100
    let me = app.me(&t).await;
    assert_eq!(me["total_xp"], 50);
    assert_eq!(me["streak"], 0);
    let (_, ledger) = app.get("/api/v1/ledger", &t).await;
    let amounts: Vec<i64> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, vec![-100, -50, -50, -50, 300]);
    // Evaluating again changes nothing.
    app.advance(0).await;
    app.advance(1).await;
    let (_, again) = app.get("/api/v1/ledger", &t).await;
    assert_eq!(again["items"], ledger["items"]);
    // A fourth missed day: another skip, but no second nerf (no chain to break);
    // the skip takes only what is left (50), never below zero.
    app.advance(86_400).await;
    app.advance(86_400).await;
    let me = app.me(&t).await;
    assert_eq!(me["total_xp"], 0);
    let (_, ledger) = app.get("/api/v1/ledger", &t).await;
    let amounts: Vec<i64> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, vec![0, -50, -100, -50, -50, -50, 300]);
}

async fn training_logged_late_takes_back_the_skip(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = every_day_scheduled_after_a_run(&app, "gon").await;
    app.advance(86_400).await; // registration day closed, trained
    app.advance(86_400).await; // day 2 closed without training: skip −50
    assert_eq!(app.me(&t).await["total_xp"], 250);
    // Day 2's study, logged the next morning (24 h late): day 2 did not end without
    // training after all, so the skip is taken back, once.
    let now = app.now().await;
    let late = (now - chrono::Duration::hours(24)).to_rfc3339();
    let study = json!({"kind": "study", "duration_min": 30, "occurred_at": late});
    let (s, first) = app.post("/api/v1/activities", &t, study.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let paid = first["award"]["final"].as_i64().unwrap();
    assert!(paid > 0, "{first}");
    assert_eq!(app.me(&t).await["total_xp"], 250 + paid + 50);
    let (_, again) = app.post("/api/v1/activities", &t, study).await;
    let paid_again = again["award"]["final"].as_i64().unwrap();
    assert_eq!(
        app.me(&t).await["total_xp"],
        250 + paid + 50 + paid_again,
        "one take-back per day"
    );
    let (_, ledger) = app.get("/api/v1/ledger", &t).await;
    let back: Vec<&Value> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["reason"].as_str().unwrap().contains("skip is taken back"))
        .collect();
    assert_eq!(back.len(), 1, "{ledger}");
    assert_eq!(back[0]["amount"], 50);
    assert_eq!(back[0]["activity_id"], first["activity"]["id"]);
    // The ledger still sums to the total.
    let sum: i64 = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(json!(sum), app.me(&t).await["total_xp"]);
}

/// The third missed day broke the chain; training for that day, logged the next
/// morning, fills the gap: the break and the day's skip are given back, and the
/// chain counts the day (its combo, and the streak after it).
async fn training_logged_late_rebuilds_the_chain(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = every_day_scheduled_after_a_run(&app, "rocklee").await;
    for _ in 0..4 {
        app.advance(86_400).await;
    }
    let me = app.me(&t).await;
    assert_eq!(
        (me["total_xp"].as_i64(), me["streak"].as_i64()),
        (Some(50), Some(0))
    );
    let now = app.now().await;
    let late = (now - chrono::Duration::hours(24)).to_rfc3339();
    let (s, v) = app
        .post(
            "/api/v1/activities",
            &t,
            json!({"kind": "run", "distance_km": 2, "duration_min": 12, "occurred_at": late}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        v["award"]["final"], 53,
        "40 × 1.25 × 1.05: day 2 of the chain"
    );
    let me = app.me(&t).await;
    assert_eq!(me["streak"], 2, "{me}");
    assert_eq!(me["total_xp"], 50 + 53 + 100 + 50, "{me}");
    let (_, ledger) = app.get("/api/v1/ledger", &t).await;
    let items = ledger["items"].as_array().unwrap();
    let given: Vec<_> = items
        .iter()
        .filter(|e| e["reason"].as_str().unwrap().contains("did not break"))
        .collect();
    assert_eq!(given.len(), 1, "{ledger}");
    assert_eq!(given[0]["amount"], 100);
    let sum: i64 = items.iter().map(|e| e["amount"].as_i64().unwrap()).sum();
    assert_eq!(json!(sum), me["total_xp"]);
    // Today's training is day 3 of the chain.
    let (s, v) = app
        .post(
            "/api/v1/activities",
            &t,
            json!({"kind": "run", "distance_km": 2, "duration_min": 12}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["award"]["final"], 55, "40 × 1.25 × 1.10");
    assert_eq!(app.me(&t).await["streak"], 3);
}

/// More training logged late into a day that already counts in the chain gets that
/// day's place in it (§4: "streak counts the day of this activity"), whatever was
/// logged since and in whatever order.
async fn late_training_counts_its_own_days_place(b: Backend) {
    let app = TestApp::spawn(b).await;
    let study = |at: Option<String>| match at {
        Some(at) => json!({"kind": "study", "duration_min": 60, "occurred_at": at}),
        None => json!({"kind": "study", "duration_min": 60}),
    };
    // A new player's two studies on a day before registration: both day 1.
    let (t, _) = app.register("kakashi", [2, 2, 9]).await;
    let now = app.now().await;
    let early = (now - chrono::Duration::hours(47)).to_rfc3339();
    for _ in 0..2 {
        let (s, v) = app
            .post("/api/v1/activities", &t, study(Some(early.clone())))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(common::combo(&v), 1.0, "{v}");
    }

    // Five days in a row; then more for the day before yesterday (day 3): ×1.10, not
    // yesterday's ×1.15.
    let (t, _) = app.register("guy", [2, 2, 9]).await;
    app.schedule_every_day(&t).await;
    for day in 1..=5 {
        if day > 1 {
            app.advance(86_400).await;
        }
        let (s, v) = app.post("/api/v1/activities", &t, study(None)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let expected = 1.0 + 0.05 * f64::from(day - 1);
        assert!((common::combo(&v) - expected).abs() < 1e-9, "{v}");
    }
    let now = app.now().await;
    let day_3 = (now - chrono::Duration::days(2)).date_naive();
    let late = day_3.and_hms_opt(23, 59, 0).unwrap().and_utc().to_rfc3339();
    let (s, v) = app.post("/api/v1/activities", &t, study(Some(late))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!((common::combo(&v) - 1.10).abs() < 1e-9, "{v}");
    assert_eq!(app.me(&t).await["streak"], 5);
}

/// Training logged on Monday for Sunday evening counts for Sunday's week (§10: one
/// calendar), on the dashboard and the weekly board alike.
async fn late_training_counts_for_its_own_week(b: Backend) {
    use chrono::{Datelike, Timelike};
    let app = TestApp::spawn(b).await;
    let (t, _) = app.register("sundayrunner", [2, 2, 9]).await;
    // To the next Monday, 00:30 UTC (the player's zone).
    let now = app.now().await;
    let days = (7 - now.weekday().num_days_from_monday()) % 7;
    let days = if days == 0 && now.hour() >= 1 {
        7
    } else {
        days
    };
    let monday = (now + chrono::Duration::days(i64::from(days)))
        .date_naive()
        .and_hms_opt(0, 30, 0)
        .unwrap()
        .and_utc();
    app.advance((monday - now).num_seconds().max(0)).await;
    let sunday_evening = (monday - chrono::Duration::minutes(90)).to_rfc3339();
    let (s, v) = app
        .post(
            "/api/v1/activities",
            &t,
            json!({"kind": "study", "duration_min": 60, "occurred_at": sunday_evening}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let xp = v["award"]["final"].as_i64().unwrap();
    let (_, dash) = app.get("/api/v1/dashboard", &t).await;
    let weekly = dash["weekly"].as_array().unwrap();
    let this_week = &weekly[weekly.len() - 1];
    let last_week = &weekly[weekly.len() - 2];
    assert_eq!(this_week["week_start"], monday.date_naive().to_string());
    assert_eq!(this_week["xp"], 0, "{dash}");
    assert_eq!(last_week["xp"], xp, "{dash}");
    let (_, board) = app.get("/api/v1/leaderboard?scope=weekly", &t).await;
    assert_eq!(board["me"]["xp"], 0, "{board}");
}

async fn concurrent_posts_keep_totals_exact(b: Backend) {
    let app = std::sync::Arc::new(TestApp::spawn(b).await);
    let (t, _) = app.register("sonic", [3, 3, 3]).await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let app = app.clone();
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let body = if i % 2 == 0 {
                json!({"kind": "study", "duration_min": 30})
            } else {
                json!({"kind": "run", "distance_km": 1, "duration_min": 6})
            };
            app.post("/api/v1/activities", &t, body).await
        }));
    }
    let mut awarded = 0;
    for task in tasks {
        let (s, body) = task.await.unwrap();
        assert_eq!(s, StatusCode::CREATED, "{body}");
        awarded += body["award"]["final"].as_i64().unwrap();
    }
    let me = app.me(&t).await;
    assert_eq!(me["total_xp"].as_i64().unwrap(), awarded);
    let (_, ledger) = app.get("/api/v1/ledger?limit=100", &t).await;
    let items = ledger["items"].as_array().unwrap();
    assert_eq!(items.len(), 50);
    let sum: i64 = items.iter().map(|e| e["amount"].as_i64().unwrap()).sum();
    assert_eq!(sum, awarded);
    let audit = app.state.store.audit_day_kinds().await.unwrap();
    assert!(audit.is_empty(), "day aggregates drifted: {audit:?}");
}

/// Two instances on one database take requests for the same player at once, so
/// the unlocked path of one instance races the other's writes. Everything must be
/// counted once, caps must hold across instances, and each strength session must
/// count exactly the paid sessions written and stamped before it.
async fn two_instances_racing_for_one_player_count_everything_once(b: Backend) {
    let a = std::sync::Arc::new(TestApp::spawn(b).await);
    let mut cfg = common::config(&a.database_url, &a.data_dir);
    cfg.redis_prefix = common::unique_prefix();
    let second = std::sync::Arc::new(TestApp::start(cfg, b).await);
    // Both instances' clocks (each has its own dev clock) past the wake-up time and
    // on the same offset: moved one by one, they could land a second apart (each
    // rounds its own distance to 06:00 to whole seconds), and a session stamped by
    // the clock behind would not count the other's sessions as before it (§3's n is
    // by time, not by commit).
    a.not_before_hour(6).await;
    second
        .state
        .clock
        .set_offset_micros(a.state.clock.offset_micros());
    let (t, me) = a.register("rivalry", [5, 3, 2]).await;
    let player_id = me["id"].as_i64().unwrap();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let app = if i % 2 == 0 {
            a.clone()
        } else {
            second.clone()
        };
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let body = match i % 5 {
                0 => json!({"kind": "study", "duration_min": 45}),
                1 => json!({"kind": "run", "distance_km": 4, "duration_min": 24}),
                2 => strength(3, 60.0, 8, 30.0),
                3 => json!({"kind": "wake_up", "woke_at": "05:30"}),
                _ => json!({"kind": "martial_arts", "duration_min": 30, "style": "karate"}),
            };
            app.post("/api/v1/activities", &t, body).await
        }));
    }
    let mut created = 0;
    let mut woke = 0;
    let mut awarded = 0;
    for task in tasks {
        let (s, body) = task.await.unwrap();
        if s == StatusCode::CREATED {
            created += 1;
            awarded += body["award"]["final"].as_i64().unwrap();
            woke += i64::from(body["activity"]["kind"] == "wake_up");
        } else {
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(body["error"]["code"], "already_woke_today", "{body}");
        }
    }
    assert_eq!(
        woke, 1,
        "exactly one wake-up a day, whichever instance took it"
    );
    assert_eq!(created, 32 + 1);
    let store = &a.state.store;
    let p = store.player(player_id).await.unwrap().unwrap();
    assert_eq!(p.total_xp, awarded);
    assert_eq!(store.ledger_sum(player_id).await.unwrap(), awarded);
    let acts = store.activities(player_id, None, 100).await.unwrap();
    assert_eq!(acts.len(), created);
    // Each session's n (§3) is the paid strength sessions completed before it (a
    // player's activity ids follow the commits) and stamped in the 7×24 hours before
    // it, whichever instance wrote them: a session stamped earlier that commits later
    // does not change the n of those already written.
    const WEEK_MICROS: i64 = 7 * 86_400_000_000;
    let strength: Vec<_> = acts.iter().filter(|a| a.kind == "strength").collect();
    assert_eq!(strength.len(), 8);
    for s in &strength {
        let before = strength
            .iter()
            .filter(|o| {
                o.xp > 0
                    && o.id < s.id
                    && o.occurred_at < s.occurred_at
                    && o.occurred_at >= s.occurred_at - WEEK_MICROS
            })
            .count() as i64;
        assert_eq!(
            s.sessions_last_7d, before,
            "session {} saw {} paid sessions before it, not {before}",
            s.id, s.sessions_last_7d
        );
    }
    assert!(
        strength.iter().any(|s| s.sessions_last_7d > 0),
        "later sessions count the paid ones before them"
    );
    // Two a day pay (§2): two of the eight racing sessions earned XP, whichever
    // instances wrote them.
    let paid = acts
        .iter()
        .filter(|a| a.kind == "strength" && a.xp > 0)
        .count();
    assert_eq!(paid, 2, "two strength sessions a day earn XP");
    let audit = store.audit_day_kinds().await.unwrap();
    assert!(audit.is_empty(), "day aggregates drifted: {audit:?}");
    // Both instances show the same, settled state.
    assert_eq!(second.me(&t).await["total_xp"], json!(awarded));
}

/// An instance computes a player's next activity from what it last wrote, unless the
/// player changed since (on any instance, by any kind of write): then the caps, the
/// 7-day strength count and the totals must come from the new state.
async fn another_instances_writes_are_seen_by_the_next_post(b: Backend) {
    let a = TestApp::spawn(b).await;
    let mut cfg = common::config(&a.database_url, &a.data_dir);
    cfg.redis_prefix = common::unique_prefix();
    let second = TestApp::start(cfg, b).await;
    let (t, me) = a.register("alternate", [5, 3, 2]).await;
    let player_id = me["id"].as_i64().unwrap();
    let karate = json!({"kind": "martial_arts", "duration_min": 30, "style": "karate"});

    let (s, first) = a.post("/api/v1/activities", &t, karate.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["award"]["capped"], false);
    let (s, other) = second.post("/api/v1/activities", &t, karate.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    assert_eq!(other["award"]["capped"], false);
    // Two sessions a day earn XP: the third, back on the first instance, is capped.
    let (s, third) = a.post("/api/v1/activities", &t, karate).await;
    assert_eq!(s, StatusCode::CREATED, "{third}");
    assert_eq!(third["award"]["capped"], true, "{third}");
    assert_eq!(third["award"]["final"], 0, "{third}");

    for (i, app) in [&a, &second, &a, &a, &second, &a].into_iter().enumerate() {
        let (s, body) = app
            .post("/api/v1/activities", &t, strength(3, 60.0, 8, 30.0))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let stored = a
            .state
            .store
            .activity(player_id, body["activity"]["id"].as_i64().unwrap())
            .await
            .unwrap()
            .unwrap();
        // Two sessions a day earn XP (§2); only those count for consistency. The
        // cap holds whichever instance wrote the sessions before.
        assert_eq!(
            stored.sessions_last_7d,
            i.min(2) as i64,
            "strength session {i}"
        );
        assert_eq!(
            body["award"]["capped"],
            i >= 2,
            "strength session {i}: {body}"
        );
    }

    // A settings change (a write that is not an activity) on the second instance:
    // once it takes effect (the next local midnight, §10), the first instance's next
    // award follows the new wake target.
    let (s, body) = second
        .call(
            Method::PATCH,
            "/api/v1/me",
            Some(&t),
            Some(json!({"wake_target": "05:00"})),
        )
        .await;
    assert!(s.is_success(), "{s} {body}");
    let effective: chrono::DateTime<chrono::Utc> = body["pending"]["effective_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let wait = (effective - a.now().await).num_seconds() + 6 * 3600;
    a.advance(wait).await;
    // One clock for both instances: the second starts from where the first moved it.
    second.advance(0).await;
    let (s, body) = a
        .post(
            "/api/v1/activities",
            &t,
            json!({"kind": "wake_up", "woke_at": "05:30"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "wake_after_target", "{body}");
    let (s, body) = a
        .post(
            "/api/v1/activities",
            &t,
            json!({"kind": "study", "duration_min": 30}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");

    let store = &a.state.store;
    let p = store.player(player_id).await.unwrap().unwrap();
    assert_eq!(a.me(&t).await["wake_target"], "05:00");
    assert_eq!(p.total_xp, store.ledger_sum(player_id).await.unwrap());
    let audit = store.audit_day_kinds().await.unwrap();
    assert!(audit.is_empty(), "day aggregates drifted: {audit:?}");
    assert_eq!(a.me(&t).await["total_xp"], json!(p.total_xp));
}

/// Many players posting at once (their writes grouped into shared statements on
/// PostgreSQL): every player's totals equal their own ledger and activities.
async fn many_players_posting_at_once_each_keep_exact_totals(b: Backend) {
    let app = std::sync::Arc::new(TestApp::spawn(b).await);
    let mut players = Vec::new();
    for i in 0..12 {
        let (t, me) = app.register(&format!("crowd{i}"), [3, 3, 3]).await;
        players.push((t, me["id"].as_i64().unwrap()));
    }
    let mut tasks = Vec::new();
    for round in 0..4 {
        for (i, (t, _)) in players.iter().enumerate() {
            let (app, t) = (app.clone(), t.clone());
            let body = match (i + round) % 3 {
                0 => json!({"kind": "study", "duration_min": 20 + i}),
                1 => json!({"kind": "run", "distance_km": 2 + i, "duration_min": 60}),
                _ => strength(2, 40.0, 10, 20.0),
            };
            tasks.push(tokio::spawn(async move {
                let (s, body) = app.post("/api/v1/activities", &t, body).await;
                assert_eq!(s, StatusCode::CREATED, "{body}");
                body["award"]["final"].as_i64().unwrap()
            }));
        }
    }
    let mut awarded = 0;
    for task in tasks {
        awarded += task.await.unwrap();
    }
    let store = &app.state.store;
    let mut total = 0;
    for (t, id) in &players {
        let p = store.player(*id).await.unwrap().unwrap();
        assert_eq!(p.total_xp, store.ledger_sum(*id).await.unwrap());
        assert_eq!(store.activities(*id, None, 100).await.unwrap().len(), 4);
        assert_eq!(app.me(t).await["total_xp"], json!(p.total_xp));
        total += p.total_xp;
    }
    assert_eq!(
        total, awarded,
        "every award counted once, for its own player"
    );
    let audit = store.audit_day_kinds().await.unwrap();
    assert!(audit.is_empty(), "day aggregates drifted: {audit:?}");
}
