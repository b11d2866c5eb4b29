//! Operations routes: liveness, readiness, Prometheus metrics, the OpenAPI document
//! and the dev clock (only with `SHONEN_DEV_CLOCK=1`).

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
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

/// Ready when the database answers and, if Redis is configured, Redis too. The
/// body names each part, so an operator sees which one failed.
pub async fn readyz(State(state): S) -> impl IntoResponse {
    let database = match state.store.ping().await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            "unreachable"
        }
    };
    let redis = if state.cache.is_redis() {
        match state.cache.ping().await {
            Ok(()) => "ok",
            Err(e) => {
                tracing::warn!(error = %e, "redis not reachable");
                "unreachable"
            }
        }
    } else {
        "not_configured"
    };
    let ready = database == "ok" && redis != "unreachable";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "status": if ready { "ready" } else { "unavailable" },
            "database": database,
            "redis": redis,
        })),
    )
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
    let now = state.clock.advance(input.advance_seconds);
    state
        .store
        .set_state(
            "dev_clock_offset_micros",
            &state.clock.offset_micros().to_string(),
        )
        .await?;
    // Run what became due before answering, so the caller sees its effects.
    crate::jobs::drain(&state)
        .await
        .map_err(|e| ApiError::internal(format!("jobs: {e:#}")))?;
    Ok(Json(crate::model::ClockNow {
        now: now.to_rfc3339(),
    }))
}
