//! The use cases run against an in-memory store: the ports are all they need.

use super::*;
use crate::storage::{PlayerRow, StoreResult};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
struct Db {
    players: Vec<PlayerRow>,
    /// token hash → (player, expires_at, revoked)
    tokens: HashMap<String, (i64, i64, bool)>,
    registrations: Vec<(String, i64)>,
    budgets: HashMap<(String, i64), i64>,
    scheduled: Vec<i64>,
}

/// One shared database; a "transaction" writes straight through (enough here: no
/// test relies on a rollback).
#[derive(Clone, Default)]
struct Memory(Arc<Mutex<Db>>);

impl Memory {
    fn db(&self) -> std::sync::MutexGuard<'_, Db> {
        self.0.lock().unwrap()
    }
}

impl AccountStore for Memory {
    type Tx = Memory;

    async fn begin(&self) -> StoreResult<Memory> {
        Ok(self.clone())
    }

    async fn registrations_from(
        &self,
        address: &str,
        since: i64,
    ) -> StoreResult<(i64, Option<i64>)> {
        let db = self.db();
        let times: Vec<i64> = db
            .registrations
            .iter()
            .filter(|(a, at)| a == address && *at >= since)
            .map(|(_, at)| *at)
            .collect();
        Ok((times.len() as i64, times.iter().min().copied()))
    }

    async fn player_by_username(&self, username: &str) -> StoreResult<Option<PlayerRow>> {
        Ok(self
            .db()
            .players
            .iter()
            .find(|p| p.username == username)
            .cloned())
    }

    async fn player_by_login(&self, login: &str) -> StoreResult<Option<PlayerRow>> {
        let login = login.to_lowercase();
        Ok(self
            .db()
            .players
            .iter()
            .find(|p| p.username == login || p.email == login)
            .cloned())
    }

    async fn insert_token(&self, hash: &str, id: i64, _now: i64, until: i64) -> StoreResult<()> {
        self.db().tokens.insert(hash.into(), (id, until, false));
        Ok(())
    }

    async fn token_player(&self, hash: &str, now: i64) -> StoreResult<Option<i64>> {
        Ok(self
            .db()
            .tokens
            .get(hash)
            .filter(|(_, until, revoked)| *until > now && !revoked)
            .map(|(id, _, _)| *id))
    }

    async fn revoke_token(&self, hash: &str) -> StoreResult<()> {
        if let Some(t) = self.db().tokens.get_mut(hash) {
            t.2 = true;
        }
        Ok(())
    }

    async fn use_budget(&self, name: &str, start: i64, window: i64) -> StoreResult<(i64, i64)> {
        let mut db = self.db();
        let used = {
            let n = db.budgets.entry((name.into(), start)).or_insert(0);
            *n += 1;
            *n
        };
        let before = db
            .budgets
            .get(&(name.into(), start - window))
            .copied()
            .unwrap_or(0);
        Ok((used, before))
    }

    async fn refund_budget(&self, name: &str, start: i64) -> StoreResult<()> {
        if let Some(n) = self.db().budgets.get_mut(&(name.into(), start)) {
            *n = (*n - 1).max(0);
        }
        Ok(())
    }
}

impl AccountTx for Memory {
    async fn registrations_since(
        &mut self,
        address: &str,
        since: i64,
        _now: i64,
    ) -> StoreResult<(i64, Option<i64>)> {
        let db = self.db();
        let times: Vec<i64> = db
            .registrations
            .iter()
            .filter(|(a, at)| a == address && *at >= since)
            .map(|(_, at)| *at)
            .collect();
        Ok((times.len() as i64, times.iter().min().copied()))
    }

    async fn insert_player(&mut self, p: NewPlayer) -> StoreResult<PlayerRow> {
        let mut db = self.db();
        if db.players.iter().any(|o| o.username == p.username) {
            return Err(StoreError::Conflict("username"));
        }
        if db.players.iter().any(|o| o.email == p.email) {
            return Err(StoreError::Conflict("email"));
        }
        let row = PlayerRow {
            id: db.players.len() as i64 + 1,
            username: p.username,
            email: p.email,
            password_hash: p.password_hash,
            class: p.class,
            goal_strength: p.goals[0],
            goal_agility: p.goals[1],
            goal_intelligence: p.goals[2],
            classified_at: p.now,
            timezone: p.timezone,
            training_days: p.training_days,
            weekly_goal: p.weekly_goal,
            wake_target: p.wake_target,
            avatar_key: None,
            created_at: p.now,
            registered_on: p.registered_on,
            total_xp: 0,
            xp_strength: 0,
            xp_agility: 0,
            xp_intelligence: 0,
            xp_fighting: 0,
            xp_discipline: 0,
            fatigue: 0,
            fatigue_at: p.now,
            chain_json: p.chain_json,
            buff_expires_at: None,
            version: 0,
            calendar_json: None,
        };
        db.players.push(row.clone());
        Ok(row)
    }

