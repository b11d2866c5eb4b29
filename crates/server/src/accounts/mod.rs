//! The accounts capability: registration with classification, login, bearer tokens
//! (random, stored only as keyed hashes, expiring after 30 days, revocable), settings
//! (`PATCH /me`) and reclassification.
//!
//! The template for every capability:
//! - `model.rs`: domain types parsed once from client input, and the typed results;
//! - `error.rs`: `AccountsError`, one variant per failure, no protocol in it;
//! - `store.rs`: the ports (storage, new-player jobs), implemented by lower layers
//!   or, for jobs, by the job system;
//! - here: the use cases, built from the ports, the clock and the token secret.
//!
//! A capability imports the rules, the storage types, the clock and lower helpers;
//! never `app`, `http`, `grpc`, `jobs`, `extract`, axum or tonic. The adapters call
//! it and map `AccountsError` once each (`http::errors`, `grpc::status::accounts`);
//! what follows a commit outside the database (caches, leaderboards, sockets) is
//! theirs to run.

mod error;
mod hashing;
mod model;
mod store;

pub use error::AccountsError;
pub use model::{
    Email, GoalsInput, LoginInput, NewAccount, Password, Reclassified, ReclassifyInput,
    RegisterInput, SettingsChange, SettingsInput, SignedIn, Timezone, TokenResponse, TrainingDays,
    Username, WakeTarget, WeeklyGoal,
};
pub use store::{AccountStore, AccountTx, NewPlayerJobs};

