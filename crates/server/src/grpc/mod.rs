//! The gRPC face of the API (package `shonen.v1`, `proto/shonen/v1/shonen.proto`),
//! served on the same port as REST, behind the same middleware (request id, metrics,
//! rate limits, authentication: see `http::router`).
//!
//! Each method calls the same capability (accounts, duels, leaderboards) or handler
//! as its REST twin and converts the result (`convert`), so the two protocols cannot
//! disagree on rules, validation or results; errors go through one mapping per error
//! type (`status`).
//! Alongside: the event stream (`subscribe`), `grpc.health.v1` following readiness
//! (`health`), server reflection v1 and v1alpha, and gRPC-Web for browsers.

mod convert;
mod dashboard;
mod health;
pub mod status;
mod subscribe;
mod typed;

use crate::accounts::ReclassifyInput;
use crate::duels::{DuelId, ListQuery};
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::idempotency::{self, Keyed, Outcome};
use crate::leaderboards::{BoardQuery, Source};
use crate::progress::PageQuery;
use crate::request::ClientIp;
use crate::state::AppState;
use axum::Json;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, header};
use convert::{body, input, json_input, message, reply, typed_reply};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use status::status;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tonic::server::NamedService;
use tonic::{Request, Response, Status};

pub mod proto {
    tonic::include_proto!("shonen.v1");
    pub use super::dashboard::Dashboard;
}

const DESCRIPTOR: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/shonen_descriptor.bin"));

/// The largest message a client may send: an image (5 MiB, checked by the same code
/// as REST's image routes) plus its envelope. tonic refuses a larger one before any
/// handler runs; `SizedMessages` turns that refusal into the contract's answer.
const MAX_MESSAGE_BYTES: usize = 5 * 1024 * 1024 + 64 * 1024;

/// The API service, whose refusal of too large a message answers like every other
/// error: RESOURCE_EXHAUSTED (REST's 413 `body_too_large`) with `google.rpc` details,
/// where tonic answers OUT_OF_RANGE with none.
#[derive(Clone)]
struct SizedMessages<S>(S);

impl<S: NamedService> NamedService for SizedMessages<S> {
    const NAME: &'static str = S::NAME;
}

type Answer<E> = Result<axum::http::Response<tonic::body::Body>, E>;

impl<S, B> tower::Service<axum::http::Request<B>> for SizedMessages<S>
where
    S: tower::Service<axum::http::Request<B>, Response = axum::http::Response<tonic::body::Body>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = futures_util::future::Map<S::Future, fn(Answer<S::Error>) -> Answer<S::Error>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        use futures_util::FutureExt;
        self.0
            .call(req)
            .map(|answer| answer.map(refusals_as_contract_errors) as Answer<S::Error>)
    }
}

/// tonic's own refusals (status in the headers of a trailers-only answer) as the
/// contract's errors: "decoded message length too large" (OUT_OF_RANGE) is
/// RESOURCE_EXHAUSTED, a message that does not decode (INTERNAL) is INVALID_ARGUMENT
/// (REST's 400 for a body that does not parse), an unknown method of the service
/// (UNIMPLEMENTED, bare) gets its details; any other answer as it is.
fn refusals_as_contract_errors(
    resp: axum::http::Response<tonic::body::Body>,
) -> axum::http::Response<tonic::body::Body> {
    let header = |name: &str| resp.headers().get(name).map(|v| v.as_bytes());
    // `grpc-message` is percent-encoded (spaces are `%20`).
    let says = |text: &str| {
        header("grpc-message").is_some_and(|m| {
            String::from_utf8_lossy(m)
                .replace("%20", " ")
                .contains(text)
        })
    };
    match header("grpc-status") {
        Some(b"12") if header("grpc-status-details-bin").is_none() => {
            let service = <ShonenServer<GrpcApi> as NamedService>::NAME;
            return status::unimplemented(&format!("a method of {service} by that name"))
                .into_http();
        }
        Some(b"13") if says("failed to decode Protobuf message") => {
            return status(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "malformed_message",
                "the request message is not a valid protobuf encoding of its type",
            ))
            .into_http();
        }
        Some(b"11") if says("message length too large") => {}
        _ => return resp,
    }
    status(
        ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the message is larger than {MAX_MESSAGE_BYTES} bytes (images: at most 5 MiB)"),
        )
        .with_details(json!({ "max_bytes": MAX_MESSAGE_BYTES })),
    )
    .into_http()
}

