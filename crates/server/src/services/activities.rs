//! Logging training: one activity, its award and the player's updated totals,
//! fatigue and streak are written in one transaction with the player's row locked,
//! so concurrent requests for one player are applied one after the other.

use crate::app::AppState;
use crate::clock::from_micros;
use crate::error::{ApiError, ApiResult};
use crate::services::progress::{self, Entry};
use crate::services::{boss, local};
use crate::storage::{
    ActivityRow, ActivityWrite, BattleRow, DayKind, DayUsage, NewActivity, NewLedgerEntry,
    PlayerRow,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use shonen_rules::award::{TodayUsage, edit_window_open};
use shonen_rules::{
    ActivityInput, ActivityKind, Award, AwardContext, Set, WeeklyGoal, behind_schedule,
    check_occurred_at, level_for_xp, moves_unlocked_between, skills_unlocked_between, title,
};
use std::collections::HashMap;

/// The activity body of the contract. Kind-specific fields are checked per kind.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActivityBody {
    pub kind: String,
    pub occurred_at: Option<DateTime<Utc>>,
    pub duration_min: Option<f64>,
    pub distance_km: Option<f64>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub sets: Option<Vec<Set>>,
    pub style: Option<String>,
    pub woke_at: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EditBody {
    #[schema(value_type = Option<Vec<Object>>)]
    pub sets: Option<Vec<Set>>,
    pub duration_min: Option<f64>,
}

fn required<T>(v: Option<T>, field: &str) -> ApiResult<T> {
    v.ok_or_else(|| ApiError::validation(field, "missing_field", format!("{field} is required")))
}

fn to_input(b: &ActivityBody) -> ApiResult<ActivityInput> {
    let kind = ActivityKind::parse(&b.kind).ok_or_else(|| {
        ApiError::validation(
            "kind",
            "invalid_kind",
            "kind must be one of run, strength, study, martial_arts, wake_up",
        )
    })?;
    Ok(match kind {
        ActivityKind::Run => ActivityInput::Run {
            distance_km: required(b.distance_km, "distance_km")?,
            duration_min: required(b.duration_min, "duration_min")?,
        },
        ActivityKind::Strength => ActivityInput::Strength {
            sets: required(b.sets.clone(), "sets")?,
            duration_min: required(b.duration_min, "duration_min")?,
        },
        ActivityKind::Study => ActivityInput::Study {
            duration_min: required(b.duration_min, "duration_min")?,
        },
        ActivityKind::MartialArts => ActivityInput::MartialArts {
            duration_min: required(b.duration_min, "duration_min")?,
            style: required(b.style.clone(), "style")?,
        },
        ActivityKind::WakeUp => ActivityInput::WakeUp {
            woke_at: required(b.woke_at.clone(), "woke_at")?,
        },
    })
}

/// What the player's progress looked like before an award, for level-up news.
struct Before {
    level: u32,
    fighting: i64,
}

fn award_json(award: &Award, before: &Before, p: &PlayerRow) -> Value {
    let class = progress::class(p);
    let level = level_for_xp(p.total_xp);
    let factors: Vec<Value> = award
        .factors
        .iter()
        .map(|f| json!({ "name": f.name.as_str(), "value": f.value, "stage": f.stage }))
        .collect();
    let skills: Vec<&str> = skills_unlocked_between(class, before.level, level)
        .into_iter()
        .map(|s| s.name())
        .collect();
    let moves: Vec<String> = moves_unlocked_between(before.fighting, p.xp_fighting)
        .into_iter()
        .map(|m| m.name)
        .collect();
    let mut v = json!({
        "stat": award.stat,
        "base": award.base,
        "final": award.final_xp,
        "factors": factors,
        "capped": award.capped,
        "message": award.message,
        "skills_unlocked": skills,
        "moves_unlocked": moves,
    });
    if level > before.level {
        v["level_up"] = json!({ "from": before.level, "to": level, "title": title(level) });
    }
    if let Some(s) = &award.strength {
        v["strength"] = json!(s);
    }
    v
}

pub fn activity_json(a: &ActivityRow) -> Value {
    let mut v = json!({
        "id": a.id,
        "kind": a.kind,
        "occurred_at": from_micros(a.occurred_at).to_rfc3339(),
        "local_date": a.local_date,
        "xp": a.xp,
        "stat": a.stat,
        "edited": a.edited != 0,
        "note": a.note,
        "created_at": from_micros(a.created_at).to_rfc3339(),
        "photos": serde_json::from_str::<Value>(&a.photos_json).unwrap_or(json!([])),
    });
    if a.kind != "wake_up" {
        v["duration_min"] = json!(a.duration_min);
    }
    if a.kind == "run" {
        v["distance_km"] = json!(a.distance_km);
    }
    if let Some(s) = &a.sets_json {
        v["sets"] = serde_json::from_str(s).unwrap_or(json!([]));
    }
    if let Some(s) = &a.style {
        v["style"] = json!(s);
    }
    if let Some(w) = &a.woke_at {
        v["woke_at"] = json!(w);
    }
    v
}

/// The stored award of an activity, as shown by GET.
pub fn stored_award(a: &ActivityRow) -> Value {
    serde_json::from_str(&a.award_json).unwrap_or(json!({}))
}

/// Per-player gates of this instance, sharded by player id: two requests of one
/// player queue here instead of colliding in the database. Each shard also keeps the
/// last known state of a few of its players (see `Snapshot`).
pub struct Gates {
    shards: Vec<tokio::sync::Mutex<Shard>>,
}

type Shard = HashMap<i64, Snapshot>;

/// Snapshots kept per shard (256 shards): a bound on memory, not on players.
const SNAPSHOTS_PER_SHARD: usize = 32;

impl Default for Gates {
    fn default() -> Self {
        Gates {
            shards: (0..256)
                .map(|_| tokio::sync::Mutex::new(Shard::new()))
                .collect(),
        }
    }
}

impl Gates {
    async fn enter(&self, player_id: i64) -> tokio::sync::MutexGuard<'_, Shard> {
        let i = usize::try_from(player_id.rem_euclid(self.shards.len() as i64)).unwrap_or(0);
        self.shards[i].lock().await
    }
}

