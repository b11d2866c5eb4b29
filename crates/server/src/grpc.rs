//! The gRPC face of the API (package `shonen.v1`, `proto/shonen/v1/shonen.proto`),
//! served on the same port as REST with server reflection. Each method calls the
//! same handler as its REST twin and translates the result, so the two cannot
//! disagree on rules or validation.

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::http::{accounts, activities, progress};
use axum::extract::{Path, Query, State};
use serde_json::Value;
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub mod proto {
    tonic::include_proto!("shonen.v1");
}

const DESCRIPTOR: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/shonen_descriptor.bin"));

use proto::shonen_server::{Shonen, ShonenServer};

pub struct GrpcApi {
    state: Arc<AppState>,
}

/// The gRPC services (API and reflection) as an axum router to merge with REST.
pub fn router(state: Arc<AppState>) -> axum::Router {
    let mut routes = tonic::service::Routes::new(ShonenServer::new(GrpcApi { state }));
    match tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(DESCRIPTOR)
        .build_v1()
    {
        Ok(reflection) => routes = routes.add_service(reflection),
        Err(e) => tracing::error!(error = %e, "gRPC reflection unavailable"),
    }
    routes.into_axum_router()
}

/// Contract errors as gRPC statuses; the message keeps the contract's code and the
/// offending field.
fn status(e: ApiError) -> Status {
    let field = e.details.get("field").and_then(Value::as_str).unwrap_or("");
    let message = if field.is_empty() {
        format!("{}: {}", e.code, e.message)
    } else {
        format!("{}: {} (field {field})", e.code, e.message)
    };
    match e.status.as_u16() {
        400 | 413 | 422 => Status::invalid_argument(message),
        401 => Status::unauthenticated(message),
        404 => Status::not_found(message),
        409 => Status::failed_precondition(message),
        429 => Status::resource_exhausted(message),
        _ => Status::internal(message),
    }
}

impl GrpcApi {
    async fn auth<T>(&self, req: &Request<T>) -> Result<Auth, Status> {
        let token = req
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .ok_or_else(|| status(ApiError::unauthorized()))?;
        let player_id = self
            .state
            .accounts
            .player_for_token(token.trim())
            .await
            .map_err(status)?
            .ok_or_else(|| status(ApiError::unauthorized()))?;
        Ok(Auth { player_id })
    }

    fn state(&self) -> State<Arc<AppState>> {
        State(self.state.clone())
    }
}

/// Re-reads a JSON document as the request type the REST handler takes.
fn from_json<T: serde::de::DeserializeOwned>(v: Value) -> Result<ApiJson<T>, Status> {
    crate::extract::parse_json(v.to_string().as_bytes())
        .map(ApiJson)
        .map_err(status)
}

/// A typed result as JSON, for the field readers below.
fn json_of<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn s(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}
fn i(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or_default()
}
fn u(v: &Value, k: &str) -> u32 {
    u32::try_from(i(v, k)).unwrap_or_default()
}
fn f(v: &Value, k: &str) -> Option<f64> {
    v.get(k).and_then(Value::as_f64)
}
fn opt_s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}
fn arr<'a>(v: &'a Value, k: &str) -> impl Iterator<Item = &'a Value> {
    v.get(k).and_then(Value::as_array).into_iter().flatten()
}

fn stats(v: &Value) -> proto::Stats {
    proto::Stats {
        strength: i(v, "strength"),
        agility: i(v, "agility"),
        intelligence: i(v, "intelligence"),
        fighting: i(v, "fighting"),
        discipline: i(v, "discipline"),
    }
}

fn buffs(v: &Value) -> Vec<proto::Buff> {
    arr(v, "buffs")
        .map(|b| proto::Buff {
            name: s(b, "name"),
            multiplier: f(b, "multiplier").unwrap_or(1.0),
            expires_at: s(b, "expires_at"),
        })
        .collect()
}

