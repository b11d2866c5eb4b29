//! Idempotency keys, below REST and gRPC alike: the first answer for a key is
//! replayed for every retry; a retry never runs the request again. A key reused
//! with a different request is refused (`idempotency_key_reused`), and one whose
//! request is still running answers 409 `request_in_progress`.
//!
//! A request is recognised by the REST route it names and its JSON body (a gRPC call
//! names the route its REST twin has, with the body its message converts to), so a
//! key is one request whichever protocol carries it. The adapters find the key (REST
//! `Idempotency-Key`, gRPC `idempotency-key` metadata) and the caller, and turn the
//! outcome into their own answer (`http::idempotency`, `grpc`).
//!
//! Surviving crashes: the key is reserved before the request runs, with a lease
//! (`SHONEN_IDEMPOTENCY_LEASE_MS`). A reservation whose request died (process killed,
//! database lost before the answer was recorded) is taken over by the first retry
//! after the lease and runs again. Runs again safely: an activity keeps its key in
//! its own row, written in the same transaction (a unique index refuses a second
//! one), so a retry of a request that did commit finds the activity and replays its
//! 201 with the same id, whether or not the answer itself was recorded; a register,
//! challenge or accept that committed and died is answered from what it wrote.
//!
//! No bearer token is ever stored: a recorded answer keeps `"token": null`, and a
//! replay of a register issues a fresh token for the player. No password is stored
//! either, not even as a fast hash that a leaked database would let an attacker test
//! guesses against: a register is recognised by its body without the password, and
//! its replay needs the password to match the player's (argon2id), as a login would.

use crate::error::ApiError;
use crate::request::IDEMPOTENCY_KEY;
use crate::state::AppState;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::future::Future;

pub const ACTIVITIES: &str = "/api/v1/activities";
pub const REGISTER: &str = "/api/v1/auth/register";
pub const DUELS: &str = "/api/v1/duels";

/// A keyed request: whose key it is, and what the request does.
pub struct Keyed<'a> {
    state: &'a AppState,
    owner: String,
    player: Option<i64>,
    key: String,
    hash: String,
    /// The REST route the request names, and its body as sent.
    path: String,
    body: Vec<u8>,
    /// A POST /api/v1/activities: the activity carries the key.
    activity: bool,
    /// A player's photo upload, to this activity: the photo's id comes from the key.
    photo_of: Option<i64>,
    /// A register's password (kept out of `hash`), which its replay must match.
    password: Option<String>,
}

impl<'a> Keyed<'a> {
    /// The request `body` to the REST route `path` under `key`, from `player` (keys
    /// are scoped to the caller: the player behind the token, or anonymous).
    pub fn new(
        state: &'a AppState,
        player: Option<i64>,
        key: String,
        path: &str,
        body: Vec<u8>,
    ) -> Keyed<'a> {
        let (fingerprinted, password) = without_password(path, &body);
        // A JSON body is recognised by what it says, not how it is written: spaces,
        // member order and number spelling aside (gRPC's body is compact, a REST
        // client's may not be).
        let canonical = fingerprinted.or_else(|| canonical_json(&body));
        let mut h = Sha256::new();
        h.update(path.as_bytes());
        h.update(b"\n");
        h.update(canonical.as_deref().unwrap_or(&body));
        // Keyed with the service secret, like the tokens' hashes.
        let hash = state
            .accounts
            .token_hash(&format!("idempotency:{}", hex::encode(h.finalize())));
        Keyed {
            state,
            owner: match player {
                Some(id) => format!("player:{id}"),
                None => "anonymous".to_string(),
            },
            player,
            key,
            hash,
            activity: player.is_some() && path == ACTIVITIES,
            photo_of: player.and(photo_upload(path)),
            path: path.to_string(),
            body,
            password,
        }
    }

    pub fn key(&self) -> &str {
        &self.key
    }
}

/// A fresh run's answer, as the adapter has it: its status and its JSON body are
/// what is recorded.
pub trait Answer {
    fn status(&self) -> u16;
    fn body(&self) -> &[u8];
}

/// What a keyed request comes to.
pub enum Outcome<R> {
    /// It ran now: its own answer.
    Ran(R),
    /// An earlier run's answer (a register's with a fresh token).
    Replayed { status: u16, body: String },
    /// Refused without running: the key names another request, its request is still
    /// running, or the store failed.
    Refused(ApiError),
}