use crate::clock::{Clock, from_micros};
use crate::storage::{NewPlayer, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use hashing::{dummy_hash, hash_password, verify_password};
use rand::RngCore;
use sha2::{Digest, Sha256};
use shonen_rules::{ChainState, Goals, classify};
use std::sync::Arc;

pub const TOKEN_LIFETIME_DAYS: i64 = 30;
pub const RECLASSIFY_COOLDOWN_DAYS: i64 = 30;

/// A new player's settings until they change them.
const DEFAULT_TRAINING_DAYS: &str = "mon,tue,thu,fri";
const DEFAULT_WEEKLY_GOAL: i64 = 4;
const DEFAULT_WAKE_TARGET: &str = "06:30";

/// The key tokens are hashed with. Never printed.
#[derive(Clone)]
pub struct TokenSecret(Arc<[u8]>);

impl TokenSecret {
    pub fn new(bytes: Vec<u8>) -> TokenSecret {
        TokenSecret(bytes.into())
    }

    /// The keyed hash a token is stored, cached and announced under (never the
    /// token).
    pub fn hash(&self, token: &str) -> String {
        let mut h = Sha256::new();
        h.update(&*self.0);
        h.update(b":");
        h.update(token.as_bytes());
        hex::encode(h.finalize())
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(..)")
    }
}

pub type AccountsResult<T> = Result<T, AccountsError>;

/// The accounts use cases over a store `S` (the service's `Store` unless a test
/// brings its own).
pub struct Accounts<S: AccountStore = Store> {
    store: S,
    jobs: Arc<dyn NewPlayerJobs<S::Tx>>,
    clock: Arc<Clock>,
    secret: TokenSecret,
}

impl<S: AccountStore + Clone> Clone for Accounts<S> {
    fn clone(&self) -> Self {
        Accounts {
            store: self.store.clone(),
            jobs: self.jobs.clone(),
            clock: self.clock.clone(),
            secret: self.secret.clone(),
        }
    }
}

fn goal_columns(goals: Goals) -> [i64; 3] {
    [
        i64::from(goals.strength()),
        i64::from(goals.agility()),
        i64::from(goals.intelligence()),
    ]
}

fn not_found_as_player(e: StoreError) -> AccountsError {
    match e {
        StoreError::NotFound => AccountsError::NotFound,
        other => AccountsError::Store(other),
    }
}

impl<S: AccountStore> Accounts<S> {
    pub fn new(
        store: S,
        jobs: Arc<dyn NewPlayerJobs<S::Tx>>,
        clock: Arc<Clock>,
        secret: TokenSecret,
    ) -> Accounts<S> {
        Accounts {
            store,
            jobs,
            clock,
            secret,
        }
    }

    /// The keyed hash a token is stored, cached and announced under (never the token).
    pub fn token_hash(&self, token: &str) -> String {
        self.secret.hash(token)
    }

    /// A fresh random token for the player, valid for `TOKEN_LIFETIME_DAYS` of
    /// session time (`Clock::session_micros`).
    pub async fn issue_token(&self, player_id: i64) -> AccountsResult<String> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let now = self.clock.session_micros();
        let expires = now.saturating_add(
            Duration::days(TOKEN_LIFETIME_DAYS)
                .num_microseconds()
                .unwrap_or(i64::MAX),
        );
        self.store
            .insert_token(&self.token_hash(&token), player_id, now, expires)
            .await?;
        Ok(token)
    }

    pub async fn player_for_token(&self, token: &str) -> AccountsResult<Option<i64>> {
        Ok(self
            .store
            .token_player(&self.token_hash(token), self.clock.session_micros())
            .await?)
    }

    /// Revokes the token (the adapters then close what was opened with it).
    pub async fn logout(&self, token: &str) -> AccountsResult<()> {
        Ok(self.store.revoke_token(&self.token_hash(token)).await?)
    }

    /// Registers a player from client `address`, at most `per_hour` accepted
    /// registrations per address in any hour (§10), and signs them in.
    pub async fn register(
        &self,
        input: RegisterInput,
        address: &str,
        per_hour: u32,
    ) -> AccountsResult<SignedIn> {
        let looked_at = self.clock.now();
        let hour_ago = (looked_at - Duration::hours(1)).timestamp_micros();
        // A cheap look first, so a flood costs no password hashing (and is refused
        // before its fields are looked at).
        let (recent, oldest) = self.store.registrations_from(address, hour_ago).await?;
        if recent >= i64::from(per_hour) {
            return Err(AccountsError::TooManyRegistrations {
                limit: per_hour,
                retry_after: seconds_until_free(oldest, hour_ago, looked_at),
            });
        }
        let account = NewAccount::parse(&input)?;
        let class = classify(account.goals);
        let hash = hash_password(account.password.into_secret()).await?;
        let now = self.clock.now();
        let tz = account.timezone;
        let mut tx = self.store.begin().await?;
        let since = (now - Duration::hours(1)).timestamp_micros();
        let (recent, oldest) = tx
            .registrations_since(address, since, now.timestamp_micros())
            .await?;
        if recent >= i64::from(per_hour) {
            return Err(AccountsError::TooManyRegistrations {
                limit: per_hour,
                retry_after: seconds_until_free(oldest, since, now),
            });
        }
        let chain_json = serde_json::to_string(&ChainState::default())
            .map_err(|e| AccountsError::Internal(format!("encoding a chain: {e}")))?;
        let player = tx
            .insert_player(NewPlayer {
                username: account.username.as_str().to_string(),
                email: account.email.as_str().to_string(),
                password_hash: hash,
                class: class.as_str().to_string(),
                goals: goal_columns(account.goals),
                timezone: tz.name().to_string(),
                training_days: DEFAULT_TRAINING_DAYS.into(),
                weekly_goal: DEFAULT_WEEKLY_GOAL,
                wake_target: DEFAULT_WAKE_TARGET.into(),
                now: now.timestamp_micros(),
                registered_on: tz.date_at(now).to_string(),
                chain_json,
                // Found again by a retry of a registration that died before answering.
                idem_key: crate::request::idempotency_key(),
            })
            .await;
        let player = match player {
            Ok(p) => p,
            Err(StoreError::Conflict(_)) => {
                drop(tx);
                // Which unique index a backend reports first differs: when both are
                // taken the username is named, on every backend.
                let by_name = self
                    .store
                    .player_by_username(account.username.as_str())
                    .await?;
                return Err(if by_name.is_some() {
                    AccountsError::UsernameTaken
                } else {
                    AccountsError::EmailTaken
                });
            }
            Err(other) => return Err(other.into()),
        };
        tx.record_registration(address, now.timestamp_micros(), player.id)
            .await?;
        self.jobs.schedule(&mut tx, player.id, tz.tz(), now).await?;
        tx.commit().await?;
        let token = self.issue_token(player.id).await?;
        Ok(SignedIn { token, player })
    }

    /// Logs in by username or email (any case, spaces trimmed), counting the attempt
    /// against the account's budget of `attempts_per_minute` first (§10).
    pub async fn login(
        &self,
        input: LoginInput,
        attempts_per_minute: u32,
    ) -> AccountsResult<SignedIn> {
        let budget = self.login_budget_name(&input.username).await?;
        // Counted before the password is checked (so parallel guesses cannot all
        // slip under the limit), and given back when it was right: only failed
        // attempts use the budget.
        let window = self
            .count_login_attempt(&budget, attempts_per_minute)
            .await?;
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
                self.store.refund_budget(&budget, window).await?;
                let token = self.issue_token(p.id).await?;
                Ok(SignedIn { token, player: p })
            }
            _ => Err(AccountsError::BadCredentials),
        }
    }

    /// The name login attempts are counted under: the account when the login names
    /// one (one budget whichever name is used), else the name.
    async fn login_budget_name(&self, login: &str) -> AccountsResult<String> {
        let name = login.trim().to_lowercase();
        Ok(match self.store.player_by_login(&name).await? {
            Some(p) => format!("login-account:{}", p.id),
            None => format!("login-name:{name}"),
        })
    }

    /// Counts one login attempt against `budget`, at most `per_minute` in any minute,
    /// on every instance (the count is in the database). The minute slides: this
    /// minute's attempts plus the last minute's, weighted by how much of it still
    /// lies within the last 60 seconds. Returns the window the attempt was counted
    /// in.
    async fn count_login_attempt(&self, budget: &str, per_minute: u32) -> AccountsResult<i64> {
        const WINDOW: i64 = 60;
        let now = self.clock.now().timestamp();
        let start = now - now.rem_euclid(WINDOW);
        let (used, before) = self.store.use_budget(budget, start, WINDOW).await?;
        let overlap = (WINDOW - (now - start)) as f64 / WINDOW as f64;
        let estimate = used as f64 + before as f64 * overlap;
        if estimate > f64::from(per_minute) {
            metrics::counter!("shonen_rate_limited_total").increment(1);
            return Err(AccountsError::TooManyAttempts {
                retry_after: attempts_retry_after(now - start, WINDOW, used, before, per_minute),
            });
        }
        Ok(start)
    }

    /// Whether `password` is the player's named `username` (argon2id; an unknown
    /// player has none).
    pub async fn password_matches(&self, username: &str, password: &str) -> AccountsResult<bool> {
        let Some(p) = self.store.player_by_username(username).await? else {
            return Ok(false);
        };
        verify_password(password.to_string(), p.password_hash).await
    }

    /// Schedules a settings change (§10): `timezone`, `training_days` and
    /// `wake_target` take effect at the player's next local midnight, `weekly_goal` at
    /// the start of the next ISO week; until then they are the player's `pending`.
    pub async fn update_settings(
        &self,
        player_id: i64,
        input: SettingsInput,
    ) -> AccountsResult<()> {
        let change = SettingsChange::parse(&input)?.to_rules();
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut p = tx
            .lock_player(player_id)
            .await
            .map_err(not_found_as_player)?;
        let cal = crate::player::calendar(&p).change(now, &change);
        crate::player::set_calendar(&mut p, &cal);
        crate::player::settle(&mut p, now);
        tx.save_settings(&p).await?;
        Ok(tx.commit().await?)
    }

    /// Re-takes the classification, at most once every `RECLASSIFY_COOLDOWN_DAYS`.
    pub async fn reclassify(
        &self,
        player_id: i64,
        input: GoalsInput,
    ) -> AccountsResult<Reclassified> {
        let goals = input.parse()?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let player = tx
            .lock_player(player_id)
            .await
            .map_err(not_found_as_player)?;
        // The class given at registration is the first take, not a re-take: the
        // first re-take may come at once, the next 30 days after it. A player who
        // never re-took it has `classified_at` at registration (`created_at`).
        let retaken = player.classified_at > player.created_at;
        let since = now.timestamp_micros() - player.classified_at;
        let cooldown = Duration::days(RECLASSIFY_COOLDOWN_DAYS);
        if retaken && since < cooldown.num_microseconds().unwrap_or(i64::MAX) {
            return Err(AccountsError::ReclassifyCooldown {
                available_at: from_micros(player.classified_at) + cooldown,
            });
        }
        let class = classify(goals);
        tx.reclassify(
            player_id,
            class.as_str(),
            goal_columns(goals),
            now.timestamp_micros(),
        )
        .await?;
        tx.commit().await?;
        Ok(Reclassified {
            previous_class: player.class,
            class,
        })
    }
}

