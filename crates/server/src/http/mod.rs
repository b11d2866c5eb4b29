//! The HTTP surface: every route wired in one place, the OpenAPI document generated
//! from the same annotated handlers (so it cannot drift), and the middleware stack
//! REST and gRPC share (see `router`).

pub mod accounts;
pub mod activities;
pub mod boss;
pub mod client;
pub mod duels;
pub mod errors;
pub mod guard;
pub mod idempotency;
pub mod leaderboard;
pub mod media;
pub mod openapi;
pub mod ops;
pub mod progress;
pub mod text;
pub mod web;
pub mod ws;

use crate::error::ApiError;
use crate::extract::bearer_token;
use crate::request::ClientIp;
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{StatusCode, header};
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

/// The whole service on one port. REST and gRPC go through ONE middleware stack
/// (outermost first):
///
/// 1. panics → 500;
/// 2. request id: `x-request-id` accepted (or generated), recorded on the request's
///    log span and echoed on every response, REST, gRPC and web UI alike;
/// 3. unknown gRPC services → UNIMPLEMENTED (never the web UI);
/// 4. metrics (`track`): REST by route, gRPC by method and status code;
/// 5. rate limits per client address and per token, one budget for both protocols;
/// 6. authentication: a bearer token (REST header or gRPC metadata, the same
///    `authorization` entry) is resolved once into the request's `Auth`;
/// 7. body limits: 1 MiB for REST JSON (images have their own 5 MiB limit); gRPC
///    messages are capped by the gRPC server (`grpc::MAX_MESSAGE_BYTES`).
///
/// Around it all, the security headers (`nosniff`, Referrer-Policy). Inside, REST
/// alone has the idempotency layer (`Idempotency-Key`; gRPC's LogActivity reads the
/// same key from its metadata, `Activities::log_once`) and the path/query text check. Errors
/// raised by the stack answer in the caller's protocol (`reject`).
pub fn router(state: Arc<AppState>) -> Router {
    // The web pages' policy, worked out once. Images and replays may come from the
    // object store's own origin (S3 presigned links): it is allowed when so.
    let csp: Arc<str> = web::content_security_policy(state.objects.link_origin().as_deref()).into();
    let (api, doc) = api(state.config.dev_clock);
    let doc: Bytes = serde_json::to_vec(&openapi::complete(doc))
        .unwrap_or_default()
        .into();
    let rest = Router::new()
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
        // Bad text in the path or query → 422 before any handler (bodies: ApiJson;
        // gRPC messages: `grpc::convert`).
        .layer(middleware::from_fn(text::reject_invalid_text))
        // Declared bodies over the route's limit → 413 unread; 503 at once while the
        // database is down (REST routes; gRPC messages are capped by the gRPC server).
        .layer(middleware::from_fn_with_state(state.clone(), guard::layer))
        // Errors the stack or the router built without a body (405, rejections) get
        // the contract's error body.
        .layer(middleware::from_fn(envelope))
        .with_state(state.clone());
    let routes = rest
        // gRPC shares the port: requests for its service paths go to tonic.
        .merge(crate::grpc::router(state.clone()))
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .layer(middleware::from_fn(track))
        // Set after the layers above, replacing tonic's own fallback: anything else
        // is the web UI (not rate limited, not counted), whose pages carry the
        // Content-Security-Policy.
        .fallback(
            move |method: axum::http::Method,
                  uri: axum::http::Uri,
                  headers: axum::http::HeaderMap| {
                web_or_error(csp.clone(), method, uri, headers)
            },
        )
        .layer(middleware::from_fn(unknown_grpc_service))
        .layer(middleware::from_fn(request_id));
    let routes = catch_panics(routes)
        // Outermost, so it covers every response above (API, errors, ops, gRPC and
        // the web UI): `nosniff` and a Referrer-Policy.
        .layer(middleware::from_fn(web::security_headers));
    if state.config.dev_clock {
        routes.layer(middleware::from_fn_with_state(state, dev_clock_date))
    } else {
        routes
    }
}

/// With the development clock on, every response's `Date` is the service's time, so
/// a client that judges time by it (the web app's 24 h edit window) sees the clock
/// the service runs on.
async fn dev_clock_date(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let date = state
        .clock
        .now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    if let Ok(v) = header::HeaderValue::from_str(&date) {
        resp.headers_mut().insert(header::DATE, v);
    }
    resp
}

