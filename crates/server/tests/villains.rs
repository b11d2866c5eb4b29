//! The villain generators: the procedural one (deterministic, varied, scaled to the
//! level) and the text-generation one against local fake endpoints that answer
//! garbage, hang, or answer well, plus the service storing one villain per week.

mod common;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use chrono::{Datelike, Duration as Days, NaiveDate};
use common::{Backend, TestApp};
use serde_json::{Value, json};
use shonen_server::services::villains::{LlmSettings, LlmVillains, Procedural, VillainGenerator};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Serves `app` on 127.0.0.1:0; returns its base URL.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn completion(content: &str) -> Value {
    json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})
}

/// A fake OpenAI-compatible endpoint answering `content` at /v1/chat/completions.
async fn fake(content: &'static str) -> String {
    serve(Router::new().route(
        "/v1/chat/completions",
        post(move || async move { Json(completion(content)) }),
    ))
    .await
}

fn llm(url: &str, timeout_ms: u64) -> LlmVillains {
    LlmVillains::new(LlmSettings {
        url: url.to_string(),
        model: Some("fake-model".into()),
        key: Some("sk-test".into()),
        timeout: Duration::from_millis(timeout_ms),
    })
    .unwrap()
}

#[tokio::test]
async fn the_same_week_gives_the_same_villain() {
    let a = Procedural.villain(2026, 48).await.unwrap();
    let b = Procedural.villain(2026, 48).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(a.source, "procedural");
    assert_ne!(
        Procedural.villain(2026, 49).await.unwrap().villain.name,
        a.villain.name
    );
    assert!(Procedural.villain(2026, 54).await.is_err());
}

#[tokio::test]
async fn ten_years_of_weeks_give_varied_villains() {
    let mut monday = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let (mut names, mut epithets, mut taunts, mut weaknesses, mut cutscenes) = (
        HashSet::new(),
        HashSet::new(),
        HashSet::new(),
        HashSet::new(),
        HashSet::new(),
    );
    for _ in 0..520 {
        let w = monday.iso_week();
        let v = Procedural
            .villain(w.year(), w.week())
            .await
            .unwrap()
            .villain;
        names.insert(v.name);
        epithets.insert(v.epithet);
        taunts.insert(v.taunt);
        weaknesses.insert(v.weakness);
        cutscenes.insert(v.cutscene);
        monday += Days::weeks(1);
    }
    println!(
        "520 consecutive weeks: {} distinct names, {} epithets, {} taunts, {} weaknesses, {} cutscenes",
        names.len(),
        epithets.len(),
        taunts.len(),
        weaknesses.len(),
        cutscenes.len()
    );
    assert_eq!(names.len(), 520, "no name repeats within ten years");
    assert_eq!(weaknesses.len(), 5);
    assert!(epithets.len() >= 10 && taunts.len() >= 8);
}

#[tokio::test]
async fn objectives_scale_with_level() {
    let v = Procedural.villain(2026, 48).await.unwrap().villain;
    let targets =
        |level| -> Vec<f64> { v.objectives_for(level).iter().map(|o| o.target).collect() };
    let (l1, l30, l100) = (targets(1), targets(30), targets(100));
    for i in 0..3 {
        assert!(
            l1[i] <= l30[i] && l30[i] <= l100[i],
            "{l1:?} {l30:?} {l100:?}"
        );
    }
    assert!(l1.iter().sum::<f64>() < l30.iter().sum::<f64>());
    assert!(l30.iter().sum::<f64>() < l100.iter().sum::<f64>());
    // The text always states the scaled target.
    for o in v.objectives_for(30) {
        assert!(o.text.contains(&o.target.to_string()), "{}", o.text);
    }
}

