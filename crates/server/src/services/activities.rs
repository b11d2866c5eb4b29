//! Logging training: one activity, its award and the player's updated totals,
//! fatigue and streak are written in one transaction with the player's row locked,
//! so concurrent requests for one player are applied one after the other.

use crate::app::AppState;
use crate::clock::from_micros;
use crate::error::{ApiError, ApiResult};
use crate::services::progress::{self, Entry};
use crate::services::{boss, local};
use crate::storage::{ActivityRow, NewActivity, PlayerRow};
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use shonen_rules::award::{TodayUsage, edit_window_open};
use shonen_rules::{
    ActivityInput, ActivityKind, Award, AwardContext, Set, WeeklyGoal, behind_schedule,
    check_occurred_at, level_for_xp, moves_unlocked_between, skills_unlocked_between, title,
};

/// The activity body of the contract. Kind-specific fields are checked per kind.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActivityBody {
    pub kind: String,
    pub occurred_at: Option<DateTime<Utc>>,
    pub duration_min: Option<f64>,
    pub distance_km: Option<f64>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub sets: Option<Vec<Set>>,
    pub style: Option<String>,
    pub woke_at: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EditBody {
    #[schema(value_type = Option<Vec<Object>>)]
    pub sets: Option<Vec<Set>>,
    pub duration_min: Option<f64>,
}

fn required<T>(v: Option<T>, field: &str) -> ApiResult<T> {
    v.ok_or_else(|| ApiError::validation(field, "missing_field", format!("{field} is required")))
}

fn to_input(b: &ActivityBody) -> ApiResult<ActivityInput> {
    let kind = ActivityKind::parse(&b.kind).ok_or_else(|| {
        ApiError::validation(
            "kind",
            "invalid_kind",
            "kind must be one of run, strength, study, martial_arts, wake_up",
        )
    })?;
    Ok(match kind {
        ActivityKind::Run => ActivityInput::Run {
            distance_km: required(b.distance_km, "distance_km")?,
            duration_min: required(b.duration_min, "duration_min")?,
        },
        ActivityKind::Strength => ActivityInput::Strength {
            sets: required(b.sets.clone(), "sets")?,
            duration_min: required(b.duration_min, "duration_min")?,
        },
        ActivityKind::Study => ActivityInput::Study {
            duration_min: required(b.duration_min, "duration_min")?,
        },
        ActivityKind::MartialArts => ActivityInput::MartialArts {
            duration_min: required(b.duration_min, "duration_min")?,
            style: required(b.style.clone(), "style")?,
        },
        ActivityKind::WakeUp => ActivityInput::WakeUp {
            woke_at: required(b.woke_at.clone(), "woke_at")?,
        },
    })
}

/// What the player's progress looked like before an award, for level-up news.
struct Before {
    level: u32,
    fighting: i64,
}

fn award_json(award: &Award, before: &Before, p: &PlayerRow) -> Value {
    let class = progress::class(p);
    let level = level_for_xp(p.total_xp);
    let factors: Vec<Value> = award
        .factors
        .iter()
        .map(|f| json!({ "name": f.name.as_str(), "value": f.value, "stage": f.stage }))
        .collect();
    let skills: Vec<&str> = skills_unlocked_between(class, before.level, level)
        .into_iter()
        .map(|s| s.name())
        .collect();
    let moves: Vec<String> = moves_unlocked_between(before.fighting, p.xp_fighting)
        .into_iter()
        .map(|m| m.name)
        .collect();
    let mut v = json!({
        "stat": award.stat,
        "base": award.base,
        "final": award.final_xp,
        "factors": factors,
        "capped": award.capped,
        "message": award.message,
        "skills_unlocked": skills,
        "moves_unlocked": moves,
    });
    if level > before.level {
        v["level_up"] = json!({ "from": before.level, "to": level, "title": title(level) });
    }
    if let Some(s) = &award.strength {
        v["strength"] = json!(s);
    }
    v
}