/// The `idempotency-key` metadata entry of a call (a retry names its attempt as
/// REST's `Idempotency-Key` header does); a malformed one is INVALID_ARGUMENT.
fn idempotency_key(metadata: &tonic::metadata::MetadataMap) -> Result<Option<String>, Status> {
    match metadata.get("idempotency-key").map(|v| v.to_str()) {
        None => Ok(None),
        Some(Ok(key)) if !key.is_empty() && key.len() <= 200 => Ok(Some(key.to_string())),
        Some(_) => Err(status(ApiError::validation(
            "idempotency-key",
            "invalid_idempotency_key",
            "idempotency-key must be 1–200 visible ASCII characters",
        ))),
    }
}

use proto::shonen_server::{Shonen, ShonenServer};

pub struct GrpcApi {
    state: Arc<AppState>,
    dashboards: dashboard::PartsMemo,
}

/// The gRPC services (API, health, reflection v1 and v1alpha), each also speaking
/// gRPC-Web, as an axum router to merge with REST.
pub fn router(state: Arc<AppState>) -> axum::Router {
    let web = tonic_web::GrpcWebLayer::new();
    use tower::Layer;
    let api = SizedMessages(
        ShonenServer::new(GrpcApi {
            state: state.clone(),
            dashboards: dashboard::PartsMemo::default(),
        })
        .max_decoding_message_size(MAX_MESSAGE_BYTES),
    );
    let mut routes =
        tonic::service::Routes::new(web.layer(api)).add_service(web.layer(health::service(&state)));
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(DESCRIPTOR)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
    match reflection.build_v1() {
        Ok(v1) => routes = routes.add_service(web.layer(v1)),
        Err(e) => tracing::error!(error = %e, "gRPC reflection v1 unavailable"),
    }
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(DESCRIPTOR)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
    match reflection.build_v1alpha() {
        Ok(v1alpha) => routes = routes.add_service(web.layer(v1alpha)),
        Err(e) => tracing::error!(error = %e, "gRPC reflection v1alpha unavailable"),
    }
    routes.into_axum_router()
}

/// The gRPC services this server offers (as `/<name>/<method>` paths).
const SERVICES: [&str; 4] = [
    <ShonenServer<GrpcApi> as NamedService>::NAME,
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

/// Whether a request speaks gRPC (or gRPC-Web).
pub fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}

/// Whether the request names a method (`/<service>/<method>`) of a service this
/// server has (else it is UNIMPLEMENTED, never the web UI).
pub fn is_known_service(path: &str) -> bool {
    let mut parts = path.strip_prefix('/').unwrap_or(path).split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(service), Some(method), None) => !method.is_empty() && SERVICES.contains(&service),
        _ => false,
    }
}

/// A contract error as a gRPC response (trailers-only, status in the headers).
pub fn error_response(e: ApiError) -> axum::response::Response {
    status(e).into_http::<axum::body::Body>()
}

/// UNIMPLEMENTED for a service this server does not have.
pub fn unimplemented_response(path: &str) -> axum::response::Response {
    status::unimplemented(path).into_http::<axum::body::Body>()
}

impl GrpcApi {
    /// The caller, resolved by the shared authentication middleware (or, if that
    /// could not answer, resolved here the same way REST's extractor does).
    async fn auth<T>(&self, req: &Request<T>) -> Result<Auth, Status> {
        if let Some(auth) = req.extensions().get::<Auth>() {
            return Ok(*auth);
        }
        let token = bearer(req).ok_or_else(|| status(ApiError::unauthorized()))?;
        let player_id = self
            .state
            .hot
            .token_player(token)
            .await
            .map_err(status)?
            .ok_or_else(|| status(ApiError::unauthorized()))?;
        Ok(Auth { player_id })
    }

    /// The caller's `player`, as REST's account routes answer.
    async fn player(&self, auth: Auth) -> Result<Response<proto::Player>, Status> {
        let player = self
            .state
            .players
            .player_view(auth.player_id)
            .await
            .map_err(status)?;
        Ok(Response::new(player.into()))
    }
}

