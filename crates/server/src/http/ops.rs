//! Operations routes: liveness, readiness, Prometheus metrics, the OpenAPI document
//! and the dev clock (only with `SHONEN_DEV_CLOCK=1`).

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::Deserialize;
use serde_json::json;
use std::sync::{Arc, OnceLock};

type S = State<Arc<AppState>>;

/// The process-wide Prometheus recorder (one per process, shared by every app).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first; then ours just
            // records nothing, which is acceptable for a second app in one process.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready when the database answers (and takes writes) and, if Redis is configured,
/// Redis too (`crate::readiness`): 200 when ready, 503 otherwise, with the check's
/// parts as the body.
pub async fn readyz(State(state): S) -> impl IntoResponse {
    let readiness = crate::readiness::check(&state.store, &state.cache, &state.clock).await;
    if readiness.is_ready() {
        return (StatusCode::OK, Json(serde_json::json!(readiness)));
    }
    // Not ready: the report, with the contract's error body beside it.
    let mut body = serde_json::json!(readiness);
    body["error"] = serde_json::json!({
        "code": "not_ready",
        "message": "the service cannot serve requests right now",
        "details": readiness,
    });
    (StatusCode::SERVICE_UNAVAILABLE, Json(body))
}

pub async fn metrics(State(state): S) -> impl IntoResponse {
    if let Ok(depth) = state.store.queue_depth().await {
        metrics::gauge!("shonen_job_queue_depth").set(depth as f64);
    }
    if let Ok(failed) = state.store.failed_jobs().await {
        metrics::gauge!("shonen_jobs_failed").set(failed as f64);
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ClockInput {
    /// Seconds to move forward: 0 to 31622400 (366 days).
    #[schema(minimum = 0, maximum = 31_622_400)]
    pub advance_seconds: i64,
}

#[utoipa::path(post, path = "/api/v1/dev/clock", tag = "dev", request_body = ClockInput,
    responses((status = 200, description = "the new time; due jobs have run", body = crate::model::ClockNow), (status = 404, description = "dev clock off")))]
pub async fn advance_clock(
    State(state): S,
    ApiJson(input): ApiJson<ClockInput>,
) -> ApiResult<Json<crate::model::ClockNow>> {
    if !state.config.dev_clock {
        return Err(ApiError::not_found("route"));
    }
    if !(0..=366 * 86_400).contains(&input.advance_seconds) {
        return Err(ApiError::validation(
            "advance_seconds",
            "invalid_advance",
            "advance_seconds must be 0 to 31622400 (the clock only moves forward)",
        ));
    }
    // Saved first, then applied: a process killed in between restarts with the new
    // offset (time jumps forward a little early), never with an older one than the
    // clock already showed (time running backwards).
    let moving = state.clock.moving.lock().await;
    // From the furthest offset any instance on this database has saved: another
    // instance may have moved the clock since this one last looked.
    let saved = state
        .store
        .state("dev_clock_offset_micros")
        .await?
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    let offset = state
        .clock
        .offset_micros()
        .max(saved)
        .saturating_add(input.advance_seconds.saturating_mul(1_000_000));
    state
        .store
        .set_state("dev_clock_offset_micros", &offset.to_string())
        .await?;
    state.clock.set_offset_micros(offset);
    drop(moving);
    let now = state.clock.now();
    // Run what became due before answering, so the caller sees its effects.
    crate::jobs::drain(&state)
        .await
        .map_err(|e| ApiError::internal(format!("jobs: {e:#}")))?;
    Ok(Json(crate::model::ClockNow {
        now: now.to_rfc3339(),
    }))
}