/// Seconds until the oldest registration of the last hour (`oldest`, at or after
/// `since`) is an hour old and frees a place: at least 1.
fn seconds_until_free(oldest: Option<i64>, since: i64, now: DateTime<Utc>) -> u64 {
    let frees_at = oldest.unwrap_or(since) + Duration::hours(1).num_microseconds().unwrap_or(0);
    ((frees_at - now.timestamp_micros()) / 1_000_000 + 1).max(1) as u64
}

/// Seconds until one more attempt would be let in, if none is made before: the
/// sliding estimate (`used` this window, `before` the last one weighted by how much
/// of it still overlaps the minute behind) must leave room for it. `into` is how far
/// into its window `now` is. A refusal answered with this `Retry-After` is not
/// followed by another one.
fn attempts_retry_after(into: i64, window: i64, used: i64, before: i64, limit: u32) -> u64 {
    let (w, used, before, limit) = (window as f64, used as f64, before as f64, f64::from(limit));
    // Later in this window: used + 1 + before × (w − t) / w ≤ limit.
    let room = limit - used - 1.0;
    let at = if room > 0.0 && before > 0.0 {
        (w - w * room / before).max(into as f64)
    } else if room >= 0.0 || used <= 0.0 {
        // In the next one, where this window is the one before: 1 + used × (w − t) / w.
        w
    } else {
        w + (w * (1.0 - (limit - 1.0) / used)).max(0.0)
    };
    // Whole seconds, rounded up: the clock the check reads is in whole seconds.
    ((at - into as f64).ceil() as u64).max(1)
}

#[cfg(test)]
mod tests;
