//! The typed results of the API: every response body the services build, with its
//! OpenAPI schema derived from the same type (so the document cannot drift from the
//! wire). Field names are the contract's (`docs/api.md`); times are RFC 3339 strings.
//!
//! Enumerations stay strings on the wire and in these structs (the database stores
//! them as text); their schemas name the allowed values through the schema-only
//! enums at the end of this module.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

/// The contract's error body: `{"error": {"code", "message", "details"}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable snake_case code, such as `invalid_field` or `not_found`.
    pub code: String,
    /// A human sentence.
    pub message: String,
    /// Details of the error: `field` (the offending field's path, such as
    /// `sets[2].reps`) on every 422, `retry_after_seconds` on 429.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// The five stats' XP.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Stats {
    pub strength: i64,
    pub agility: i64,
    pub intelligence: i64,
    pub fighting: i64,
    pub discipline: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Buff {
    pub name: String,
    pub multiplier: f64,
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkillState {
    pub name: String,
    pub level: u32,
    pub active: bool,
}

/// Settings changed by `PATCH /me` that are not in force yet (game rules §10).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pending {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<WeekdayName>>)]
    pub training_days: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 7)]
    pub weekly_goal: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[0-9]{2}:[0-9]{2}$")]
    pub wake_target: Option<String>,
    #[schema(format = DateTime)]
    pub effective_at: String,
    /// When a weekly goal change applies, if not at `effective_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub weekly_goal_effective_at: Option<String>,
}

/// The contract's `player`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Player {
    pub id: i64,
    pub username: String,
    #[schema(value_type = ClassName)]
    pub class: String,
    pub level: u32,
    pub title: String,
    pub total_xp: i64,
    pub xp_into_level: i64,
    pub xp_for_next_level: i64,
    pub stats: Stats,
    #[schema(minimum = 0, maximum = 100)]
    pub fatigue: u8,
    pub streak: u32,
    pub buffs: Vec<Buff>,
    pub skills: Vec<SkillState>,
    pub plot_armor_charges: u8,
    /// An IANA time zone name.
    pub timezone: String,
    #[schema(value_type = Vec<WeekdayName>)]
    pub training_days: Vec<String>,
    #[schema(minimum = 1, maximum = 7)]
    pub weekly_goal: i64,
    /// Local `HH:MM`.
    pub wake_target: String,
    #[schema(required)]
    pub avatar_url: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Settings changed by `PATCH /me` that are not in force yet; `null` when none.
    #[schema(required)]
    pub pending: Option<Pending>,
}

/// One multiplier of an award's breakdown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Factor {
    #[schema(value_type = FactorNameValue)]
    pub name: String,
    pub value: f64,
    /// `base` (part of the base award) or `stack` (multiplies it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LevelUp {
    pub from: u32,
    pub to: u32,
    pub title: String,
}

/// The contract's `award`: what an activity earned and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Award {
    #[schema(value_type = StatName)]
    pub stat: String,
    pub base: f64,
    #[serde(rename = "final")]
    pub final_xp: i64,
    pub factors: Vec<Factor>,
    pub capped: bool,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_up: Option<LevelUp>,
    #[serde(default)]
    pub skills_unlocked: Vec<String>,
    #[serde(default)]
    pub moves_unlocked: Vec<String>,
    /// The strength formula's working (strength sessions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub strength: Option<serde_json::Value>,
}

/// One set of a strength session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SetView {
    /// The exercise's name: 1–100 characters, not only blanks.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub exercise: String,
    /// 0 (bodyweight) to 500.
    #[schema(minimum = 0, maximum = 500)]
    pub weight_kg: f64,
    #[schema(minimum = 1, maximum = 100)]
    pub reps: u32,
}