/// Marks the response the panic handler built.
#[derive(Debug, Clone, Copy)]
struct Panicked;

/// Panics → 500 in the contract's body; gRPC callers get INTERNAL instead.
fn catch_panics(routes: Router) -> Router {
    routes
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                let mut r = ApiError::internal("handler panicked").into_response();
                r.extensions_mut().insert(Panicked);
                r
            },
        ))
        .layer(middleware::from_fn(panic_in_protocol))
}

/// A panic answers in the caller's protocol too: gRPC callers get INTERNAL, not
/// the REST body.
async fn panic_in_protocol(req: Request, next: Next) -> Response {
    let grpc = crate::grpc::is_grpc(req.headers());
    let resp = next.run(req).await;
    if grpc && resp.extensions().get::<Panicked>().is_some() {
        return crate::grpc::error_response(ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side",
        ));
    }
    resp
}

/// An error raised by the middleware, in the caller's protocol: the contract's JSON
/// body for REST, a gRPC status (same mapping as the gRPC methods) for gRPC.
fn reject(grpc: bool, e: ApiError) -> Response {
    if grpc {
        crate::grpc::error_response(e)
    } else {
        e.into_response()
    }
}

/// The request's id: the caller's `x-request-id` when it is sane, else a fresh one.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

const REQUEST_ID: &str = "x-request-id";

/// Header fields a request may carry (HTTP/1.1 connections parse up to
/// `serve::PARSED_HEADERS`, so a request between the two gets this answer).
pub const MAX_HEADERS: usize = 100;

fn request_id_of(headers: &axum::http::HeaderMap) -> String {
    let given = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()));
    match given {
        Some(v) => v.to_string(),
        None => {
            let mut bytes = [0u8; 16];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
            hex::encode(bytes)
        }
    }
}

/// Gives every request an id: on its log span (so every line logged while serving it
/// carries it) and echoed in the response (headers; for gRPC, response metadata).
async fn request_id(mut req: Request, next: Next) -> Response {
    use tracing::Instrument;
    if req.headers().len() > MAX_HEADERS {
        // hyper would refuse far more with a bare 431; from here it is the contract's.
        let e = ApiError::new(
            axum::http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "too_many_headers",
            format!("a request may carry at most {MAX_HEADERS} header fields"),
        )
        .with_details(serde_json::json!({ "max_headers": MAX_HEADERS }));
        return reject(crate::grpc::is_grpc(req.headers()), e);
    }
    let id = request_id_of(req.headers());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut resp = next.run(req).instrument(span.clone()).await;
    span.in_scope(|| tracing::debug!(status = resp.status().as_u16(), "served"));
    if let Ok(mut v) = axum::http::HeaderValue::from_str(&id) {
        // A fresh value per response: HTTP/2's HPACK would add each to the
        // connection's header table (evicting the entries every response repeats,
        // such as `content-type` and `grpc-status`); marked sensitive, it is sent
        // as a literal that is never indexed. HTTP/1.1 writes it the same either way.
        v.set_sensitive(true);
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    resp
}

/// A gRPC call for a service this server does not have answers UNIMPLEMENTED
/// (without this it would reach the web UI's fallback: HTTP 200 text/html). A
/// request that does not speak gRPC to a gRPC method's path gets the contract's
/// error (the gRPC server would answer a bare 400): 405 for another method than
/// POST, else 415.
async fn unknown_grpc_service(req: Request, next: Next) -> Response {
    let grpc = crate::grpc::is_grpc(req.headers());
    let known = crate::grpc::is_known_service(req.uri().path());
    if grpc && !known {
        return crate::grpc::unimplemented_response(req.uri().path());
    }
    if !grpc && known {
        if req.method() != axum::http::Method::POST {
            let mut resp = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "gRPC methods are called with POST",
            )
            .into_response();
            resp.headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
            return resp;
        }
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "gRPC methods take application/grpc or application/grpc-web requests",
        )
        .into_response();
    }
    next.run(req).await
}

/// Resolves a bearer token once for REST and gRPC: the `Auth` extension the REST
/// extractor and the gRPC methods read. A missing or unknown token is left to the
/// operation (some need none); an error here is retried, and reported, there.
async fn authenticate(
    State(state): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(token) = bearer_token(req.headers())
        && let Ok(Some(player_id)) = state.hot.token_player(token).await
    {
        req.extensions_mut()
            .insert(crate::extract::Auth { player_id });
    }
    next.run(req).await
}