#[tokio::test]
async fn garbage_answers_fall_back_to_the_procedural_villain() {
    let procedural = Procedural.villain(2026, 48).await.unwrap();
    let not_json = fake("I am a villain, fear me!").await;
    let wrong_shape = fake("{\"villain\": \"Bob\"}").await;
    let rude = fake(
        "{\"name\": \"Shit Lord\", \"taunt\": \"Lift, you fool.\", \"cutscene\": \"He leaves laughing at your empty gym bag.\"}",
    )
    .await;
    let foreign = fake(
        "{\"name\": \"怠惰の魔王\", \"taunt\": \"Lift, you fool.\", \"cutscene\": \"He leaves laughing at your empty gym bag.\"}",
    )
    .await;
    let status = serve(Router::new().route(
        "/v1/chat/completions",
        post(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
    ))
    .await;
    let html = serve(Router::new().route(
        "/v1/chat/completions",
        post(|| async { "<html>not an api</html>" }),
    ))
    .await;
    for url in [
        not_json,
        wrong_shape,
        rude,
        foreign,
        status,
        html,
        "http://127.0.0.1:1".into(),
    ] {
        let got = llm(&url, 2000).villain(2026, 48).await.unwrap();
        assert_eq!(got, procedural, "{url} should fall back");
    }
}

#[tokio::test]
async fn a_hanging_endpoint_times_out_and_falls_back() {
    let url = serve(Router::new().route(
        "/v1/chat/completions",
        post(|| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Json(completion("{}"))
        }),
    ))
    .await;
    let started = Instant::now();
    let got = llm(&url, 300).villain(2026, 48).await.unwrap();
    let took = started.elapsed();
    assert_eq!(got, Procedural.villain(2026, 48).await.unwrap());
    println!("hanging endpoint: fell back after {took:?} (timeout 300 ms)");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[tokio::test]
async fn a_valid_answer_is_used_with_the_rules_parts_kept() {
    let url = fake(
        "```json\n{\"name\": \"Snooze Kraken\", \"taunt\": \"Five more minutes... forever.\", \"cutscene\": \"The Snooze Kraken drags your alarm clock into the deep while you sleep.\"}\n```",
    )
    .await;
    let procedural = Procedural.villain(2026, 48).await.unwrap().villain;
    let got = llm(&url, 2000).villain(2026, 48).await.unwrap();
    assert_eq!(got.source, "llm");
    let v = got.villain;
    assert_eq!(v.name, "Snooze Kraken");
    assert_eq!(v.taunt, "Five more minutes... forever.");
    assert!(v.cutscene.starts_with("The Snooze Kraken"));
    assert_eq!(v.badge, "Snooze Kraken Slayer");
    // Difficulty and identity come from the rules crate only.
    assert_eq!(v.weakness, procedural.weakness);
    assert_eq!(v.objective_kinds, procedural.objective_kinds);
    assert_eq!(v.week, procedural.week);
    assert_eq!(v.epithet, procedural.epithet);
}

both_backends!(a_generated_villain_is_stored_once_for_everyone);

/// The endpoint answers a different name on every call; the service still shows one
/// villain per week to everyone, the first one stored.
async fn a_generated_villain_is_stored_once_for_everyone(b: Backend) {
    let calls = Arc::new(AtomicUsize::new(0));
    const NAMES: [&str; 4] = ["Snooze Kraken", "Couch Wyvern", "Sofa Lich", "Nap Golem"];
    let url = serve(
        Router::new()
            .route(
                "/v1/chat/completions",
                post(
                    |State(calls): State<Arc<AtomicUsize>>, Json(req): Json<Value>| async move {
                        assert!(req["messages"].is_array());
                        let n = calls.fetch_add(1, Ordering::SeqCst);
                        let name = NAMES[n % NAMES.len()];
                        Json(completion(
                            &json!({
                                "name": name,
                                "taunt": format!("I am {name}. Rest forever."),
                                "cutscene": format!("{name} escapes through the window with your running shoes."),
                            })
                            .to_string(),
                        ))
                    },
                ),
            )
            .with_state(calls.clone()),
    )
    .await;
    let app = TestApp::spawn_with(b, |c| {
        c.workers = 0;
        c.villain_llm = Some(LlmSettings {
            url: url.clone(),
            model: None,
            key: None,
            timeout: Duration::from_secs(2),
        });
    })
    .await;
    let (t1, _) = app.register("vegeta", [9, 0, 0]).await;
    let (t2, _) = app.register("bulma", [0, 0, 9]).await;
    let (_, b1) = app.get("/api/v1/boss", &t1).await;
    let (_, b2) = app.get("/api/v1/boss", &t2).await;
    let (_, b1_again) = app.get("/api/v1/boss", &t1).await;
    assert_eq!(b1["name"], "Snooze Kraken", "{b1}");
    assert_eq!(b2["name"], b1["name"]);
    assert_eq!(b1_again["name"], b1["name"]);
    assert_eq!(b1["reward"]["badge"], "Snooze Kraken Slayer");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "asked once for the week");
    // Difficulty still comes from the rules crate.
    let week = b1["week"].as_str().unwrap();
    let (y, w) = week.split_once("-W").unwrap();
    let procedural = Procedural
        .villain(y.parse().unwrap(), w.parse().unwrap())
        .await
        .unwrap()
        .villain;
    assert_eq!(b1["weakness"], procedural.weakness.as_str());

    // A second instance on the same database, whose generator would answer another
    // name, shows the stored villain too.
    let mut cfg = common::config(&app.database_url, &app.data_dir);
    cfg.workers = 0;
    cfg.villain_llm = Some(LlmSettings {
        url: url.clone(),
        model: None,
        key: None,
        timeout: Duration::from_secs(2),
    });
    let other = TestApp::start(cfg, b).await;
    let (_, b3) = other.get("/api/v1/boss", &t2).await;
    assert_eq!(b3["name"], "Snooze Kraken");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // When it escapes, the generated cutscene is the one shown.
    let now = app.now().await;
    let end: chrono::DateTime<chrono::Utc> = b1["ends_at"].as_str().unwrap().parse().unwrap();
    app.advance((end - now).num_seconds() + 60).await;
    let (_, h) = app.get("/api/v1/boss/history", &t1).await;
    assert_eq!(h["items"][0]["name"], "Snooze Kraken");
    assert_eq!(
        h["items"][0]["cutscene"],
        "Snooze Kraken escapes through the window with your running shoes."
    );
}