    async fn record_registration(&mut self, address: &str, at: i64, _id: i64) -> StoreResult<()> {
        self.db().registrations.push((address.into(), at));
        Ok(())
    }

    async fn lock_player(&mut self, id: i64) -> StoreResult<PlayerRow> {
        let db = self.db();
        let p = db.players.iter().find(|p| p.id == id);
        p.cloned().ok_or(StoreError::NotFound)
    }

    async fn save_settings(&mut self, p: &PlayerRow) -> StoreResult<()> {
        let mut db = self.db();
        if let Some(row) = db.players.iter_mut().find(|r| r.id == p.id) {
            row.calendar_json = p.calendar_json.clone();
            row.timezone = p.timezone.clone();
        }
        Ok(())
    }

    async fn reclassify(
        &mut self,
        id: i64,
        class: &str,
        _g: [i64; 3],
        now: i64,
    ) -> StoreResult<()> {
        let mut db = self.db();
        if let Some(row) = db.players.iter_mut().find(|r| r.id == id) {
            row.class = class.into();
            row.classified_at = now;
        }
        Ok(())
    }

    async fn commit(self) -> StoreResult<()> {
        Ok(())
    }
}

struct Jobs(Memory);

impl NewPlayerJobs<Memory> for Jobs {
    fn schedule<'a>(
        &'a self,
        _tx: &'a mut Memory,
        player_id: i64,
        _tz: chrono_tz::Tz,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> futures_util::future::BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            self.0.db().scheduled.push(player_id);
            Ok(())
        })
    }
}

fn accounts() -> (Accounts<Memory>, Memory, Arc<Clock>) {
    let db = Memory::default();
    let clock = Arc::new(Clock::default());
    let accounts = Accounts::new(
        db.clone(),
        Arc::new(Jobs(db.clone())),
        clock.clone(),
        TokenSecret::new(b"test secret".to_vec()),
    );
    (accounts, db, clock)
}

fn registration(username: &str, email: &str) -> RegisterInput {
    RegisterInput {
        username: username.into(),
        email: email.into(),
        password: "kamehameha!".into(),
        timezone: Some("Asia/Tokyo".into()),
        goals: GoalsInput {
            strength: 9,
            agility: 2,
            intelligence: 1,
        },
    }
}