/// A call's answer as its REST twin gives it (status and JSON body), to be recorded
/// under the call's idempotency key; a refusal keeps its error as well.
struct Recorded {
    status: u16,
    body: Vec<u8>,
    error: Option<ApiError>,
}

impl idempotency::Answer for Recorded {
    fn status(&self) -> u16 {
        self.status
    }
    fn body(&self) -> &[u8] {
        &self.body
    }
}

impl Recorded {
    fn of<T: Serialize>(result: Result<(u16, T), ApiError>) -> Result<Recorded, ApiError> {
        match result {
            Ok((status, value)) => Ok(Recorded {
                status,
                body: serde_json::to_vec(&value).map_err(ApiError::internal)?,
                error: None,
            }),
            Err(e) => Ok(Recorded {
                status: e.status.as_u16(),
                body: e.body().to_string().into_bytes(),
                error: Some(e),
            }),
        }
    }
}

/// A recorded (or fresh) JSON answer as the method's message.
fn from_json<P: DeserializeOwned>(body: &[u8]) -> Result<Response<P>, Status> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| status(ApiError::internal(format!("{e}"))))?;
    message(v).map(Response::new)
}

impl GrpcApi {
    /// A call that creates something, run once per `idempotency-key` (REST's
    /// `Idempotency-Key`): recognised as its REST twin, the route `path` with the
    /// JSON body `sent` (`null`: none), so a key is one request in either protocol.
    /// Without a key it just runs.
    async fn once<P, T>(
        &self,
        metadata: &tonic::metadata::MetadataMap,
        player: Option<i64>,
        path: &str,
        sent: &Value,
        run: impl Future<Output = Result<(u16, T), ApiError>>,
    ) -> Result<Response<P>, Status>
    where
        P: DeserializeOwned,
        T: Serialize,
    {
        let Some(key) = idempotency_key(metadata)? else {
            return match run.await {
                Ok((_, value)) => message(value).map(Response::new),
                Err(e) => Err(status(e)),
            };
        };
        let body = match sent {
            Value::Null => Vec::new(),
            v => serde_json::to_vec(v).map_err(|e| status(ApiError::internal(e)))?,
        };
        let keyed = Keyed::new(&self.state, player, key, path, body);
        match idempotency::once(keyed, async { Recorded::of(run.await) }).await {
            Outcome::Ran(Recorded { error: Some(e), .. }) => Err(status(e)),
            Outcome::Ran(fresh) => from_json(&fresh.body),
            Outcome::Replayed { status: code, body } if (200..300).contains(&code) => {
                from_json(body.as_bytes())
            }
            Outcome::Replayed { status: code, body } => {
                Err(status(ApiError::recorded(code, &body)))
            }
            // The key is named as this protocol carries it.
            Outcome::Refused(mut e) => {
                if e.details["field"] == "Idempotency-Key" {
                    e.details["field"] = "idempotency-key".into();
                }
                Err(status(e))
            }
        }
    }
}

impl GrpcApi {
    /// AcceptDuel (`accept`) or DeclineDuel: the caller's answer to a challenge, run
    /// once per key as its REST twin (`POST /api/v1/duels/{id}/accept|decline`).
    async fn answer_duel(
        &self,
        req: Request<proto::DuelRequest>,
        accept: bool,
    ) -> Result<Response<proto::Duel>, Status> {
        let auth = self.auth(&req).await?;
        let id = DuelId::from(req.get_ref().id);
        let duels = &self.state.duels;
        let run = async {
            Ok::<_, ApiError>(if accept {
                (202, duels.accept(auth.player_id, id).await?)
            } else {
                (200, duels.decline(auth.player_id, id).await?)
            })
        };
        let verb = if accept { "accept" } else { "decline" };
        let path = format!("{}/{}/{verb}", idempotency::DUELS, id.get());
        self.once(
            req.metadata(),
            Some(auth.player_id),
            &path,
            &Value::Null,
            run,
        )
        .await
    }
}

/// The bearer token of the `authorization` metadata entry.
fn bearer<T>(req: &Request<T>) -> Option<&str> {
    req.metadata()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(crate::extract::bearer_of)
}

/// The client's address as the REST handlers see it: worked out by the shared rate
/// limit middleware (peer, or `X-Forwarded-For` from a trusted proxy).
fn client_ip<T>(req: &Request<T>) -> ClientIp {
    req.extensions()
        .get::<ClientIp>()
        .copied()
        .unwrap_or_else(|| {
            let peer = req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
                .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
            ClientIp(peer)
        })
}

