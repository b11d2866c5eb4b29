//! Account routes: register, login, logout, me, settings, reclassify.

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Auth, bearer_token};
use crate::http::client::ClientIp;
use crate::model::{Player, TokenResponse};
use crate::services::accounts::{GoalsInput, LoginInput, RegisterInput, SettingsInput};
use crate::services::{hot, leaderboard, progress};
use crate::storage::PlayerRow;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use std::sync::Arc;

type S = State<Arc<AppState>>;

/// The `player` object for the player with `id`, as of now.
pub async fn player_view(state: &AppState, id: i64) -> ApiResult<Player> {
    let p = hot::player(state, id)
        .await?
        .ok_or_else(|| ApiError::not_found("player"))?;
    player_view_of(state, &p).await
}

/// `player_view` of a row already loaded.
pub async fn player_view_of(state: &AppState, p: &PlayerRow) -> ApiResult<Player> {
    let now = state.clock.now();
    let today = progress::today(p, now).to_string();
    let trained_today = hot::trained_on(state, p.id, p.version, &today).await?;
    let avatar = p
        .avatar_key
        .as_ref()
        .map(|_| format!("/api/v1/players/{}/avatar", p.username));
    Ok(progress::player_of(p, now, trained_today, avatar))
}

/// After a committed change to a player outside the XP ledger (settings, class):
/// drop cached state and move boards if the class changed.
async fn refresh(state: &AppState, id: i64, old_class: Option<&str>) -> ApiResult<()> {
    if let Some(p) = state.store.player(id).await? {
        hot::invalidate(state, &p).await;
        if let Some(old) = old_class {
            leaderboard::class_changed(state, &p, old).await;
        }
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts",
    request_body = RegisterInput,
    responses((status = 201, description = "registered", body = TokenResponse),
              (status = 409, description = "username or email taken"),
              (status = 429, description = "too many registrations from this address"),
              (status = 422, description = "invalid field")))]
pub async fn register(
    State(state): S,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<RegisterInput>,
) -> ApiResult<(StatusCode, Json<TokenResponse>)> {
    let address = ip.to_string();
    let (token, p) = state
        .accounts
        .register(input, &address, state.config.registrations_per_hour)
        .await?;
    // On the leaderboards from the start (at 0 XP), like the database says.
    progress::after_commit(&state, &p).await;
    let player = player_view(&state, p.id).await?;
    Ok((StatusCode::CREATED, Json(TokenResponse { token, player })))
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts",
    request_body = LoginInput,
    responses((status = 200, description = "logged in", body = TokenResponse),
              (status = 401, description = "wrong username or password"),
              (status = 429, description = "too many attempts")))]
pub async fn login(
    State(state): S,
    ClientIp(ip): ClientIp,
    ApiJson(input): ApiJson<LoginInput>,
) -> ApiResult<Json<TokenResponse>> {
    let per_minute = state.config.login_attempts_per_minute;
    state
        .limiter
        .check(&format!("login-ip:{ip}"), per_minute * 5)?;
    // One budget per account, whichever name (username or email, any case) is used.
    let budget = state.accounts.login_budget_name(&input.username).await?;
    state
        .accounts
        .count_login_attempt(&budget, per_minute)
        .await?;
    let (token, p) = state.accounts.login(input).await?;
    let player = player_view(&state, p.id).await?;
    Ok(Json(TokenResponse { token, player }))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts",
    responses((status = 204, description = "token revoked"), (status = 401, description = "no token")))]
pub async fn logout(State(state): S, _auth: Auth, headers: HeaderMap) -> ApiResult<StatusCode> {
    let token = bearer_token(&headers).ok_or_else(ApiError::unauthorized)?;
    state.accounts.logout(token).await?;
    hot::forget_token(&state, token).await;
    // Sockets opened with this token close too, whichever instance holds them.
    state
        .events
        .token_revoked(&state.accounts.token_hash(token))
        .await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, description = "the player", body = Player), (status = 401, description = "no token")))]
pub async fn me(State(state): S, auth: Auth) -> ApiResult<Json<Player>> {
    Ok(Json(player_view(&state, auth.player_id).await?))
}

#[utoipa::path(patch, path = "/api/v1/me", tag = "accounts", request_body = SettingsInput,
    responses((status = 200, description = "the player", body = Player), (status = 422, description = "invalid field")))]
pub async fn update_me(
    State(state): S,
    auth: Auth,
    ApiJson(input): ApiJson<SettingsInput>,
) -> ApiResult<Json<Player>> {
    state
        .accounts
        .update_settings(auth.player_id, input)
        .await?;
    refresh(&state, auth.player_id, None).await?;
    Ok(Json(player_view(&state, auth.player_id).await?))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ReclassifyInput {
    pub goals: GoalsInput,
}

#[utoipa::path(post, path = "/api/v1/me/reclassify", tag = "accounts", request_body = ReclassifyInput,
    responses((status = 200, description = "the player", body = Player), (status = 409, description = "30-day cooldown")))]
pub async fn reclassify(
    State(state): S,
    auth: Auth,
    ApiJson(input): ApiJson<ReclassifyInput>,
) -> ApiResult<Json<Player>> {
    let old_class = state
        .store
        .player(auth.player_id)
        .await?
        .map(|p| p.class)
        .ok_or_else(|| ApiError::not_found("player"))?;
    state
        .accounts
        .reclassify(auth.player_id, input.goals)
        .await?;
    refresh(&state, auth.player_id, Some(&old_class)).await?;
    Ok(Json(player_view(&state, auth.player_id).await?))
}