/// Runs `run` once for the key: the first time, and again only when an earlier run
/// died (its lease ran out). Every other try gets the first answer.
pub async fn once<R, F>(k: Keyed<'_>, run: F) -> Outcome<R>
where
    R: Answer,
    F: Future<Output = Result<R, ApiError>>,
{
    let state = k.state;
    let now = state.clock.now_micros();
    // Whether this run takes over a reservation whose request died.
    let mut took_over = false;
    match state
        .store
        .reserve_idempotency(&k.owner, &k.key, &k.hash, now)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            if let Some(answer) = known(&k, now).await {
                return answer;
            }
            took_over = true;
        }
        Err(e) => return Outcome::Refused(e.into()),
    }
    // Ours to run. An activity, duel or player already written with this key (its
    // record released after an error, or lost) is replayed, never created twice.
    if let Some(replayed) = replay_created(&k).await {
        return replayed;
    }
    // What the run creates keeps the key in its own row (an activity, a photo's id,
    // a duel, a player), so a retry finds it whatever happened since.
    let ran = IDEMPOTENCY_KEY.scope(k.key.clone(), run).await;
    let fresh = match ran {
        Ok(fresh) => fresh,
        Err(e) => {
            let _ = state.store.release_idempotency(&k.owner, &k.key).await;
            return Outcome::Refused(e);
        }
    };
    // A run that took over a dead reservation and now finds its work done (the dead
    // one committed, then died before recording its answer) answers what the dead
    // one would have: the player it registered, the duel it sent or accepted.
    if took_over
        && fresh.status() == 409
        && let Some((status, body)) = first_of_a_dead_run(&k, fresh.body()).await
    {
        let recorded = storable(body.as_bytes());
        if let Err(e) = state
            .store
            .complete_idempotency(&k.owner, &k.key, status, &recorded)
            .await
        {
            tracing::warn!(error = %e, "could not record idempotent response");
        }
        // Answered as every later retry will be (a register's token issued afresh).
        return replay(state, i64::from(status), recorded).await;
    }
    // A refusal that says "later" (429: a limit, 503/5xx: the service) is not the
    // request's answer for good: released, so the retry runs when it may succeed.
    if fresh.status() >= 500 || fresh.status() == 429 {
        // The write may have committed before the error (or another run of the key
        // wrote it): then what it created is the answer.
        if let Some(replayed) = replay_created(&k).await {
            return replayed;
        }
        if let Err(e) = state.store.release_idempotency(&k.owner, &k.key).await {
            tracing::warn!(error = %e, "could not release an idempotency reservation");
        }
    } else if let Err(e) = state
        .store
        .complete_idempotency(&k.owner, &k.key, fresh.status(), &storable(fresh.body()))
        .await
    {
        // Not lost: an activity is found by its key; anything else runs again once
        // the reservation's lease has run out.
        tracing::warn!(error = %e, "could not record idempotent response");
    }
    Outcome::Ran(fresh)
}

/// A JSON object body written one way (members sorted, compact); `None` for any other
/// body (an image, text that does not parse).
fn canonical_json(body: &[u8]) -> Option<Vec<u8>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => serde_json::to_vec(&v).ok(),
        _ => None,
    }
}

/// A register's body without its password (what the request is recognised by) and
/// the password; `None`s for any other route or a body that is not a JSON object
/// (the handler refuses it).
fn without_password(path: &str, body: &[u8]) -> (Option<Vec<u8>>, Option<String>) {
    if path != REGISTER {
        return (None, None);
    }
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let password = match map.remove("password") {
        Some(Value::String(p)) => Some(p),
        Some(other) => Some(other.to_string()),
        None => None,
    };
    (serde_json::to_vec(&Value::Object(map)).ok(), password)
}

/// The body as recorded: a bearer token is replaced by `null`.
fn storable(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(mut map)) => {
            if map.get("token").is_some_and(Value::is_string) {
                map.insert("token".into(), Value::Null);
            }
            Value::Object(map).to_string()
        }
        _ => String::from_utf8_lossy(body).into_owned(),
    }
}