#[tokio::test]
async fn register_then_login_then_logout() {
    let (accounts, db, _) = accounts();
    let signed = accounts
        .register(registration("goku", "goku@capsule.corp"), "1.2.3.4", 10)
        .await
        .unwrap();
    assert_eq!(signed.player.class, "brawler");
    assert_eq!(signed.player.timezone, "Asia/Tokyo");
    assert_eq!(db.db().scheduled, vec![signed.player.id]);
    // Only the keyed hash is stored.
    assert!(!db.db().tokens.contains_key(&signed.token));
    let id = accounts.player_for_token(&signed.token).await.unwrap();
    assert_eq!(id, Some(signed.player.id));

    let login = |password: &str| LoginInput {
        username: " GOKU@capsule.corp ".into(),
        password: password.into(),
    };
    let again = accounts.login(login("kamehameha!"), 10).await.unwrap();
    assert_eq!(again.player.id, signed.player.id);
    let wrong = accounts.login(login("kamehameha?"), 10).await;
    assert!(matches!(wrong, Err(AccountsError::BadCredentials)));

    accounts.logout(&again.token).await.unwrap();
    assert_eq!(accounts.player_for_token(&again.token).await.unwrap(), None);
    assert!(
        accounts
            .player_for_token(&signed.token)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn taken_names_and_the_registration_limit() {
    let (accounts, _, _) = accounts();
    accounts
        .register(registration("goku", "goku@capsule.corp"), "1.2.3.4", 2)
        .await
        .unwrap();
    let both = accounts
        .register(registration("goku", "goku@capsule.corp"), "1.2.3.4", 2)
        .await;
    assert!(matches!(both, Err(AccountsError::UsernameTaken)));
    let email = accounts
        .register(registration("vegeta", "GOKU@capsule.corp"), "1.2.3.4", 2)
        .await;
    assert!(matches!(email, Err(AccountsError::EmailTaken)));
    accounts
        .register(registration("vegeta", "vegeta@capsule.corp"), "1.2.3.4", 2)
        .await
        .unwrap();
    // The third from the address in the hour is refused before its fields are read.
    let third = accounts
        .register(registration("X", "not an email"), "1.2.3.4", 2)
        .await;
    assert!(matches!(
        third,
        Err(AccountsError::TooManyRegistrations { limit: 2, .. })
    ));
    let elsewhere = accounts
        .register(registration("X", "gohan@capsule.corp"), "5.6.7.8", 2)
        .await;
    assert!(
        matches!(elsewhere, Err(AccountsError::Invalid { ref field, .. }) if field == "username")
    );
}

#[tokio::test]
async fn reclassify_waits_thirty_days() {
    let (accounts, _, clock) = accounts();
    let id = accounts
        .register(registration("goku", "goku@capsule.corp"), "1.2.3.4", 10)
        .await
        .unwrap()
        .player
        .id;
    let goals = || GoalsInput {
        strength: 0,
        agility: 0,
        intelligence: 10,
    };
    // Registration is the first take: the first re-take may come at once...
    let first = accounts.reclassify(id, goals()).await.unwrap();
    assert_eq!(first.previous_class, "brawler");
    assert_eq!(first.class.as_str(), "strategist");
    // ...the next one 30 days after it.
    clock.advance(RECLASSIFY_COOLDOWN_DAYS * 86_400 - 1);
    let early = accounts.reclassify(id, goals()).await;
    assert!(matches!(
        early,
        Err(AccountsError::ReclassifyCooldown { .. })
    ));
    clock.advance(1);
    let done = accounts.reclassify(id, goals()).await.unwrap();
    assert_eq!(done.previous_class, "strategist");
    assert_eq!(done.class.as_str(), "strategist");
    let again = accounts.reclassify(id, goals()).await;
    assert!(matches!(
        again,
        Err(AccountsError::ReclassifyCooldown { .. })
    ));
    let unknown = accounts.reclassify(id + 1, goals()).await;
    assert!(matches!(unknown, Err(AccountsError::NotFound)));
}

#[tokio::test]
async fn settings_are_parsed_before_anything_is_locked() {
    let (accounts, _, _) = accounts();
    let bad = SettingsInput {
        wake_target: Some("10:00".into()),
        ..Default::default()
    };
    // Player 1 does not exist: the field is refused first.
    let e = accounts.update_settings(1, bad).await;
    assert!(matches!(e, Err(AccountsError::Invalid { ref field, .. }) if field == "wake_target"));
    let e = accounts.update_settings(1, SettingsInput::default()).await;
    assert!(matches!(e, Err(AccountsError::NotFound)));
}

/// Whether one more attempt `r` seconds on is let in, no other attempt made: the
/// check of `count_login_attempt`, with the window it would then fall in.
fn let_in_after(into: i64, w: i64, used: i64, before: i64, limit: u32, r: i64) -> bool {
    let (t, limit) = (into + r, f64::from(limit));
    if t < w {
        (used + 1) as f64 + before as f64 * (w - t) as f64 / w as f64 <= limit
    } else if t < 2 * w {
        1.0 + used as f64 * (w - (t - w)) as f64 / w as f64 <= limit
    } else {
        true
    }
}

#[test]
fn a_refused_attempt_is_told_when_the_next_one_gets_in() {
    let w = 60;
    let mut refusals = 0;
    for limit in [1u32, 3, 10, 50] {
        for into in 0..w {
            for used in 1..=60 {
                for before in 0..=60 {
                    let estimate = used as f64 + before as f64 * (w - into) as f64 / w as f64;
                    if estimate <= f64::from(limit) {
                        continue;
                    }
                    refusals += 1;
                    let r = super::attempts_retry_after(into, w, used, before, limit) as i64;
                    let case = format!("limit {limit}, {into}s in, used {used}, before {before}");
                    assert!(
                        let_in_after(into, w, used, before, limit, r),
                        "{case}: {r}s is too early"
                    );
                    assert!(
                        r == 1 || !let_in_after(into, w, used, before, limit, r - 1),
                        "{case}: {r}s is later than needed"
                    );
                }
            }
        }
    }
    assert!(refusals > 10_000);
    // The lock-out of 10 wrong guesses a minute: the 11th, 48 s into its minute, is
    // told 23 s (12 to the minute's end, then 11 for the estimate to fall to 10).
    assert_eq!(super::attempts_retry_after(48, 60, 11, 0, 10), 23);
}