/// What this instance knows of a player at one version: the row, the day aggregates
/// of a range of local dates, the boss fight of one week and the times of the
/// strength sessions since some moment. Enough to compute the next activity without
/// reading the database. A snapshot is only ever used through `write_activity`,
/// which writes only if the player is still at the snapshot's version, and every
/// change of a player (on any instance) bumps its version: a stale snapshot costs one
/// statement that writes nothing, then a fresh read, never a wrong award.
struct Snapshot {
    player: PlayerRow,
    /// `days` holds every aggregate of the local dates `[days_from, days_to]`.
    days_from: String,
    days_to: String,
    days: Vec<DayKind>,
    /// The fight of `week`, if it exists.
    week: String,
    battle: Option<BattleRow>,
    /// Every strength session that occurred at or after `strength_since`.
    strength_since: i64,
    strength_times: Vec<i64>,
}

/// What computing one activity needs from a snapshot.
struct Needs {
    days_from: String,
    days_to: String,
    week: String,
    week_from: String,
    week_to: String,
    strength_since: i64,
}

impl Needs {
    fn of(p: &PlayerRow, req: &Request) -> Needs {
        let date = progress::date_at(p, req.occurred_at);
        let (from, to) = fact_dates(date);
        let (week, week_from, week_to) = boss::current_week(p, req.now);
        Needs {
            days_from: from.as_str().min(week_from.as_str()).to_string(),
            days_to: to.as_str().max(week_to.as_str()).to_string(),
            week,
            week_from,
            week_to,
            strength_since: strength_since(req),
        }
    }
}

/// The start of the 7 days before the activity, whose strength sessions count.
fn strength_since(req: &Request) -> i64 {
    (req.occurred_at - Duration::days(7)).timestamp_micros()
}

