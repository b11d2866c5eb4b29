//! Account routes: register, login, logout, me, settings, reclassify. Each parses
//! its body, calls the accounts capability, runs what follows a commit outside the
//! database (caches, leaderboards, sockets) and answers with the `player` view.

use crate::accounts::{LoginInput, ReclassifyInput, RegisterInput, SettingsInput, TokenResponse};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Auth, bearer_token};
use crate::model::Player;
use crate::request::ClientIp;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use std::sync::Arc;

type S = State<Arc<AppState>>;

#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts",
    request_body = RegisterInput,
    responses((status = 201, description = "registered", body = TokenResponse),
              (status = 409, description = "username or email taken"),
              (status = 429, description = "too many registrations from this address"),
              (status = 422, description = "invalid field")))]
pub async fn register(
    State(state): S,
    client: ClientIp,
    ApiJson(input): ApiJson<RegisterInput>,
) -> ApiResult<(StatusCode, Json<TokenResponse>)> {
    let address = client.budget();
    let signed = state
        .accounts
        .register(input, &address, state.config.registrations_per_hour)
        .await?;
    // On the leaderboards from the start (at 0 XP), like the database says.
    state.players.after_commit(&signed.player).await;
    Ok((
        StatusCode::CREATED,
        Json(state.players.signed_in_view(signed).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts",
    request_body = LoginInput,
    responses((status = 200, description = "logged in", body = TokenResponse),
              (status = 401, description = "wrong username or password"),
              (status = 429, description = "too many attempts")))]
pub async fn login(
    State(state): S,
    client: ClientIp,
    ApiJson(input): ApiJson<LoginInput>,
) -> ApiResult<Json<TokenResponse>> {
    let per_minute = state.config.login_attempts_per_minute;
    let key = format!("login-ip:{}", client.budget());
    state.limiter.check(&key, per_minute * 5)?;
    let signed = state.accounts.login(input, per_minute).await?;
    // Only failed logins use the address's budget.
    state.limiter.refund(&key);
    Ok(Json(state.players.signed_in_view(signed).await?))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts",
    responses((status = 204, description = "token revoked"), (status = 401, description = "no token")))]
pub async fn logout(State(state): S, _auth: Auth, headers: HeaderMap) -> ApiResult<StatusCode> {
    let token = bearer_token(&headers).ok_or_else(ApiError::unauthorized)?;
    state.accounts.logout(token).await?;
    state.hot.token_revoked(&state.events, token).await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, description = "the player", body = Player), (status = 401, description = "no token")))]
pub async fn me(State(state): S, auth: Auth) -> ApiResult<Json<Player>> {
    Ok(Json(state.players.player_view(auth.player_id).await?))
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
    state.players.player_changed(auth.player_id, None).await?;
    Ok(Json(state.players.player_view(auth.player_id).await?))
}

#[utoipa::path(post, path = "/api/v1/me/reclassify", tag = "accounts", request_body = ReclassifyInput,
    responses((status = 200, description = "the player", body = Player), (status = 409, description = "30-day cooldown")))]
pub async fn reclassify(
    State(state): S,
    auth: Auth,
    ApiJson(input): ApiJson<ReclassifyInput>,
) -> ApiResult<Json<Player>> {
    let done = state
        .accounts
        .reclassify(auth.player_id, input.goals)
        .await?;
    state
        .players
        .player_changed(auth.player_id, Some(&done.previous_class))
        .await?;
    Ok(Json(state.players.player_view(auth.player_id).await?))
}