pub fn activity_json(a: &ActivityRow) -> Value {
    let mut v = json!({
        "id": a.id,
        "kind": a.kind,
        "occurred_at": from_micros(a.occurred_at).to_rfc3339(),
        "local_date": a.local_date,
        "xp": a.xp,
        "stat": a.stat,
        "edited": a.edited != 0,
        "note": a.note,
        "created_at": from_micros(a.created_at).to_rfc3339(),
        "photos": serde_json::from_str::<Value>(&a.photos_json).unwrap_or(json!([])),
    });
    if a.kind != "wake_up" {
        v["duration_min"] = json!(a.duration_min);
    }
    if a.kind == "run" {
        v["distance_km"] = json!(a.distance_km);
    }
    if let Some(s) = &a.sets_json {
        v["sets"] = serde_json::from_str(s).unwrap_or(json!([]));
    }
    if let Some(s) = &a.style {
        v["style"] = json!(s);
    }
    if let Some(w) = &a.woke_at {
        v["woke_at"] = json!(w);
    }
    v
}

/// The stored award of an activity, as shown by GET.
pub fn stored_award(a: &ActivityRow) -> Value {
    serde_json::from_str(&a.award_json).unwrap_or(json!({}))
}

pub async fn log(state: &AppState, player_id: i64, body: ActivityBody) -> ApiResult<Value> {
    let input = to_input(&body)?;
    if let Some(note) = &body.note
        && note.chars().count() > 2000
    {
        return Err(ApiError::validation(
            "note",
            "note_too_long",
            "note is at most 2000 characters",
        ));
    }
    input.validate()?;
    let now = state.clock.now();
    let occurred_at = body.occurred_at.unwrap_or(now);
    check_occurred_at(occurred_at, now)?;

    let mut tx = state.store.begin().await?;
    let mut p = tx.lock_player(player_id).await?;
    // Close any day that ended before this activity, so the streak is current.
    let closed = progress::close_days(&mut tx, &mut p, now).await?;

    let tz = local::tz(&p.timezone);
    let date = local::date(occurred_at, tz);
    let kind = input.kind();
    let usage = tx.day_usage(p.id, &date.to_string()).await?;
    let week_start = local::week_start(date);
    let level = level_for_xp(p.total_xp);
    // "Behind schedule" only feeds Shonen Rage Boost and n only the strength formula:
    // skip their queries when they cannot matter.
    let rage_boost = shonen_rules::skill::has(
        progress::class(&p),
        level,
        shonen_rules::skill::Skill::RageBoost,
    );
    let trained_days_before = if rage_boost && date > week_start {
        tx.training_dates_between(
            p.id,
            &week_start.to_string(),
            &(date - Duration::days(1)).to_string(),
        )
        .await?
        .len()
    } else {
        0
    };
    let occurred = occurred_at.timestamp_micros();
    let week_ago = (occurred_at - Duration::days(7)).timestamp_micros();
    let n = if kind == ActivityKind::Strength {
        tx.strength_sessions_between(p.id, week_ago, occurred)
            .await?
    } else {
        0
    };
    let wake_target = shonen_rules::parse_hhmm("wake_target", &p.wake_target)
        .unwrap_or_else(|_| shonen_rules::activity::default_wake_target());
    let ctx = AwardContext {
        class: progress::class(&p),
        level,
        fatigue: progress::fatigue_now(&p, now),
        streak: shonen_rules::streak::streak_for_activity(&progress::chain(&p), date),
        training_arc_buff: progress::buff_active(&p, now),
        behind_schedule: behind_schedule(
            WeeklyGoal::new(p.weekly_goal).unwrap_or_default(),
            date.weekday().number_from_monday(),
            u32::try_from(trained_days_before).unwrap_or(u32::MAX),
        ),
        wake_target,
        today: TodayUsage {
            run_km: usage.run_km,
            study_min: usage.study_min,
            martial_arts_sessions: usage.martial_arts_sessions,
            woke_today: usage.woke,
            training_kinds: usage
                .training_kinds
                .iter()
                .filter_map(|k| ActivityKind::parse(k))
                .collect(),
        },
        strength_sessions_last_7d: u32::try_from(n).unwrap_or(u32::MAX),
        edited: false,
    };
    let award = shonen_rules::award(&input, &ctx)?;

    let before = Before {
        level,
        fighting: p.xp_fighting,
    };
    let (sets_json, style, woke_at) = match &input {
        ActivityInput::Strength { sets, .. } => (
            Some(serde_json::to_string(sets).map_err(ApiError::internal)?),
            None,
            None,
        ),
        ActivityInput::MartialArts { style, .. } => (None, Some(style.clone()), None),
        ActivityInput::WakeUp { woke_at } => (None, None, Some(woke_at.clone())),
        _ => (None, None, None),
    };
    let mut activity = tx
        .insert_activity(NewActivity {
            player_id: p.id,
            kind: kind.as_str().to_string(),
            occurred_at: occurred,
            local_date: date.to_string(),
            training: kind.is_training(),
            duration_min: body.duration_min.unwrap_or(0.0),
            distance_km: body.distance_km.unwrap_or(0.0),
            sets_json,
            style,
            woke_at,
            note: body.note.clone(),
            fatigue_before: i64::from(ctx.fatigue),
            sessions_last_7d: n,
            xp: award.final_xp,
            stat: award.stat.as_str().to_string(),
            award_json: "{}".into(),
            now: now.timestamp_micros(),
        })
        .await?;
    progress::post(
        &mut tx,
        &mut p,
        Entry {
            at: now,
            stat: Some(award.stat),
            amount: award.final_xp,
            reason: &format!("{} logged", kind.as_str()),
            activity_id: Some(activity.id),
            rule_key: None,
        },
    )
    .await?;
    let boss_news = boss::on_activity(&mut tx, &mut p, &activity, now).await?;
    if kind.is_training() {
        p.fatigue = i64::from(award.fatigue_after);
        p.fatigue_at = now.timestamp_micros();
    }
    tx.save_progress(&p).await?;
    let award_value = award_json(&award, &before, &p);
    let stored = json!({ "award": award_value, "rules": award });
    tx.set_activity_award(activity.id, &stored.to_string())
        .await?;
    tx.commit().await?;
    activity.award_json = stored.to_string();

    progress::after_commit(state, &p).await;
    state.events.after_penalties(&p, &closed);
    state.events.after_award(&p, &award_value);
    boss::announce(state, p.id, &boss_news);
    Ok(json!({ "activity": activity_json(&activity), "award": award_value }))
}