impl Snapshot {
    /// Reads a player's snapshot for `req`: the player first, then the rest (see
    /// `Store::player_for_activity` for why that order is safe).
    async fn load(state: &AppState, player_id: i64, req: &Request) -> ApiResult<Snapshot> {
        let since = strength_since(req);
        let (mut player, strength_times) = state
            .store
            .player_for_activity(player_id, since)
            .await?
            .ok_or_else(|| ApiError::not_found("player"))?;
        progress::settle(&mut player, req.now);
        let needs = Needs::of(&player, req);
        let (days, battle) = tokio::try_join!(
            state
                .store
                .day_kinds(player.id, &needs.days_from, &needs.days_to),
            state.store.battle(player.id, &needs.week),
        )?;
        Ok(Snapshot {
            player,
            days_from: needs.days_from,
            days_to: needs.days_to,
            days,
            week: needs.week,
            battle,
            strength_since: since,
            strength_times,
        })
    }

    fn covers(&self, n: &Needs) -> bool {
        self.days_from <= n.days_from
            && n.days_to <= self.days_to
            && self.week == n.week
            && self.strength_since <= n.strength_since
    }

    /// Strength sessions in `[from, to)`.
    fn strength_sessions(&self, from: i64, to: i64) -> i64 {
        self.strength_times
            .iter()
            .filter(|&&t| t >= from && t < to)
            .count() as i64
    }

    /// The snapshot after `w` was written as `a`: what the database now holds.
    fn apply(&mut self, w: &ActivityWrite, a: &ActivityRow) {
        self.player = w.player.clone();
        self.player.version += 1;
        if self.days_from <= a.local_date && a.local_date <= self.days_to {
            match self
                .days
                .iter_mut()
                .find(|d| d.local_date == a.local_date && d.kind == a.kind)
            {
                Some(d) => {
                    d.sessions += 1;
                    d.distance_km += a.distance_km;
                    d.duration_min += a.duration_min;
                }
                None => {
                    self.days.push(DayKind {
                        local_date: a.local_date.clone(),
                        kind: a.kind.clone(),
                        training: a.training,
                        sessions: 1,
                        distance_km: a.distance_km,
                        duration_min: a.duration_min,
                        first_id: a.id,
                    });
                    self.days.sort_by(|x, y| {
                        (x.local_date.as_str(), x.first_id)
                            .cmp(&(y.local_date.as_str(), y.first_id))
                    });
                }
            }
        }
        if a.kind == "strength" && a.xp > 0 && a.occurred_at >= self.strength_since {
            self.strength_times.push(a.occurred_at);
        }
        if let (Some(b), Some(write)) = (self.battle.as_mut(), w.battle.as_ref())
            && b.week == write.week
        {
            b.hp = write.hp;
            b.progress_json = write.progress_json.clone();
            b.updated_at = write.now;
        }
    }
}

/// A checked activity request with the moment it is applied at. An activity without
/// `occurred_at` happens "now", stamped again on every attempt to write it, so that
/// the order activities are committed in is the order they happened in (the 7-day
/// strength count of one session then always sees the sessions before it).
struct Request {
    input: ActivityInput,
    body: ActivityBody,
    /// The `Idempotency-Key`, written with the activity.
    idem_key: Option<String>,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
}

impl Request {
    fn stamp(&mut self, now: DateTime<Utc>) {
        self.now = now;
        self.occurred_at = self.body.occurred_at.unwrap_or(now);
    }
}

/// What the rules need beyond the player row: the aggregates of the activity's week
/// (at least from its Monday to its date) and the strength sessions of the 7 days
/// before it.
struct Facts<'a> {
    days: &'a [DayKind],
    strength_sessions_7d: i64,
}

/// An activity computed from one state of the player, ready to be written.
struct Planned {
    write: ActivityWrite,
    award: Award,
    award_value: Value,
    before: Before,
}

