//! Accounts: registration with classification, login, bearer tokens (random, stored
//! only as keyed hashes, expiring after 30 days, revocable), settings and reclassify.

use crate::clock::Clock;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{self, BossWeek, DayClose};
use crate::services::{local, progress};
use crate::storage::{NewPlayer, PlayerRow, Store, StoreError};
use crate::validate;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::http::StatusCode;
use chrono::Duration;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use shonen_rules::{ChainState, Change, Goals, classify};
use std::sync::Arc;

pub const TOKEN_LIFETIME_DAYS: i64 = 30;
pub const RECLASSIFY_COOLDOWN_DAYS: i64 = 30;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct GoalsInput {
    #[schema(minimum = 0, maximum = 10)]
    pub strength: i64,
    #[schema(minimum = 0, maximum = 10)]
    pub agility: i64,
    #[schema(minimum = 0, maximum = 10)]
    pub intelligence: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterInput {
    /// 3–20 characters of a–z, 0–9 and `_`.
    #[schema(pattern = "^[a-z0-9_]{3,20}$")]
    pub username: String,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// At least 10 characters (at most 1024 bytes).
    #[schema(
        min_length = 10,
        max_length = 256,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]*$"
    )]
    pub password: String,
    /// An IANA time zone name such as `Europe/Berlin` (default `UTC`).
    pub timezone: Option<String>,
    pub goals: GoalsInput,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginInput {
    /// Usernames only ever take this form; any other is simply not an account.
    #[schema(pattern = "^[a-z0-9_]{3,20}$")]
    pub username: String,
    /// Text without control characters (tab and line breaks aside).
    #[schema(pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]*$")]
    pub password: String,
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct SettingsInput {
    /// An IANA time zone name such as `Europe/Berlin`.
    pub timezone: Option<String>,
    #[schema(value_type = Option<Vec<crate::model::WeekdayName>>)]
    pub training_days: Option<Vec<String>>,
    #[schema(minimum = 1, maximum = 7)]
    pub weekly_goal: Option<i64>,
    /// Local `HH:MM` from 04:00 to 09:00.
    #[schema(pattern = "^(0[4-8]:[0-5][0-9]|09:00)$")]
    pub wake_target: Option<String>,
}

#[derive(Clone)]
pub struct Accounts {
    store: Store,
    clock: Arc<Clock>,
    secret: Arc<Vec<u8>>,
}

fn goals(g: &GoalsInput) -> ApiResult<Goals> {
    Goals::new(g.strength, g.agility, g.intelligence).map_err(|e| {
        let field = match e.field.as_deref() {
            Some(f) if f.starts_with("goals.") => f.to_string(),
            Some(f) => format!("goals.{f}"),
            None => "goals".to_string(),
        };
        ApiError::validation(&field, e.code.as_str(), e.message)
    })
}

impl Accounts {
    pub fn new(store: Store, clock: Arc<Clock>, secret: Vec<u8>) -> Accounts {
        Accounts {
            store,
            clock,
            secret: Arc::new(secret),
        }
    }

    pub fn token_hash(&self, token: &str) -> String {
        let mut h = Sha256::new();
        h.update(&*self.secret);
        h.update(b":");
        h.update(token.as_bytes());
        hex::encode(h.finalize())
    }

    pub async fn issue_token(&self, player_id: i64) -> ApiResult<String> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let now = self.clock.now();
        let expires = now + Duration::days(TOKEN_LIFETIME_DAYS);
        self.store
            .insert_token(
                &self.token_hash(&token),
                player_id,
                now.timestamp_micros(),
                expires.timestamp_micros(),
            )
            .await?;
        Ok(token)
    }

    pub async fn player_for_token(&self, token: &str) -> ApiResult<Option<i64>> {
        Ok(self
            .store
            .token_player(&self.token_hash(token), self.clock.now_micros())
            .await?)
    }

    pub async fn logout(&self, token: &str) -> ApiResult<()> {
        Ok(self.store.revoke_token(&self.token_hash(token)).await?)
    }

    /// Registers a player from client `address`, at most `per_hour` accepted
    /// registrations per address in any hour (§10).
    pub async fn register(
        &self,
        input: RegisterInput,
        address: &str,
        per_hour: u32,
    ) -> ApiResult<(String, PlayerRow)> {
        let hour_ago = (self.clock.now() - Duration::hours(1)).timestamp_micros();
        // A cheap look first, so a flood costs no password hashing.
        if self.store.registrations_from(address, hour_ago).await? >= i64::from(per_hour) {
            return Err(too_many_registrations(per_hour, 3600));
        }
        let username = validate::username(&input.username)?;
        let email = validate::email(&input.email)?;
        validate::password(&input.password)?;
        let tz_name = input.timezone.unwrap_or_else(|| "UTC".to_string());
        let tz = validate::timezone(&tz_name)?;
        let goals = goals(&input.goals)?;
        let class = classify(goals);
        let hash = hash_password(input.password).await?;
        let now = self.clock.now();
        let today = local::date(now, tz);
        let mut tx = self.store.begin().await?;
        let since = (now - Duration::hours(1)).timestamp_micros();
        let (recent, oldest) = tx
            .registrations_since(address, since, now.timestamp_micros())
            .await?;
        if recent >= i64::from(per_hour) {
            let frees_at =
                oldest.unwrap_or(since) + Duration::hours(1).num_microseconds().unwrap_or(0);
            let secs = (frees_at - now.timestamp_micros()) / 1_000_000 + 1;
            return Err(too_many_registrations(per_hour, secs.max(1) as u64));
        }
        let player = tx
            .insert_player(NewPlayer {
                username: username.clone(),
                email,
                password_hash: hash,
                class: class.as_str().to_string(),
                goals: [
                    i64::from(goals.strength()),
                    i64::from(goals.agility()),
                    i64::from(goals.intelligence()),
                ],
                timezone: tz.name().to_string(),
                training_days: "mon,tue,thu,fri".into(),
                weekly_goal: 4,
                wake_target: "06:30".into(),
                now: now.timestamp_micros(),
                registered_on: today.to_string(),
                chain_json: serde_json::to_string(&ChainState::default())
                    .map_err(ApiError::internal)?,
            })
            .await;
        let player = match player {
            Ok(p) => p,
            Err(StoreError::Conflict(_)) => {
                drop(tx);
                // Which unique index a backend reports first differs: when both are
                // taken the username is named, on every backend.
                let what = if self.store.player_by_username(&username).await?.is_some() {
                    "username"
                } else {
                    "email"
                };
                return Err(ApiError::conflict(
                    &format!("{what}_taken"),
                    format!("that {what} is already registered"),
                )
                .with_details(serde_json::json!({ "field": what })));
            }
            Err(other) => return Err(other.into()),
        };
        tx.record_registration(address, now.timestamp_micros(), player.id)
            .await?;
        jobs::enqueue_in(
            &mut tx,
            &DayClose {
                player_id: player.id,
            },
            local::next_midnight(now, tz),
            now,
        )
        .await?;
        jobs::enqueue_in(
            &mut tx,
            &BossWeek {
                player_id: player.id,
            },
            crate::services::boss::next_rollover(now, tz),
            now,
        )
        .await?;
        tx.commit().await?;
        let token = self.issue_token(player.id).await?;
        Ok((token, player))
    }

    pub async fn login(&self, input: LoginInput) -> ApiResult<(String, PlayerRow)> {
        let bad = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "wrong username or password",
            )
        };
        let player = self.store.player_by_login(input.username.trim()).await?;
        // Verify against a fixed hash when the player is unknown so that timing
        // does not reveal which usernames exist.
        let stored = match &player {
            Some(p) => p.password_hash.clone(),
            None => dummy_hash().await?,
        };
        let ok = verify_password(input.password, stored).await?;
        match player {
            Some(p) if ok => {
                let token = self.issue_token(p.id).await?;
                Ok((token, p))
            }
            _ => Err(bad()),
        }
    }

    /// Schedules a settings change (§10): `timezone`, `training_days` and
    /// `wake_target` take effect at the player's next local midnight, `weekly_goal` at
    /// the start of the next ISO week; until then they are the player's `pending`.
    pub async fn update_settings(&self, player_id: i64, input: SettingsInput) -> ApiResult<()> {
        let change = Change {
            timezone: match input.timezone {
                Some(t) => Some(validate::timezone(&t)?.name().to_string()),
                None => None,
            },
            training_days: match input.training_days {
                Some(d) => Some(validate::training_days(&d)?),
                None => None,
            },
            weekly_goal: match input.weekly_goal {
                Some(g) => Some(u8::try_from(validate::weekly_goal(g)?).unwrap_or(4)),
                None => None,
            },
            wake_target: match input.wake_target {
                Some(w) => Some(validate::wake_target(&w)?),
                None => None,
            },
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut p = tx.lock_player(player_id).await?;
        let cal = progress::calendar(&p).change(now, &change);
        progress::set_calendar(&mut p, &cal);
        progress::settle(&mut p, now);
        tx.save_settings(&p).await?;
        Ok(tx.commit().await?)
    }

    /// The name login attempts are counted under (§10): the account when the login
    /// names one (by username or email, any case, spaces trimmed), else the name.
    pub async fn login_budget_name(&self, login: &str) -> ApiResult<String> {
        let name = login.trim().to_lowercase();
        Ok(match self.store.player_by_login(&name).await? {
            Some(p) => format!("login-account:{}", p.id),
            None => format!("login-name:{name}"),
        })
    }

    /// Counts one login attempt against the account's budget of `per_minute` in any
    /// minute, on every instance (the count is in the database); 429 past it. The
    /// minute slides: this minute's attempts plus the last minute's, weighted by how
    /// much of it still lies within the last 60 seconds.
    pub async fn count_login_attempt(&self, budget: &str, per_minute: u32) -> ApiResult<()> {
        const WINDOW: i64 = 60;
        let now = self.clock.now().timestamp();
        let start = now - now.rem_euclid(WINDOW);
        let (used, before) = self.store.use_budget(budget, start, WINDOW).await?;
        let overlap = (WINDOW - (now - start)) as f64 / WINDOW as f64;
        let estimate = used as f64 + before as f64 * overlap;
        if estimate > f64::from(per_minute) {
            metrics::counter!("shonen_rate_limited_total").increment(1);
            return Err(ApiError::too_many((start + WINDOW - now).max(1) as u64));
        }
        Ok(())
    }

    pub async fn reclassify(&self, player_id: i64, input: GoalsInput) -> ApiResult<()> {
        let goals = goals(&input)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let player = tx.lock_player(player_id).await?;
        let since = now.timestamp_micros() - player.classified_at;
        let cooldown = Duration::days(RECLASSIFY_COOLDOWN_DAYS);
        if since < cooldown.num_microseconds().unwrap_or(i64::MAX) {
            let next = crate::clock::from_micros(player.classified_at) + cooldown;
            return Err(ApiError::conflict(
                "reclassify_cooldown",
                "you can re-take the classification once every 30 days",
            )
            .with_details(serde_json::json!({ "available_at": next.to_rfc3339() })));
        }
        let class = classify(goals);
        tx.reclassify(
            player_id,
            class.as_str(),
            [
                i64::from(goals.strength()),
                i64::from(goals.agility()),
                i64::from(goals.intelligence()),
            ],
            now.timestamp_micros(),
        )
        .await?;
        Ok(tx.commit().await?)
    }
}

