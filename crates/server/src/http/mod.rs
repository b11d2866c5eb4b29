//! The HTTP surface: every route wired in one place, the OpenAPI document generated
//! from the same annotated handlers (so it cannot drift), and the middleware stack
//! (metrics, rate limits, body limit, idempotency, panics → 500 JSON).

pub mod accounts;
pub mod activities;
pub mod boss;
pub mod client;
pub mod duels;
pub mod guard;
pub mod idempotency;
pub mod leaderboard;
pub mod media;
pub mod openapi;
pub mod ops;
pub mod progress;
pub mod ratelimit;
pub mod text;
pub mod web;
pub mod ws;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::bearer_token;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use bytes::Bytes;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Shonen Training Tracker API",
        description = "Train like Goku. Grind like Asta. Level up like an MC."
    ),
    components(schemas(
        crate::model::ErrorBody,
        crate::model::ClassName,
        crate::model::WeekdayName,
        crate::model::StatName,
        crate::model::ActivityKindName,
        crate::model::FactorNameValue,
        crate::model::DuelStatus,
        crate::model::BossStatus,
        crate::model::JobStatus,
        crate::model::FriendlyReason,
        crate::model::BoardScope,
    ))
)]
struct ApiDoc;

/// The API routes with their OpenAPI description. The WebSocket upgrade is routed
/// beside them and left out of the document (OpenAPI cannot describe its messages).
fn api(dev_clock: bool) -> (Router<Arc<AppState>>, utoipa::openapi::OpenApi) {
    let r = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(accounts::register))
        .routes(routes!(accounts::login))
        .routes(routes!(accounts::logout))
        .routes(routes!(accounts::me, accounts::update_me))
        .routes(routes!(accounts::reclassify))
        .routes(routes!(activities::create, activities::list))
        .routes(routes!(activities::show, activities::edit))
        .routes(routes!(progress::dashboard))
        .routes(routes!(progress::ledger))
        .routes(routes!(progress::profile))
        .routes(routes!(boss::current))
        .routes(routes!(boss::history))
        .routes(routes!(duels::challenge, duels::list))
        .routes(routes!(duels::show))
        .routes(routes!(duels::accept))
        .routes(routes!(duels::decline))
        .routes(routes!(duels::replay))
        .routes(routes!(media::put_avatar))
        .routes(routes!(media::get_avatar))
        .routes(routes!(media::add_photo))
        .routes(routes!(media::get_photo))
        .routes(routes!(leaderboard::leaderboard));
    // Only a server with the development clock has (and documents) it.
    let r = if dev_clock {
        r.routes(routes!(ops::advance_clock))
    } else {
        r
    };
    r.split_for_parts()
}

/// The OpenAPI document as served at `/api/openapi.json` (by a server with or
/// without the development clock) and printed by `shonen openapi`.
pub fn openapi_document(dev_clock: bool) -> serde_json::Value {
    openapi::complete(api(dev_clock).1)
}

pub fn router(state: Arc<AppState>) -> Router {
    // The web pages' policy, worked out once. Images and replays may come from the
    // object store's own origin (S3 presigned links): it is allowed when so.
    let csp: Arc<str> = web::content_security_policy(state.objects.link_origin().as_deref()).into();
    let (api, doc) = api(state.config.dev_clock);
    let doc: Bytes = serde_json::to_vec(&openapi::complete(doc))
        .unwrap_or_default()
        .into();
    Router::new()
        .merge(api)
        .route("/api/v1/ws", get(ws::connect))
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], doc) }
            }),
        )
        // Signed links to photos and replays (the signature is the permission).
        .route("/api/v1/files/{*key}", get(media::get_file))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/api/{*rest}", any(api_not_found))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::layer,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        // Bad text in the path or query → 422 before any handler (bodies: ApiJson).
        .layer(middleware::from_fn(text::reject_invalid_text))
        .layer(middleware::from_fn_with_state(state.clone(), guard::layer))
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(middleware::from_fn(track))
        .layer(middleware::from_fn(envelope))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                ApiError::internal("handler panicked").into_response()
            },
        ))
        .with_state(state.clone())
        // gRPC shares the port: requests for its service paths go to tonic.
        .merge(crate::grpc::router(state.clone()))
        // Set after the merge, replacing tonic's own fallback: anything else is the
        // web UI, whose pages carry the Content-Security-Policy.
        .fallback(
            move |uri: axum::http::Uri, headers: axum::http::HeaderMap| {
                web::serve(csp.clone(), uri, headers)
            },
        )
        // Outermost, so it covers every response above (API, errors, ops, gRPC and
        // the web UI): `nosniff` and a Referrer-Policy.
        .layer(middleware::from_fn(web::security_headers))
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("route")
}

/// Error responses under `/api/` that `ApiError` did not build (the router's 405, the
/// path and query extractors' rejections) get the contract's error body; their other
/// headers (such as `Allow`) stay.
async fn envelope(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let status = resp.status();
    if !api || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if json {
        return resp;
    }
    let (code, message) = match status.as_u16() {
        400 => ("bad_request", "the request is malformed"),
        404 => ("not_found", "route not found"),
        405 => (
            "method_not_allowed",
            "this path does not support this method",
        ),
        413 => ("body_too_large", "the request body is too large"),
        415 => (
            "unsupported_media_type",
            "the body's content type is not accepted here",
        ),
        422 => ("invalid_field", "the request is invalid"),
        s if s >= 500 => ("internal", "something went wrong on our side"),
        _ => ("bad_request", "the request cannot be served"),
    };
    let mut out = ApiError::new(status, code, message).into_response();
    for (name, value) in resp.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// Request counts and latencies by route.
async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("shonen_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("shonen_http_request_seconds", "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    resp
}

/// Per-client-address and per-token request budgets.
async fn rate_limit(
    State(state): State<Arc<AppState>>,
    client::ClientIp(ip): client::ClientIp,
    req: Request,
    next: Next,
) -> Response {
    let per_minute = state.config.rate_limit_per_minute;
    if let Err(e) = state.limiter.check(&format!("ip:{ip}"), per_minute) {
        return e.into_response();
    }
    if let Some(token) = bearer_token(req.headers())
        && let Err(e) = state.limiter.check(&format!("token:{token}"), per_minute)
    {
        return e.into_response();
    }
    next.run(req).await
}