/// An id taken from a path in REST, given here as a number.
fn opt_string(n: Option<i64>) -> Option<String> {
    n.map(|n| n.to_string())
}

/// A page's `limit` and `before`, read as REST reads its query parameters.
fn page_query(limit: Option<i64>, before: Option<i64>) -> Result<PageQuery, Status> {
    PageQuery::parse(opt_string(limit).as_deref(), opt_string(before).as_deref())
        .map_err(status::progress)
}

type EventStream = subscribe::EventStream;

#[tonic::async_trait]
impl Shonen for GrpcApi {
    async fn register(
        &self,
        req: Request<proto::RegisterRequest>,
    ) -> Result<Response<proto::AuthReply>, Status> {
        let sent = body(req.get_ref())?;
        let ApiJson(input) = json_input(sent.clone())?;
        let state = &self.state;
        let address = client_ip(&req).budget();
        let run = async {
            let signed = state
                .accounts
                .register(input, &address, state.config.registrations_per_hour)
                .await?;
            state.players.after_commit(&signed.player).await;
            Ok::<_, ApiError>((201, state.players.signed_in_view(signed).await?))
        };
        self.once(req.metadata(), None, idempotency::REGISTER, &sent, run)
            .await
    }

    async fn login(
        &self,
        req: Request<proto::LoginRequest>,
    ) -> Result<Response<proto::AuthReply>, Status> {
        let ApiJson(body) = input(req.get_ref())?;
        let state = &self.state;
        let per_minute = state.config.login_attempts_per_minute;
        let key = format!("login-ip:{}", client_ip(&req).budget());
        state.limiter.check(&key, per_minute * 5).map_err(status)?;
        let signed = state
            .accounts
            .login(body, per_minute)
            .await
            .map_err(status::accounts)?;
        // Only failed logins use the address's budget.
        state.limiter.refund(&key);
        message(state.players.signed_in_view(signed).await.map_err(status)?).map(Response::new)
    }

    async fn logout(
        &self,
        req: Request<proto::LogoutRequest>,
    ) -> Result<Response<proto::LogoutReply>, Status> {
        self.auth(&req).await?;
        let token = bearer(&req).ok_or_else(|| status(ApiError::unauthorized()))?;
        self.state
            .accounts
            .logout(token)
            .await
            .map_err(status::accounts)?;
        self.state
            .hot
            .token_revoked(&self.state.events, token)
            .await;
        Ok(Response::new(proto::LogoutReply {}))
    }

    async fn get_me(
        &self,
        req: Request<proto::GetMeRequest>,
    ) -> Result<Response<proto::Player>, Status> {
        let auth = self.auth(&req).await?;
        self.player(auth).await
    }

    async fn update_settings(
        &self,
        req: Request<proto::UpdateSettingsRequest>,
    ) -> Result<Response<proto::Player>, Status> {
        let auth = self.auth(&req).await?;
        let r = req.get_ref();
        // As PATCH /me: `training_days` is an array when set.
        let mut v = body(r)?;
        if let Some(days) = &r.training_days {
            v["training_days"] = json!(days.days);
        }
        let ApiJson(settings) = json_input(v)?;
        self.state
            .accounts
            .update_settings(auth.player_id, settings)
            .await
            .map_err(status::accounts)?;
        self.state
            .players
            .player_changed(auth.player_id, None)
            .await
            .map_err(status)?;
        self.player(auth).await
    }

    async fn reclassify(
        &self,
        req: Request<proto::ReclassifyRequest>,
    ) -> Result<Response<proto::Player>, Status> {
        let auth = self.auth(&req).await?;
        let ApiJson(ReclassifyInput { goals }) = input(req.get_ref())?;
        let done = self
            .state
            .accounts
            .reclassify(auth.player_id, goals)
            .await
            .map_err(status::accounts)?;
        self.state
            .players
            .player_changed(auth.player_id, Some(&done.previous_class))
            .await
            .map_err(status)?;
        self.player(auth).await
    }

    async fn set_avatar(
        &self,
        req: Request<proto::SetAvatarRequest>,
    ) -> Result<Response<proto::AvatarReply>, Status> {
        let auth = self.auth(&req).await?;
        let bytes = req.into_inner().image;
        reply(Json(
            self.state
                .media
                .set_avatar(auth.player_id, bytes.into())
                .await
                .map_err(status::media)?,
        ))
    }

