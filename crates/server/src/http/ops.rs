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
/// Redis too. The body names each part, so an operator sees which one failed. Every
/// check is bounded, so the answer comes within a second whatever is down.
pub async fn readyz(State(state): S) -> impl IntoResponse {
    let limit = crate::storage::PING_TIMEOUT * 2;
    let store = &state.store;
    let database = if store.health().is_down() {
        "unreachable"
    } else {
        match tokio::time::timeout(limit, store.ping()).await {
            Ok(Ok(())) => "ok",
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "database not reachable");
                "unreachable"
            }
            Err(_) => "unreachable",
        }
    };
    // While commits fail (a full disk), try one small write: it clears the state as
    // soon as writes work again, even if no request writes.
    let database = if database == "ok" && store.health().write_failing() {
        let now = state.clock.now_micros();
        match tokio::time::timeout(limit, store.probe_write(now)).await {
            Ok(Ok(())) => "ok",
            _ => "writes_failing",
        }
    } else {
        database
    };
    let redis = if state.cache.is_redis() && !state.cache.is_up() {
        // The breaker is open: the watchdog's last ping failed.
        "unreachable"
    } else if state.cache.is_redis() {
        match tokio::time::timeout(limit, state.cache.ping()).await {
            Ok(Ok(())) => "ok",
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "redis not reachable");
                "unreachable"
            }
            Err(_) => "unreachable",
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
    // Saved first, then applied: a process killed in between restarts with the new
    // offset (time jumps forward a little early), never with an older one than the
    // clock already showed (time running backwards).
    let moving = state.clock.moving.lock().await;
    let offset = state
        .clock
        .offset_micros()
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