/// The contract's `activity`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Activity {
    pub id: i64,
    #[schema(value_type = ActivityKindName)]
    pub kind: String,
    #[schema(format = DateTime)]
    pub occurred_at: String,
    #[schema(format = Date)]
    pub local_date: String,
    pub xp: i64,
    #[schema(value_type = StatName)]
    pub stat: String,
    pub edited: bool,
    /// A daily cap (game rules §2) cut this activity's XP, in part or in whole (the
    /// award's `capped`): a third strength session of a day is stored with `capped:
    /// true` and no XP.
    #[serde(default)]
    #[schema(required)]
    pub capped: bool,
    #[schema(required)]
    pub note: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Links to the activity's photos.
    pub photos: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sets: Option<Vec<SetView>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub woke_at: Option<String>,
}

/// `{activity, award}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityAward {
    pub activity: Activity,
    pub award: Award,
}

/// A page of activities, newest first by `occurred_at` (then by id); `next_before` is
/// the cursor of the next page (the last activity's id).
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityPage {
    pub items: Vec<Activity>,
    #[schema(required)]
    pub next_before: Option<String>,
}

/// One XP ledger entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntry {
    pub id: i64,
    #[schema(format = DateTime)]
    pub at: String,
    #[schema(value_type = Option<StatName>, required)]
    pub stat: Option<String>,
    pub amount: i64,
    pub reason: String,
    #[schema(required)]
    pub activity_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerPage {
    pub items: Vec<LedgerEntry>,
    #[schema(required)]
    pub next_before: Option<String>,
}

/// A week of the dashboard's chart.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WeekPoint {
    #[schema(format = Date)]
    pub week_start: String,
    pub xp: i64,
    pub by_stat: Stats,
}

/// `GET /dashboard`. The weekly points and recent activities come from the cache as
/// JSON text and are spliced in unparsed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub player: Player,
    /// The last 12 ISO weeks, oldest first.
    #[schema(value_type = Vec<WeekPoint>)]
    pub weekly: Box<RawValue>,
    pub streak: u32,
    pub buffs: Vec<Buff>,
    pub boss: Boss,
    #[schema(value_type = Vec<Activity>)]
    pub recent: Box<RawValue>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Objective {
    pub text: String,
    pub target: f64,
    pub progress: f64,
    pub done: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BossReward {
    pub xp: i64,
    #[schema(value_type = StatName)]
    pub stat: String,
    pub badge: String,
}

/// The contract's `boss`: a week's villain and the player's fight.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Boss {
    /// ISO week, such as `2026-W48`.
    pub week: String,
    #[schema(format = Date)]
    pub week_start: String,
    #[schema(format = DateTime, required)]
    pub ends_at: Option<String>,
    pub name: String,
    pub epithet: String,
    pub taunt: String,
    #[schema(value_type = StatName)]
    pub weakness: String,
    pub level: i64,
    pub hp: i64,
    pub hp_max: i64,
    pub objectives: Vec<Objective>,
    #[schema(value_type = BossStatus)]
    pub status: String,
    pub reward: BossReward,
    /// A defeated boss's badge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge: Option<String>,
    /// An escaped boss's cutscene.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cutscene: Option<String>,
    /// The XP an escaped boss took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub resolved_at: Option<String>,
    /// An escape cutscene not shown yet (once, on `GET /boss`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_cutscene: Option<PendingCutscene>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PendingCutscene {
    pub week: String,
    pub name: String,
    #[schema(required)]
    pub cutscene: Option<String>,
    /// Older weeks whose cutscene was not seen either.
    pub also_unseen: Vec<String>,
}