    async fn log_activity(
        &self,
        req: Request<proto::LogActivityRequest>,
    ) -> Result<Response<proto::ActivityReply>, Status> {
        let auth = self.auth(&req).await?;
        let r = req.get_ref();
        // The hot path: a valid request becomes the REST body directly; anything
        // else goes through the REST parser for the same error.
        let ApiJson(body) = match typed::activity_body(r) {
            Some(b) => ApiJson(b),
            None => {
                let mut v = body(r)?;
                // `sets` is absent, not empty, when none are given.
                if r.sets.is_empty()
                    && let Some(map) = v.as_object_mut()
                {
                    map.remove("sets");
                }
                json_input(v)?
            }
        };
        // A retry names its attempt as REST's `Idempotency-Key` does: in metadata.
        let activities = self.state.activities();
        let answer = match idempotency_key(req.metadata())? {
            None => activities.log(auth.player_id, body, None).await,
            Some(key) => activities.log_once(auth.player_id, body, key).await,
        };
        typed_reply(Json(answer.map_err(status)?))
    }

    async fn get_activity(
        &self,
        req: Request<proto::GetActivityRequest>,
    ) -> Result<Response<proto::ActivityReply>, Status> {
        let auth = self.auth(&req).await?;
        let id = req.get_ref().id;
        typed_reply(Json(
            self.state
                .activities()
                .show(auth.player_id, id)
                .await
                .map_err(status)?,
        ))
    }

    async fn list_activities(
        &self,
        req: Request<proto::ListActivitiesRequest>,
    ) -> Result<Response<proto::ActivityPage>, Status> {
        let auth = self.auth(&req).await?;
        let r = req.get_ref();
        let q = page_query(r.limit, r.before)?;
        reply(Json(
            self.state
                .activities()
                .page(auth.player_id, q)
                .await
                .map_err(status)?,
        ))
    }

    async fn edit_activity(
        &self,
        req: Request<proto::EditActivityRequest>,
    ) -> Result<Response<proto::ActivityReply>, Status> {
        let auth = self.auth(&req).await?;
        let r = req.get_ref();
        let mut v = body(r)?;
        if let Some(map) = v.as_object_mut() {
            map.remove("id");
            if r.sets.is_empty() {
                map.remove("sets");
            }
        }
        let ApiJson(edit) = json_input(v)?;
        typed_reply(Json(
            self.state
                .activities()
                .edit(auth.player_id, r.id, edit)
                .await
                .map_err(status)?,
        ))
    }

    async fn add_photo(
        &self,
        req: Request<proto::AddPhotoRequest>,
    ) -> Result<Response<proto::PhotoReply>, Status> {
        let auth = self.auth(&req).await?;
        // A retry names its upload as REST's `Idempotency-Key` does: one photo.
        let key = idempotency_key(req.metadata())?;
        let r = req.into_inner();
        reply(Json(
            self.state
                .media
                .add_photo(
                    auth.player_id,
                    r.activity_id,
                    r.image.into(),
                    key.as_deref(),
                )
                .await
                .map_err(status::media)?,
        ))
    }

    async fn get_dashboard(
        &self,
        req: Request<proto::GetDashboardRequest>,
    ) -> Result<Response<proto::Dashboard>, Status> {
        let auth = self.auth(&req).await?;
        dashboard::get(&self.state, &self.dashboards, auth.player_id)
            .await
            .map(Response::new)
    }

    async fn get_ledger(
        &self,
        req: Request<proto::GetLedgerRequest>,
    ) -> Result<Response<proto::LedgerPage>, Status> {
        let auth = self.auth(&req).await?;
        let r = req.get_ref();
        let ledger = self
            .state
            .progress
            .ledger(auth.player_id, page_query(r.limit, r.before)?)
            .await
            .map_err(status::progress)?;
        message(ledger).map(Response::new)
    }