fn too_many_registrations(per_hour: u32, retry_after: u64) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "registration_limit",
        format!("at most {per_hour} registrations per address per hour; try again later"),
    )
    .with_details(serde_json::json!({ "limit": per_hour, "retry_after_seconds": retry_after }));
    e.retry_after = Some(retry_after);
    e
}

/// A real argon2id hash of a random password, made once, verified against when the
/// login name is unknown.
static DUMMY_HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn dummy_hash() -> ApiResult<String> {
    DUMMY_HASH
        .get_or_try_init(|| async {
            let mut bytes = [0u8; 16];
            rand::rng().fill_bytes(&mut bytes);
            hash_password(hex::encode(bytes)).await
        })
        .await
        .cloned()
}

/// Hashes in flight at once: each takes a core and 19 MiB, so more than the
/// machine's cores only adds memory and latency.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    })
}

/// Argon2id is deliberately slow: it runs on the blocking pool, never on the runtime.
async fn hash_password(password: String) -> ApiResult<String> {
    let _permit = hashing_permits()
        .acquire()
        .await
        .map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ApiError::internal(format!("hashing: {e}")))
    })
    .await
    .map_err(ApiError::internal)?
}

async fn verify_password(password: String, hash: String) -> ApiResult<bool> {
    let _permit = hashing_permits()
        .acquire()
        .await
        .map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .map_err(ApiError::internal)
}
