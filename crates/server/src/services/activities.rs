//! An activity, as every adapter serves it: log and edit through the progress
//! capability, then what follows a commit outside the database (cached state,
//! boards, events); read one or a page; photo links signed per read. REST
//! (`http::activities`) and gRPC parse their requests and call these.

use crate::error::{ApiError, ApiResult};
use crate::model::{ActivityAward, ActivityPage};
use crate::progress::{
    ActivityBody, EditBody, LogInput, Logged, PageQuery, activity_view, award_of,
};
use crate::state::AppState;

/// What follows a committed activity outside the database: the player's cached state
/// and boards, then the events (closed days, the award, the boss fight).
async fn announce(state: &AppState, logged: &Logged) {
    let p = &logged.player;
    let week = logged.week.as_ref().map(|(w, xp)| (w.as_str(), *xp));
    state.players.after_commit_knowing_week(p, week).await;
    state.events.after_penalties(p, &logged.closed);
    state.events.after_award(p, &logged.award);
    state.events.after_boss(p.id, &logged.boss);
}

/// Logs an activity; `idem_key` is the request's `Idempotency-Key`, written with it.
pub async fn log(
    state: &AppState,
    player_id: i64,
    body: ActivityBody,
    idem_key: Option<String>,
) -> ApiResult<ActivityAward> {
    let input = LogInput::parse(body)?;
    let logged = state.progress.log(player_id, input, idem_key).await?;
    answer(state, player_id, &logged).await
}

/// Edits a strength session within its window (recomputed with the edit penalty).
pub async fn edit(
    state: &AppState,
    player_id: i64,
    id: i64,
    body: EditBody,
) -> ApiResult<ActivityAward> {
    let logged = state.progress.edit(player_id, id, body).await?;
    answer(state, player_id, &logged).await
}

async fn answer(state: &AppState, player_id: i64, logged: &Logged) -> ApiResult<ActivityAward> {
    announce(state, logged).await;
    let mut out = logged.answer();
    state
        .media
        .sign_activity(player_id, &mut out.activity)
        .await?;
    Ok(out)
}

/// One of the player's activities with its award; another player's is not found.
pub async fn show(state: &AppState, player_id: i64, id: i64) -> ApiResult<ActivityAward> {
    let a = state
        .store
        .activity(player_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    let mut out = ActivityAward {
        award: award_of(&a)?,
        activity: activity_view(&a),
    };
    state
        .media
        .sign_activity(player_id, &mut out.activity)
        .await?;
    Ok(out)
}

/// The player's activities, newest first, from the cursor on.
pub async fn page(state: &AppState, player_id: i64, q: PageQuery) -> ApiResult<ActivityPage> {
    let rows = state.store.activities(player_id, q.before, q.limit).await?;
    let next = if rows.len() as i64 == q.limit {
        rows.last().map(|a| a.id.to_string())
    } else {
        None
    };
    let mut items: Vec<_> = rows.iter().map(activity_view).collect();
    for a in &mut items {
        state.media.sign_activity(player_id, a).await?;
    }
    Ok(ActivityPage {
        items,
        next_before: next,
    })
}