/// What no route took: `/api` itself and anything under `/api/` is the API's 404;
/// the web UI only reads (GET and HEAD; any other method is 405 naming those); a
/// missing build asset is 404 (any other path is a page of the single-page app).
async fn web_or_error(
    csp: Arc<str>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::not_found("route").into_response();
    }
    if method != axum::http::Method::GET && method != axum::http::Method::HEAD {
        let mut resp = ApiError::new(
            axum::http::StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "the web app's pages and files can only be read (GET, HEAD)",
        )
        .into_response();
        resp.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
        return resp;
    }
    web::serve(csp, uri, headers).await
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("route")
}

/// Error responses under `/api/` and of the ops routes that `ApiError` did not build
/// (the router's 405, the path and query extractors' rejections) get the contract's
/// error body; their other headers (such as `Allow`) stay.
async fn envelope(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let api = path.starts_with("/api/") || matches!(path, "/healthz" | "/readyz" | "/metrics");
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

/// The `method` label: the standard methods by name, anything else as `other` (a
/// client's made-up method must not add a series per name).
fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Request counts and latencies: REST by route, gRPC by method (`/shonen.v1.Shonen/
/// GetMe`) and status code (as sent in the response headers: a failed call's code;
/// a streamed reply counts as OK when it starts).
async fn track(req: Request, next: Next) -> Response {
    let grpc = crate::grpc::is_grpc(req.headers());
    let route = if grpc {
        req.uri().path().to_string()
    } else {
        req.extensions()
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "unmatched".into())
    };
    let method = method_label(req.method());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let elapsed = started.elapsed().as_secs_f64();
    if grpc {
        let code = resp
            .headers()
            .get("grpc-status")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i32>().ok())
            .map_or(tonic::Code::Ok, tonic::Code::from);
        // Unknown methods share one label, so callers cannot grow the series.
        let method = if code == tonic::Code::Unimplemented {
            "unknown".to_string()
        } else {
            route
        };
        let code = format!("{code:?}");
        metrics::counter!("shonen_grpc_requests_total", "method" => method.clone(), "code" => code)
            .increment(1);
        metrics::histogram!("shonen_grpc_request_seconds", "method" => method).record(elapsed);
        return resp;
    }
    let status = resp.status().as_u16().to_string();
    metrics::counter!("shonen_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("shonen_http_request_seconds", "route" => route, "method" => method)
        .record(elapsed);
    resp
}

/// Per-client-address and per-token request budgets, shared by REST and gRPC (one
/// counter per address and per token, whichever protocol the calls use).
async fn rate_limit(
    State(state): State<Arc<AppState>>,
    client: ClientIp,
    req: Request,
    next: Next,
) -> Response {
    // Probes are never refused: a load balancer or orchestrator polling from an
    // address that is over its budget must still see whether the process is alive
    // and ready (503 when it is not), never 429.
    if matches!(req.uri().path(), "/healthz" | "/readyz") {
        return next.run(req).await;
    }
    let per_minute = state.config.rate_limit_per_minute;
    let grpc = crate::grpc::is_grpc(req.headers());
    if let Err(e) = state
        .limiter
        .check(&format!("ip:{}", client.budget()), per_minute)
    {
        return reject(grpc, e);
    }
    if let Some(token) = bearer_token(req.headers())
        && let Err(e) = state.limiter.check(&format!("token:{token}"), per_minute)
    {
        return reject(grpc, e);
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    async fn boom() -> &'static str {
        panic!("a handler bug")
    }

    fn call(content_type: &str) -> Request {
        Request::builder()
            .method("POST")
            .uri("/boom")
            .header(header::CONTENT_TYPE, content_type)
            .body(axum::body::Body::empty())
            .unwrap()
    }

    #[tokio::test]
    async fn a_panic_answers_in_the_callers_protocol() {
        let app = catch_panics(Router::new().route("/boom", axum::routing::post(boom)));
        let rest = app.clone().oneshot(call("application/json")).await.unwrap();
        assert_eq!(rest.status(), 500);
        let body = axum::body::to_bytes(rest.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "internal");

        let grpc = app.oneshot(call("application/grpc")).await.unwrap();
        assert_eq!(grpc.status(), 200, "gRPC errors travel in grpc-status");
        assert_eq!(grpc.headers()["grpc-status"], "13");
    }
}