/// The week of `date` up to `date`: the range `Facts::days` must cover.
fn fact_dates(date: NaiveDate) -> (String, String) {
    (local::week_start(date).to_string(), date.to_string())
}

/// Applies the rules to one state of the player: the award and everything it writes.
fn plan(p: &PlayerRow, req: &Request, facts: &Facts) -> ApiResult<Planned> {
    let now = req.now;
    let cal = progress::calendar(p);
    // The activity's date by the player's calendar (§10), and the settings that
    // date began with: its wake target and its week's goal.
    let date = cal.date_at(req.occurred_at);
    let date_s = date.to_string();
    let today = cal.date_at(now);
    let settings = cal.settings_of_date(date);
    let kind = req.input.kind();
    let usage = DayUsage::of(facts.days, &date_s);
    let week_start = local::week_start(date);
    let level = level_for_xp(p.total_xp);
    let trained_days_before = facts
        .days
        .iter()
        .filter(|d| d.training != 0 && d.local_date < date_s)
        .filter(|d| local::parse_date(&d.local_date).is_some_and(|d| d >= week_start))
        .map(|d| d.local_date.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let wake_target = shonen_rules::parse_hhmm("wake_target", &settings.wake_target)
        .unwrap_or_else(|_| shonen_rules::activity::default_wake_target());
    let ctx = AwardContext {
        class: progress::class(p),
        level,
        fatigue: progress::fatigue_now(p, now),
        streak: shonen_rules::streak::streak_for_activity(&progress::chain(p), date),
        training_arc_buff: progress::buff_active(p, now),
        behind_schedule: behind_schedule(
            WeeklyGoal::new(i64::from(settings.weekly_goal)).unwrap_or_default(),
            date.weekday().number_from_monday(),
            u32::try_from(trained_days_before).unwrap_or(u32::MAX),
        ),
        wake_target,
        // A wake-up today may not be later than the local time now (§2).
        local_time_now: (date >= today).then(|| cal.time_at(now)),
        today: TodayUsage {
            run_km: usage.run_km,
            study_min: usage.study_min,
            martial_arts_sessions: usage.martial_arts_sessions,
            strength_sessions: usage.strength_sessions,
            woke_today: usage.woke,
            training_kinds: usage
                .training_kinds
                .iter()
                .filter_map(|k| ActivityKind::parse(k))
                .collect(),
        },
        strength_sessions_last_7d: u32::try_from(facts.strength_sessions_7d).unwrap_or(u32::MAX),
        edited: false,
    };
    let award = shonen_rules::award(&req.input, &ctx)?;

    let before = Before {
        level,
        fighting: p.xp_fighting,
    };
    let mut after = p.clone();
    progress::apply_amount(&mut after, Some(award.stat), award.final_xp);
    if kind.is_training() {
        after.fatigue = i64::from(award.fatigue_after);
        after.fatigue_at = now.timestamp_micros();
    }
    let award_value = award_json(&award, &before, &after);
    let stored = json!({ "award": award_value, "rules": award });
    let (sets_json, style, woke_at) = match &req.input {
        ActivityInput::Strength { sets, .. } => (
            Some(serde_json::to_string(sets).map_err(ApiError::internal)?),
            None,
            None,
        ),
        ActivityInput::MartialArts { style, .. } => (None, Some(style.clone()), None),
        ActivityInput::WakeUp { woke_at } => (None, None, Some(woke_at.clone())),
        _ => (None, None, None),
    };
    let activity = NewActivity {
        player_id: p.id,
        kind: kind.as_str().to_string(),
        occurred_at: req.occurred_at.timestamp_micros(),
        local_date: date_s,
        training: kind.is_training(),
        duration_min: req.body.duration_min.unwrap_or(0.0),
        distance_km: req.body.distance_km.unwrap_or(0.0),
        sets_json,
        style,
        woke_at,
        note: req.body.note.clone(),
        fatigue_before: i64::from(ctx.fatigue),
        sessions_last_7d: facts.strength_sessions_7d,
        xp: award.final_xp,
        stat: award.stat.as_str().to_string(),
        award_json: stored.to_string(),
        now: now.timestamp_micros(),
        idem_key: req.idem_key.clone(),
    };
    let ledger = NewLedgerEntry {
        player_id: p.id,
        at: now.timestamp_micros(),
        stat: Some(award.stat.as_str().to_string()),
        amount: award.final_xp,
        reason: format!("{} logged", kind.as_str()),
        activity_id: None,
        rule_key: None,
        week_start: local::week_start(today).to_string(),
    };
    Ok(Planned {
        write: ActivityWrite {
            player: after,
            activity,
            ledger,
            battle: None,
        },
        award,
        award_value,
        before,
    })
}

/// What a logged activity reports once committed.
struct Logged {
    player: PlayerRow,
    activity: ActivityRow,
    award_value: Value,
    final_xp: i64,
    closed: Vec<progress::Applied>,
    boss_news: boss::BossNews,
    /// The week (local Monday) of the award and the player's XP of that week after
    /// it, when the write returned it.
    week: Option<(String, i64)>,
}

tokio::task_local! {
    /// The `Idempotency-Key` of the request being served, set by the idempotency
    /// layer around the handler: `log` writes it with the activity, in the same
    /// transaction (a second write with the key fails on the unique index and the
    /// layer replays the first).
    pub static IDEMPOTENCY_KEY: String;
}

pub async fn log(state: &AppState, player_id: i64, body: ActivityBody) -> ApiResult<Value> {
    let idem_key = IDEMPOTENCY_KEY.try_with(Clone::clone).ok();
    let input = to_input(&body)?;
    if let Some(note) = &body.note
        && note.chars().count() > 2000
    {
        return Err(ApiError::validation(
            "note",
            "note_too_long",
            "note is at most 2000 characters",
        ));
    }
    for (field, text) in [("note", &body.note), ("style", &body.style)] {
        if text.as_deref().is_some_and(|t| t.contains('\0')) {
            return Err(ApiError::validation(
                field,
                "invalid_text",
                format!("{field} may not contain NUL characters"),
            ));
        }
    }
    input.validate()?;
    let now = state.clock.now();
    let occurred_at = body.occurred_at.unwrap_or(now);
    check_occurred_at(occurred_at, now)?;
    let mut req = Request {
        input,
        body,
        idem_key,
        occurred_at,
        now,
    };

    let mut shard = state.player_gates.enter(player_id).await;
    let logged = match log_unlocked(state, player_id, &mut req, &mut shard).await? {
        Some(logged) => logged,
        None => log_locked(state, player_id, &mut req).await?,
    };
    drop(shard);

    metrics::counter!("shonen_xp_awarded_total").increment(logged.final_xp.max(0) as u64);
    let p = &logged.player;
    let week = logged.week.as_ref().map(|(w, xp)| (w.as_str(), *xp));
    progress::after_commit_knowing_week(state, p, week).await;
    state.events.after_penalties(p, &logged.closed);
    state.events.after_award(p, &logged.award_value);
    boss::announce(state, p.id, &logged.boss_news);
    Ok(json!({ "activity": activity_json(&logged.activity), "award": logged.award_value }))
}

/// The common case on PostgreSQL, without a transaction or a lock: compute from the
/// player's snapshot (this instance's last known state, else read: the player first,
/// with its version, then the week's aggregates and boss fight) and write everything
/// in one statement that applies only if the player is still at the snapshot's
/// version. `None` sends the request to the locked path: a day to close, a boss fight
/// to create or finish, or a player that kept changing underneath.
async fn log_unlocked(
    state: &AppState,
    player_id: i64,
    req: &mut Request,
    shard: &mut Shard,
) -> ApiResult<Option<Logged>> {
    if state.store.dialect() != crate::storage::Dialect::Postgres {
        return Ok(None);
    }
    let mut known = shard.remove(&player_id);
    let mut reads = 0;
    loop {
        req.stamp(state.clock.now());
        let cached = known.take().and_then(|mut s| {
            // A pending setting whose moment has come applies to a kept snapshot too.
            progress::settle(&mut s.player, req.now);
            let needs = Needs::of(&s.player, req);
            s.covers(&needs).then_some((s, needs))
        });
        let (mut snap, needs) = match cached {
            Some(found) => found,
            None if reads < 2 => {
                reads += 1;
                let s = Snapshot::load(state, player_id, req).await?;
                let needs = Needs::of(&s.player, req);
                (s, needs)
            }
            None => return Ok(None),
        };
        let Some(c) = compute(state, &snap, &needs, req).await? else {
            return Ok(None);
        };
        match state.store.write_activity(&c.write).await? {
            Some(written) => {
                snap.apply(&c.write, &written.activity);
                let logged = Logged {
                    player: snap.player.clone(),
                    activity: written.activity,
                    award_value: c.award_value,
                    final_xp: c.final_xp,
                    closed: Vec::new(),
                    boss_news: c.boss_news,
                    week: Some((c.write.ledger.week_start, written.week_xp)),
                };
                if shard.len() >= SNAPSHOTS_PER_SHARD
                    && let Some(other) = shard.keys().next().copied()
                {
                    shard.remove(&other);
                }
                shard.insert(player_id, snap);
                return Ok(Some(logged));
            }
            None => {
                metrics::counter!("shonen_activity_write_conflicts_total").increment(1);
            }
        }
    }
}

/// An activity computed from a snapshot, ready to be written.
struct Computed {
    write: ActivityWrite,
    award_value: Value,
    final_xp: i64,
    boss_news: boss::BossNews,
}

/// The activity of `req` computed from a snapshot that covers `needs`, or `None`
/// when it needs the locked path.
async fn compute(
    state: &AppState,
    snap: &Snapshot,
    needs: &Needs,
    req: &Request,
) -> ApiResult<Option<Computed>> {
    let p = &snap.player;
    let today = progress::date_at(p, req.now);
    let registered = local::parse_date(&p.registered_on).unwrap_or(today);
    if !shonen_rules::streak::days_to_close(&progress::chain(p), registered, today).is_empty() {
        return Ok(None);
    }
    let villain = match &snap.battle {
        Some(_) => boss::stored_villain(state, &needs.week).await?,
        None => None,
    };
    let occurred = req.occurred_at.timestamp_micros();
    let facts = Facts {
        days: &snap.days,
        strength_sessions_7d: snap.strength_sessions(needs.strength_since, occurred),
    };
    let mut planned = plan(p, req, &facts)?;
    let week_days: Vec<DayKind> = snap
        .days
        .iter()
        .filter(|d| d.local_date >= needs.week_from && d.local_date <= needs.week_to)
        .cloned()
        .collect();
    let mut boss_news = boss::BossNews::default();
    match boss::hit_unlocked(
        p,
        snap.battle.as_ref(),
        villain.as_ref(),
        &week_days,
        &planned.write.activity,
        req.now,
    )? {
        boss::Hit::NeedsLock => return Ok(None),
        boss::Hit::Nothing => {}
        boss::Hit::Damage(write, news) => {
            planned.write.battle = Some(write);
            boss_news = news;
        }
    }
    Ok(Some(Computed {
        write: planned.write,
        award_value: planned.award_value,
        final_xp: planned.award.final_xp,
        boss_news,
    }))
}

/// The general path: one transaction with the player's row locked, which also closes
/// ended days and creates or finishes the week's boss fight.
async fn log_locked(state: &AppState, player_id: i64, req: &mut Request) -> ApiResult<Logged> {
    let mut tx = state.store.begin().await?;
    let mut p = tx.lock_player(player_id).await?;
    req.stamp(state.clock.now());
    let now = req.now;
    progress::settle(&mut p, now);
    // Close any day that ended before this activity, so the streak is current.
    let closed = progress::close_days(&mut tx, &mut p, now).await?;
    let date = progress::date_at(&p, req.occurred_at);
    let (from, to) = fact_dates(date);
    let days = tx.day_kinds(p.id, &from, &to).await?;
    let strength_sessions_7d = if req.input.kind() == ActivityKind::Strength {
        tx.strength_sessions_between(
            p.id,
            strength_since(req),
            req.occurred_at.timestamp_micros(),
        )
        .await?
    } else {
        0
    };
    let facts = Facts {
        days: &days,
        strength_sessions_7d,
    };
    let planned = plan(&p, req, &facts)?;
    let mut activity = tx
        .write_activity(&planned.write)
        .await?
        .ok_or_else(|| ApiError::internal("the locked player changed version"))?;
    p = planned.write.player;
    p.version += 1;
    let boss_news = boss::on_activity(&mut tx, &mut p, &activity, now).await?;
    let mut award_value = planned.award_value;
    if boss_news.xp_changed() {
        // A defeat paid out: the award's level-up news includes it.
        tx.save_progress(&p).await?;
        award_value = award_json(&planned.award, &planned.before, &p);
        let stored = json!({ "award": award_value, "rules": planned.award });
        tx.set_activity_award(activity.id, &stored.to_string())
            .await?;
        activity.award_json = stored.to_string();
    }
    tx.commit().await?;
    Ok(Logged {
        player: p,
        activity,
        award_value,
        final_xp: planned.award.final_xp,
        closed,
        boss_news,
        week: None,
    })
}

/// The award part of a stored activity.
pub fn award_of(a: &ActivityRow) -> Value {
    stored_award(a).get("award").cloned().unwrap_or(json!({}))
}

pub async fn edit(state: &AppState, player_id: i64, id: i64, body: EditBody) -> ApiResult<Value> {
    let now = state.clock.now();
    let mut tx = state.store.begin().await?;
    let mut p = tx.lock_player(player_id).await?;
    let a = tx
        .activity_for_update(player_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    if a.kind != "strength" {
        return Err(ApiError::validation(
            "kind",
            "not_editable",
            "only strength sessions can be edited",
        ));
    }
    if !edit_window_open(from_micros(a.occurred_at), now) {
        return Err(ApiError::conflict(
            "edit_window_closed",
            "a strength session can be edited only within 24 hours of completion",
        ));
    }
    let stored = stored_award(&a);
    let original: Award = serde_json::from_value(stored["rules"].clone())
        .map_err(|e| ApiError::internal(format!("stored award: {e}")))?;
    let old_sets: Vec<Set> = a
        .sets_json
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    let sets = body.sets.unwrap_or(old_sets);
    let duration = body.duration_min.unwrap_or(a.duration_min);
    let correction = shonen_rules::edit_correction(&original, sets.clone(), duration)?;
    let before = Before {
        level: level_for_xp(p.total_xp),
        fighting: p.xp_fighting,
    };
    if correction.delta != 0 {
        progress::post(
            &mut tx,
            &mut p,
            Entry {
                at: now,
                stat: Some(correction.award.stat),
                amount: correction.delta,
                reason: "strength session edited",
                activity_id: Some(a.id),
                rule_key: None,
            },
        )
        .await?;
    }
    tx.save_progress(&p).await?;
    let award_value = award_json(&correction.award, &before, &p);
    let new_stored = json!({ "award": award_value, "rules": correction.award });
    let sets_json = serde_json::to_string(&sets).map_err(ApiError::internal)?;
    tx.update_strength_activity(
        a.id,
        duration,
        &sets_json,
        correction.award.final_xp,
        &new_stored.to_string(),
        now.timestamp_micros(),
    )
    .await?;
    tx.commit().await?;
    let updated = state
        .store
        .activity(player_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    progress::after_commit(state, &p).await;
    state.events.after_award(&p, &award_value);
    Ok(json!({ "activity": activity_json(&updated), "award": award_value }))
}