/// The answer for a key already reserved, or `None` when this request should run
/// (it took over a reservation whose lease ran out).
async fn known<R>(k: &Keyed<'_>, now: i64) -> Option<Outcome<R>> {
    let state = k.state;
    let saved = match state.store.idempotent_response(&k.owner, &k.key).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Some(Outcome::Refused(ApiError::conflict(
                "idempotency_conflict",
                "retry the request",
            )));
        }
        Err(e) => return Some(Outcome::Refused(e.into())),
    };
    if saved.request_hash != k.hash {
        return Some(Outcome::Refused(key_reused()));
    }
    if saved.status != 0 {
        if k.password.is_some() && !same_password(k, &saved.body).await {
            return Some(Outcome::Refused(key_reused()));
        }
        if (200..300).contains(&saved.status)
            && let (Some(player), Some(activity)) = (k.player, k.photo_of)
        {
            return Some(replay_photo(state, saved.status, player, activity, &k.key).await);
        }
        return Some(replay(state, saved.status, saved.body).await);
    }
    if let Some(replayed) = replay_created(k).await {
        return Some(replayed);
    }
    let lease =
        i64::try_from(state.config.timeouts.idempotency_lease.as_micros()).unwrap_or(i64::MAX);
    if now.saturating_sub(saved.created_at) >= lease {
        match state
            .store
            .take_over_idempotency(&k.owner, &k.key, saved.created_at, now)
            .await
        {
            Ok(true) => {
                tracing::warn!("idempotency reservation expired; running the request again");
                return None;
            }
            Ok(false) => {}
            Err(e) => return Some(Outcome::Refused(e.into())),
        }
    }
    Some(Outcome::Refused(ApiError::conflict(
        "request_in_progress",
        "a request with this Idempotency-Key is still being processed",
    )))
}

/// What a request that committed and died before recording its answer would have
/// answered, worked out from what it wrote: `None` when this run's 409 has another
/// cause. Register: the player with this username, email and password (signed in
/// afresh). Challenge: the caller's pending challenge to that opponent. Accept: the
/// duel, accepted by the caller.
async fn first_of_a_dead_run(k: &Keyed<'_>, answer: &[u8]) -> Option<(u16, String)> {
    let state = k.state;
    let code = serde_json::from_slice::<Value>(answer).ok()?["error"]["code"]
        .as_str()?
        .to_string();
    let sent: Value = serde_json::from_slice(&k.body).unwrap_or(Value::Null);
    match (k.path.as_str(), code.as_str(), k.player) {
        (REGISTER, "username_taken", None) => {
            let username = sent["username"].as_str()?.trim().to_ascii_lowercase();
            let email = sent["email"].as_str()?.trim().to_lowercase();
            let password = k.password.as_deref()?;
            let p = state.store.player_by_username(&username).await.ok()??;
            if p.email != email
                || !state
                    .accounts
                    .password_matches(&username, password)
                    .await
                    .ok()?
            {
                return None;
            }
            // No token: it is recorded as `null`, like every register, and `replay`
            // issues a fresh one.
            let view = state
                .players
                .signed_in_view(crate::accounts::SignedIn {
                    token: String::new(),
                    player: p,
                })
                .await
                .ok()?;
            Some((201, serde_json::to_string(&view).ok()?))
        }
        (DUELS, "duel_already_open", Some(me)) => {
            let opponent = sent["opponent"].as_str()?.trim().to_lowercase();
            let list = state
                .duels
                .list(
                    me,
                    crate::duels::ListQuery {
                        status: Some("pending".into()),
                    },
                )
                .await
                .ok()?;
            let duel = list
                .items
                .into_iter()
                .find(|d| d.opponent == opponent && d.challenger != opponent)?;
            Some((201, serde_json::to_string(&duel).ok()?))
        }
        (p, "duel_already_accepted", Some(me)) if p.ends_with("/accept") => {
            let id = p.strip_prefix("/api/v1/duels/")?.strip_suffix("/accept")?;
            let id = crate::duels::DuelId::parse(id).ok()?;
            // Only the opponent is told the duel was already accepted (the challenger
            // is refused with 403), so the caller accepted it.
            let duel = state.duels.view(me, id).await.ok()?;
            Some((202, serde_json::to_string(&duel).ok()?))
        }
        _ => None,
    }
}

/// The activity of a photo upload's path (`/api/v1/activities/{id}/photos`).
fn photo_upload(path: &str) -> Option<i64> {
    path.strip_prefix("/api/v1/activities/")?
        .strip_suffix("/photos")?
        .parse()
        .ok()
}

/// A photo upload's recorded success, answered with a fresh link to the photo it
/// stored (the recorded one may have expired since: links live at most 24 h).
async fn replay_photo<R>(
    state: &AppState,
    status: i64,
    player: i64,
    activity: i64,
    key: &str,
) -> Outcome<R> {
    match state.media.stored_photo_link(player, activity, key).await {
        Ok(link) => match serde_json::to_string(&link) {
            Ok(body) => replay(state, status, body).await,
            Err(e) => Outcome::Refused(ApiError::internal(e)),
        },
        Err(e) => Outcome::Refused(e.into()),
    }
}

/// A key sent again with another request (or a register with another password).
fn key_reused() -> ApiError {
    ApiError::validation(
        "Idempotency-Key",
        "idempotency_key_reused",
        "this Idempotency-Key was used for a different request",
    )
}