/// `GET /boss/history`.
#[derive(Debug, Serialize, ToSchema)]
pub struct BossHistory {
    pub items: Vec<Boss>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_cutscene: Option<PendingCutscene>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Badge {
    pub name: String,
    pub week: String,
    #[schema(format = DateTime)]
    pub earned_at: String,
}

/// A public profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct Profile {
    pub username: String,
    #[schema(value_type = ClassName)]
    pub class: String,
    pub level: u32,
    pub title: String,
    pub total_xp: i64,
    pub stats: Stats,
    pub streak: u32,
    pub badges: Vec<Badge>,
    /// Public: needs no token.
    #[schema(required)]
    pub avatar_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardEntry {
    pub rank: i64,
    pub username: String,
    #[schema(value_type = ClassName)]
    pub class: String,
    pub level: u32,
    pub xp: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardMe {
    /// `null` when the caller is not on the board.
    #[schema(required)]
    pub rank: Option<i64>,
    pub xp: i64,
}

/// A leaderboard page (built as JSON text from the cached board).
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardPage {
    pub entries: Vec<LeaderboardEntry>,
    pub me: LeaderboardMe,
}

/// One round of a duel.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Round {
    pub n: u32,
    pub lines: Vec<String>,
    pub challenger_hp: i64,
    pub opponent_hp: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuelBuff {
    pub name: String,
    pub multiplier: f64,
    pub hours: i64,
}

/// What a resolved duel paid. A friendly duel pays nothing and says why in
/// `friendly`.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct DuelRewards {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub winner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fighting_xp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loser: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buff: Option<DuelBuff>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<FriendlyReason>)]
    pub friendly: Option<String>,
}

/// The contract's `duel`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Duel {
    pub id: i64,
    pub challenger: String,
    pub opponent: String,
    #[schema(value_type = DuelStatus)]
    pub status: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    #[schema(format = DateTime, required)]
    pub accepted_at: Option<String>,
    #[schema(format = DateTime, required)]
    pub resolved_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub winner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upset: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounds: Option<Vec<Round>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenger_power: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opponent_power: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rewards: Option<DuelRewards>,
    /// Where a queued duel's battle job is.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<JobStatus>)]
    pub job_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_attempts: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuelList {
    pub items: Vec<Duel>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AvatarUrl {
    pub avatar_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoUrl {
    pub photo_url: String,
}

/// `POST /dev/clock`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockNow {
    #[schema(format = DateTime)]
    pub now: String,
}

/// A duel's replay, as kept in object storage.
#[derive(Debug, Serialize, ToSchema)]
pub struct Replay {
    pub duel_id: i64,
    #[schema(value_type = Object)]
    pub challenger: serde_json::Value,
    #[schema(value_type = Object)]
    pub opponent: serde_json::Value,
    #[schema(value_type = Object)]
    pub battle: serde_json::Value,
}

// Schema-only enumerations: the values a string field takes.

/// Every IANA time zone name the server accepts (those of the bundled tz database,
/// aliases included), so schema-valid requests are never refused for their zone.
pub struct TimezoneName;

impl TimezoneName {
    /// The accepted names, in the tz database's order.
    pub fn all() -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }
}

impl utoipa::PartialSchema for TimezoneName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("An IANA time zone name such as `Europe/Berlin`."))
            .enum_values(Some(TimezoneName::all()))
            .into()
    }
}

impl ToSchema for TimezoneName {
    fn name() -> std::borrow::Cow<'static, str> {
        "Timezone".into()
    }
}

#[derive(ToSchema)]
#[schema(as = Class)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum ClassName {
    Brawler,
    Speedster,
    Strategist,
    Balanced,
}

#[derive(ToSchema)]
#[schema(as = Weekday)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum WeekdayName {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

#[derive(ToSchema)]
#[schema(as = Stat)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum StatName {
    Strength,
    Agility,
    Intelligence,
    Fighting,
    Discipline,
}

#[derive(ToSchema)]
#[schema(as = ActivityKind)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum ActivityKindName {
    Run,
    Strength,
    Study,
    MartialArts,
    WakeUp,
}

#[derive(ToSchema)]
#[schema(as = FactorName)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum FactorNameValue {
    ClassAffinity,
    Combo,
    TrainingArcBuff,
    Fatigue,
    Consistency,
    EditPenalty,
    Tenacity,
    RageBoost,
    LimitBreaker,
    FlashStep,
    CheckmateForesight,
    FullCowl,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum DuelStatus {
    Pending,
    Declined,
    Expired,
    Queued,
    Resolved,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum BossStatus {
    Active,
    Defeated,
    Escaped,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Retrying,
    Failed,
    Done,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum FriendlyReason {
    WeeklyPairLimit,
    DailyWinLimit,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum BoardScope {
    Global,
    Weekly,
    Class,
}