/// The award part of a stored activity.
pub fn award_of(a: &ActivityRow) -> Value {
    stored_award(a).get("award").cloned().unwrap_or(json!({}))
}

pub async fn edit(state: &AppState, player_id: i64, id: i64, body: EditBody) -> ApiResult<Value> {
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let mut p = tx.lock_player(player_id).await?;
    let a = tx
        .activity_for_update(player_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    if a.kind != "strength" {
        return Err(ApiError::validation(
            "kind",
            "not_editable",
            "only strength sessions can be edited",
        ));
    }
    if !edit_window_open(from_micros(a.occurred_at), now) {
        return Err(ApiError::conflict(
            "edit_window_closed",
            "a strength session can be edited only within 24 hours of completion",
        ));
    }
    let stored = stored_award(&a);
    let original: Award = serde_json::from_value(stored["rules"].clone())
        .map_err(|e| ApiError::internal(format!("stored award: {e}")))?;
    let old_sets: Vec<Set> = a
        .sets_json
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    let sets = body.sets.unwrap_or(old_sets);
    let duration = body.duration_min.unwrap_or(a.duration_min);
    let correction = shonen_rules::edit_correction(&original, sets.clone(), duration)?;
    let before = Before {
        level: level_for_xp(p.total_xp),
        fighting: p.xp_fighting,
    };
    if correction.delta != 0 {
        progress::post(
            &mut tx,
            &mut p,
            Entry {
                at: now,
                stat: Some(correction.award.stat),
                amount: correction.delta,
                reason: "strength session edited",
                activity_id: Some(a.id),
                rule_key: None,
            },
        )
        .await?;
    }
    tx.save_progress(&p).await?;
    let award_value = award_json(&correction.award, &before, &p);
    let new_stored = json!({ "award": award_value, "rules": correction.award });
    let sets_json = serde_json::to_string(&sets).map_err(ApiError::internal)?;
    tx.update_strength_activity(
        a.id,
        duration,
        &sets_json,
        correction.award.final_xp,
        &new_stored.to_string(),
        now.timestamp_micros(),
    )
    .await?;
    tx.commit().await?;
    let updated = state
        .store
        .activity(player_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    progress::after_commit(state, &p).await;
    state.events.after_award(&p, &award_value);
    Ok(json!({ "activity": activity_json(&updated), "award": award_value }))
}