/// Whether a register's retry carries the password of the player the recorded
/// answer created (a recorded refusal names no player: nothing to give away).
async fn same_password(k: &Keyed<'_>, recorded: &str) -> bool {
    let recorded = serde_json::from_str::<Value>(recorded).unwrap_or_default();
    let (Some(username), Some(password)) = (
        recorded["player"]["username"].as_str(),
        k.password.as_deref(),
    ) else {
        return true;
    };
    k.state
        .accounts
        .password_matches(username, password)
        .await
        .unwrap_or(false)
}

/// What a run of this key already created (an activity, a challenge, a player), as
/// the 201 that created it, recorded for the next retry; `None` when it created
/// nothing (or the request creates none of these).
async fn replay_created<R>(k: &Keyed<'_>) -> Option<Outcome<R>> {
    let created = match (k.path.as_str(), k.player) {
        (DUELS, Some(me)) => created_duel(k, me).await,
        (REGISTER, None) => registered(k).await,
        _ => return replay_activity(k).await,
    };
    let body = match created {
        Ok(found) => found?,
        Err(e) => return Some(Outcome::Refused(e)),
    };
    let body = storable(body.as_bytes());
    if let Err(e) = k
        .state
        .store
        .complete_idempotency(&k.owner, &k.key, 201, &body)
        .await
    {
        tracing::warn!(error = %e, "could not record idempotent response");
    }
    Some(replay(k.state, 201, body).await)
}

/// The duel the caller's challenge under this key created, as it is now.
async fn created_duel(k: &Keyed<'_>, me: i64) -> Result<Option<String>, ApiError> {
    let state = k.state;
    let Some(row) = state.store.duel_by_idem_key(me, &k.key).await? else {
        return Ok(None);
    };
    let duel = state
        .duels
        .view(me, crate::duels::DuelId::from(row.id))
        .await?;
    serde_json::to_string(&duel)
        .map(Some)
        .map_err(ApiError::internal)
}

/// The player a registration under this key created, signed in afresh: only for a
/// retry that carries that player's password (else the key is one for another
/// request).
async fn registered(k: &Keyed<'_>) -> Result<Option<String>, ApiError> {
    let state = k.state;
    let Some(p) = state.store.player_by_idem_key(&k.key).await? else {
        return Ok(None);
    };
    let matches = match k.password.as_deref() {
        Some(password) => {
            state
                .accounts
                .password_matches(&p.username, password)
                .await?
        }
        None => false,
    };
    if !matches {
        return Err(key_reused());
    }
    let view = state
        .players
        .signed_in_view(crate::accounts::SignedIn {
            token: String::new(),
            player: p,
        })
        .await?;
    serde_json::to_string(&view)
        .map(Some)
        .map_err(ApiError::internal)
}

/// For an activity request: the activity written with this key, as the 201 that
/// created it (recorded for the next retry).
async fn replay_activity<R>(k: &Keyed<'_>) -> Option<Outcome<R>> {
    let player = k.player.filter(|_| k.activity)?;
    let state = k.state;
    let a = match state.store.activity_by_idem_key(player, &k.key).await {
        Ok(found) => found?,
        Err(e) => return Some(Outcome::Refused(e.into())),
    };
    let award = match crate::progress::award_of(&a) {
        Ok(award) => award,
        Err(e) => return Some(Outcome::Refused(e.into())),
    };
    let out = crate::model::ActivityAward {
        activity: crate::progress::activity_view(&a),
        award,
    };
    let body = match serde_json::to_string(&out) {
        Ok(body) => body,
        Err(e) => return Some(Outcome::Refused(ApiError::internal(e))),
    };
    if let Err(e) = state
        .store
        .complete_idempotency(&k.owner, &k.key, 201, &body)
        .await
    {
        tracing::warn!(error = %e, "could not record idempotent response");
    }
    Some(replay(state, 201, body).await)
}

/// A recorded answer, as it is given again: a recorded register keeps no token, so
/// the replay carries a fresh one.
async fn replay<R>(state: &AppState, status: i64, body: String) -> Outcome<R> {
    let status = u16::try_from(status)
        .ok()
        .filter(|s| (100..600).contains(s))
        .unwrap_or(200);
    let mut body = body;
    if (200..300).contains(&status)
        && let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(&body)
        && map.get("token").is_some_and(Value::is_null)
        && let Some(player) = map.get("player").and_then(|p| p["id"].as_i64())
    {
        match state.accounts.issue_token(player).await {
            Ok(token) => {
                map.insert("token".into(), Value::String(token));
                body = Value::Object(map).to_string();
            }
            Err(e) => return Outcome::Refused(e.into()),
        }
    }
    Outcome::Replayed { status, body }
}