fn player(v: &Value) -> proto::Player {
    proto::Player {
        id: i(v, "id"),
        username: s(v, "username"),
        class: s(v, "class"),
        level: u(v, "level"),
        title: s(v, "title"),
        total_xp: i(v, "total_xp"),
        xp_into_level: i(v, "xp_into_level"),
        xp_for_next_level: i(v, "xp_for_next_level"),
        stats: v.get("stats").map(stats),
        fatigue: u(v, "fatigue"),
        streak: u(v, "streak"),
        buffs: buffs(v),
        skills: arr(v, "skills")
            .map(|k| proto::SkillStatus {
                name: s(k, "name"),
                level: u(k, "level"),
                active: k.get("active").and_then(Value::as_bool).unwrap_or(false),
            })
            .collect(),
        plot_armor_charges: u(v, "plot_armor_charges"),
        timezone: s(v, "timezone"),
        training_days: arr(v, "training_days")
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        weekly_goal: i(v, "weekly_goal"),
        wake_target: s(v, "wake_target"),
        avatar_url: opt_s(v, "avatar_url"),
    }
}

fn sets(v: &Value) -> Vec<proto::Set> {
    arr(v, "sets")
        .map(|x| proto::Set {
            exercise: s(x, "exercise"),
            weight_kg: f(x, "weight_kg").unwrap_or_default(),
            reps: u(x, "reps"),
        })
        .collect()
}

fn activity(v: &Value) -> proto::Activity {
    proto::Activity {
        id: i(v, "id"),
        kind: s(v, "kind"),
        occurred_at: s(v, "occurred_at"),
        local_date: s(v, "local_date"),
        xp: i(v, "xp"),
        stat: s(v, "stat"),
        edited: v.get("edited").and_then(Value::as_bool).unwrap_or(false),
        duration_min: f(v, "duration_min"),
        distance_km: f(v, "distance_km"),
        sets: sets(v),
        style: opt_s(v, "style"),
        woke_at: opt_s(v, "woke_at"),
        note: opt_s(v, "note"),
    }
}

fn award(v: &Value) -> proto::Award {
    proto::Award {
        stat: s(v, "stat"),
        base: f(v, "base").unwrap_or_default(),
        r#final: i(v, "final"),
        factors: arr(v, "factors")
            .map(|x| proto::Factor {
                name: s(x, "name"),
                value: f(x, "value").unwrap_or(1.0),
                stage: s(x, "stage"),
            })
            .collect(),
        capped: v.get("capped").and_then(Value::as_bool).unwrap_or(false),
        message: s(v, "message"),
        level_up: v.get("level_up").map(|l| proto::LevelUp {
            from: u(l, "from"),
            to: u(l, "to"),
            title: s(l, "title"),
        }),
        skills_unlocked: arr(v, "skills_unlocked")
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        moves_unlocked: arr(v, "moves_unlocked")
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    }
}

fn activity_reply(v: &Value) -> proto::ActivityReply {
    proto::ActivityReply {
        activity: v.get("activity").map(activity),
        award: v.get("award").map(award),
    }
}

#[tonic::async_trait]
impl Shonen for GrpcApi {
    async fn register(
        &self,
        req: Request<proto::RegisterRequest>,
    ) -> Result<Response<proto::AuthReply>, Status> {
        let ip = req
            .remote_addr()
            .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        let r = req.into_inner();
        let goals = r.goals.unwrap_or_default();
        let body = serde_json::json!({
            "username": r.username, "email": r.email, "password": r.password,
            "timezone": r.timezone,
            "goals": {"strength": goals.strength, "agility": goals.agility, "intelligence": goals.intelligence},
        });
        let (_, axum::Json(v)) = accounts::register(
            self.state(),
            crate::http::client::ClientIp(ip.ip()),
            from_json(body)?,
        )
        .await
        .map_err(status)?;
        let v = json_of(&v);
        Ok(Response::new(proto::AuthReply {
            token: s(&v, "token"),
            player: v.get("player").map(player),
        }))
    }