    async fn get_leaderboard(
        &self,
        req: Request<proto::GetLeaderboardRequest>,
    ) -> Result<Response<proto::Leaderboard>, Status> {
        let auth = self.auth(&req).await?;
        let r = req.get_ref();
        body(r)?;
        let query = BoardQuery {
            scope: r.scope.clone(),
            class: r.class.clone(),
            limit: opt_string(r.limit),
        };
        let page = self
            .state
            .leaderboards
            .page(auth.player_id, &query)
            .await
            .map_err(status::leaderboards)?;
        // As REST: a page from the cache means it answers again.
        if page.source == Source::Cache {
            self.state.players.repair().await;
        }
        message(page).map(Response::new)
    }

    async fn get_profile(
        &self,
        req: Request<proto::GetProfileRequest>,
    ) -> Result<Response<proto::PublicProfile>, Status> {
        self.auth(&req).await?;
        body(req.get_ref())?;
        let username = req.into_inner().username;
        reply(Json(
            self.state
                .dashboards()
                .profile(&username)
                .await
                .map_err(status)?,
        ))
    }

    async fn create_duel(
        &self,
        req: Request<proto::CreateDuelRequest>,
    ) -> Result<Response<proto::Duel>, Status> {
        let auth = self.auth(&req).await?;
        let sent = body(req.get_ref())?;
        let ApiJson(input) = json_input(sent.clone())?;
        let run = async {
            let made = self.state.duels.challenge(auth.player_id, input).await?;
            self.state.events.after_challenge(&made);
            Ok::<_, ApiError>((201, made.duel))
        };
        self.once(
            req.metadata(),
            Some(auth.player_id),
            idempotency::DUELS,
            &sent,
            run,
        )
        .await
    }

    async fn list_duels(
        &self,
        req: Request<proto::ListDuelsRequest>,
    ) -> Result<Response<proto::DuelList>, Status> {
        let auth = self.auth(&req).await?;
        body(req.get_ref())?;
        let query = ListQuery {
            status: req.into_inner().status,
        };
        let list = self
            .state
            .duels
            .list(auth.player_id, query)
            .await
            .map_err(status::duels)?;
        message(list).map(Response::new)
    }

    async fn get_duel(
        &self,
        req: Request<proto::DuelRequest>,
    ) -> Result<Response<proto::Duel>, Status> {
        let auth = self.auth(&req).await?;
        let id = DuelId::from(req.get_ref().id);
        let duel = self
            .state
            .duels
            .view(auth.player_id, id)
            .await
            .map_err(status::duels)?;
        message(duel).map(Response::new)
    }

    async fn accept_duel(
        &self,
        req: Request<proto::DuelRequest>,
    ) -> Result<Response<proto::Duel>, Status> {
        self.answer_duel(req, true).await
    }

    async fn decline_duel(
        &self,
        req: Request<proto::DuelRequest>,
    ) -> Result<Response<proto::Duel>, Status> {
        self.answer_duel(req, false).await
    }

    async fn get_duel_replay(
        &self,
        req: Request<proto::DuelRequest>,
    ) -> Result<Response<proto::DuelReplay>, Status> {
        let auth = self.auth(&req).await?;
        let id = DuelId::from(req.get_ref().id);
        let bytes = self
            .state
            .duels
            .replay(auth.player_id, id)
            .await
            .map_err(status::duels)?;
        let replay: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| status(ApiError::internal(format!("a replay is not JSON: {e}"))))?;
        message(replay).map(Response::new)
    }

    async fn get_boss(
        &self,
        req: Request<proto::GetBossRequest>,
    ) -> Result<Response<proto::Boss>, Status> {
        let auth = self.auth(&req).await?;
        let boss = self
            .state
            .progress
            .boss_page(auth.player_id)
            .await
            .map_err(status::progress)?;
        Ok(Response::new(boss.into()))
    }

    async fn get_boss_history(
        &self,
        req: Request<proto::GetBossHistoryRequest>,
    ) -> Result<Response<proto::BossHistory>, Status> {
        let auth = self.auth(&req).await?;
        let history = self
            .state
            .progress
            .boss_history(auth.player_id)
            .await
            .map_err(status::progress)?;
        message(history).map(Response::new)
    }

    type SubscribeStream = EventStream;

    async fn subscribe(
        &self,
        req: Request<proto::SubscribeRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let token = bearer(&req).ok_or_else(|| status(ApiError::unauthorized()))?;
        let since = req.get_ref().since;
        subscribe::stream(&self.state, token, since)
            .await
            .map(Response::new)
    }
}