    async fn login(
        &self,
        req: Request<proto::LoginRequest>,
    ) -> Result<Response<proto::AuthReply>, Status> {
        let ip = req
            .remote_addr()
            .unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        let r = req.into_inner();
        let body = serde_json::json!({"username": r.username, "password": r.password});
        let axum::Json(v) = accounts::login(
            self.state(),
            crate::http::client::ClientIp(ip.ip()),
            from_json(body)?,
        )
        .await
        .map_err(status)?;
        let v = json_of(&v);
        Ok(Response::new(proto::AuthReply {
            token: s(&v, "token"),
            player: v.get("player").map(player),
        }))
    }

    async fn get_me(
        &self,
        req: Request<proto::GetMeRequest>,
    ) -> Result<Response<proto::Player>, Status> {
        let auth = self.auth(&req).await?;
        let axum::Json(v) = accounts::me(self.state(), auth).await.map_err(status)?;
        Ok(Response::new(player(&json_of(&v))))
    }

    async fn log_activity(
        &self,
        req: Request<proto::LogActivityRequest>,
    ) -> Result<Response<proto::ActivityReply>, Status> {
        let auth = self.auth(&req).await?;
        let r = req.into_inner();
        let mut body = serde_json::json!({
            "kind": r.kind, "occurred_at": r.occurred_at, "duration_min": r.duration_min,
            "distance_km": r.distance_km, "style": r.style, "woke_at": r.woke_at, "note": r.note,
        });
        if !r.sets.is_empty() {
            body["sets"] = r
                .sets
                .iter()
                .map(|x| serde_json::json!({"exercise": x.exercise, "weight_kg": x.weight_kg, "reps": x.reps}))
                .collect();
        }
        let (_, axum::Json(v)) = activities::create(self.state(), auth, from_json(body)?)
            .await
            .map_err(status)?;
        Ok(Response::new(activity_reply(&json_of(&v))))
    }

    async fn get_activity(
        &self,
        req: Request<proto::GetActivityRequest>,
    ) -> Result<Response<proto::ActivityReply>, Status> {
        let auth = self.auth(&req).await?;
        let id = req.into_inner().id.to_string();
        let axum::Json(v) = activities::show(self.state(), auth, Path(id))
            .await
            .map_err(status)?;
        Ok(Response::new(activity_reply(&json_of(&v))))
    }

    async fn list_activities(
        &self,
        req: Request<proto::ListActivitiesRequest>,
    ) -> Result<Response<proto::ActivityPage>, Status> {
        let auth = self.auth(&req).await?;
        let r = req.into_inner();
        let page = activities::Page {
            limit: r.limit.map(|n| n.to_string()),
            before: r.before.map(|n| n.to_string()),
        };
        let axum::Json(v) = activities::list(self.state(), auth, Query(page))
            .await
            .map_err(status)?;
        let v = json_of(&v);
        Ok(Response::new(proto::ActivityPage {
            items: arr(&v, "items").map(activity).collect(),
            next_before: v
                .get("next_before")
                .and_then(Value::as_str)
                .and_then(|c| c.parse().ok()),
        }))
    }

    async fn get_dashboard(
        &self,
        req: Request<proto::GetDashboardRequest>,
    ) -> Result<Response<proto::Dashboard>, Status> {
        let auth = self.auth(&req).await?;
        let axum::Json(v) = progress::dashboard(self.state(), auth)
            .await
            .map_err(status)?;
        let v = json_of(&v);
        let boss = v.get("boss").filter(|b| !b.is_null());
        Ok(Response::new(proto::Dashboard {
            player: v.get("player").map(player),
            weekly: arr(&v, "weekly")
                .map(|w| proto::WeeklyPoint {
                    week_start: s(w, "week_start"),
                    xp: i(w, "xp"),
                    by_stat: w.get("by_stat").map(stats),
                })
                .collect(),
            streak: u(&v, "streak"),
            buffs: buffs(&v),
            recent: arr(&v, "recent").map(activity).collect(),
            boss_json: boss.map(Value::to_string).unwrap_or_default(),
        }))
    }
}
