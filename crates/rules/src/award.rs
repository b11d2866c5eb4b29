//! The multiplier stack (§4): turns one validated activity plus what the server knows
//! about the player into an [`Award`] with its full breakdown, and recomputes an edited
//! strength session (§3) into a ledger correction.
//!
//! Every factor carries a `stage`:
//! - `base` factors are already folded into `Award::base` (fatigue, tenacity,
//!   consistency, edit_penalty, limit_breaker for strength; fatigue and tenacity for
//!   run and martial arts). They are shown for transparency only.
//! - `stack` factors multiply the base: `final = round(base × Π stack values)`, taken
//!   in list order (class_affinity, combo, training_arc_buff, rage_boost, then the
//!   class skill), so a client recomputing it gets the same float and the same integer.
//!
//! Listed factors: class_affinity always; combo on every training award; fatigue on
//! every kind that uses it (even at 1.00); consistency on strength; the rest only when
//! they apply (edit_penalty when edited, tenacity when it changed the fatigue modifier,
//! limit_breaker whenever it is active on a strength award, training_arc_buff while the
//! buff runs, rage_boost / flash_step / checkmate_foresight / full_cowl when earned).

use crate::activity::{self, ActivityInput};
use crate::class::{Class, affinity};
use crate::error::{ErrorCode, RuleError};
use crate::fatigue;
use crate::kind::ActivityKind;
use crate::round::round_half_away;
use crate::skill::{self, Skill};
use crate::stat::Stat;
use crate::strength::{self, Set, StrengthBreakdown, StrengthInput, StrengthOptions};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// Base XP per km run.
pub const RUN_XP_PER_KM: f64 = 20.0;
/// Base XP per hour of study.
pub const STUDY_XP_PER_HOUR: f64 = 40.0;
/// Base XP of a martial arts session.
pub const MARTIAL_ARTS_XP: f64 = 50.0;
/// Base XP of a wake-up.
pub const WAKE_UP_XP: f64 = 10.0;
/// Km a day that earn XP.
pub const RUN_CAP_KM: f64 = 50.0;
/// Study minutes a day that earn XP (600 with Checkmate Foresight).
pub const STUDY_CAP_MIN: f64 = 480.0;
pub const CHECKMATE_STUDY_CAP_MIN: f64 = 600.0;
/// Martial arts sessions a day that earn XP.
pub const MARTIAL_ARTS_CAP_SESSIONS: u32 = 2;
/// Strength sessions a day that earn XP (§2, §10: splitting never pays).
pub const STRENGTH_CAP_SESSIONS: u32 = 2;
/// Combo: +5% per streak day after the first, at most +50%.
pub const COMBO_STEP: f64 = 0.05;
pub const COMBO_MAX_STEPS: u32 = 10;
pub const TRAINING_ARC_BUFF: f64 = 1.25;
pub const RAGE_BOOST: f64 = 2.0;
pub const FLASH_STEP: f64 = 1.25;
/// Flash Step needs a pace strictly under this (5:00 min/km).
pub const FLASH_STEP_PACE: f64 = 5.0;
pub const CHECKMATE_FORESIGHT: f64 = 1.20;
pub const CHECKMATE_MIN_SESSION_MIN: f64 = 90.0;
pub const FULL_COWL: f64 = 1.20;
/// Full Cowl starts with the third distinct training kind of the day.
pub const FULL_COWL_FROM_RANK: usize = 3;
/// A strength session can be edited this long after completion.
pub const EDIT_WINDOW_HOURS: i64 = 24;

/// The factor names of the API contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorName {
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

impl FactorName {
    pub fn as_str(self) -> &'static str {
        match self {
            FactorName::ClassAffinity => "class_affinity",
            FactorName::Combo => "combo",
            FactorName::TrainingArcBuff => "training_arc_buff",
            FactorName::Fatigue => "fatigue",
            FactorName::Consistency => "consistency",
            FactorName::EditPenalty => "edit_penalty",
            FactorName::Tenacity => "tenacity",
            FactorName::RageBoost => "rage_boost",
            FactorName::LimitBreaker => "limit_breaker",
            FactorName::FlashStep => "flash_step",
            FactorName::CheckmateForesight => "checkmate_foresight",
            FactorName::FullCowl => "full_cowl",
        }
    }
}

/// Where a factor acts: already inside `base`, or on top of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorStage {
    Base,
    Stack,
}

/// One named multiplier of the breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    pub name: FactorName,
    pub value: f64,
    pub stage: FactorStage,
}

impl Factor {
    fn base(name: FactorName, value: f64) -> Factor {
        Factor {
            name,
            value,
            stage: FactorStage::Base,
        }
    }
    fn stack(name: FactorName, value: f64) -> Factor {
        Factor {
            name,
            value,
            stage: FactorStage::Stack,
        }
    }
}

/// What the player has already done today (local day), before this activity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TodayUsage {
    /// Km run today (actual distance, including km over the cap).
    pub run_km: f64,
    /// Study minutes today (actual, including minutes over the cap).
    pub study_min: f64,
    /// Martial arts sessions logged today.
    pub martial_arts_sessions: u32,
    /// Whether a wake-up was already logged today.
    pub woke_today: bool,
    /// Strength sessions already logged today (capped ones included).
    #[serde(default)]
    pub strength_sessions: u32,
    /// Distinct training kinds already logged today, in the order of their first
    /// activity of the day (drives Full Cowl).
    pub training_kinds: Vec<ActivityKind>,
}

/// Everything the server knows that the award depends on, at the activity's time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardContext {
    pub class: Class,
    /// The player's level before this award.
    pub level: u32,
    /// Current fatigue after recovery (§5), before this activity's gain.
    pub fatigue: u8,
    /// The streak counting the day of this activity (see `streak::streak_for_activity`).
    pub streak: u32,
    /// Whether the Training Arc Buff is running.
    pub training_arc_buff: bool,
    /// Whether the player is behind schedule today (`schedule::behind_schedule`).
    pub behind_schedule: bool,
    /// The player's local wake target.
    pub wake_target: NaiveTime,
    /// The player's local time now, when the activity is on today's local date: a
    /// wake-up may not be later than it (§2). `None` for an earlier date.
    #[serde(default)]
    pub local_time_now: Option<NaiveTime>,
    pub today: TodayUsage,
    /// Strength sessions completed in the 7×24 h before this one.
    pub strength_sessions_last_7d: u32,
    /// Whether this is an edit of a completed strength session.
    pub edited: bool,
}

impl Default for AwardContext {
    /// A fresh level-1 Balanced player on day 1 of a streak.
    fn default() -> Self {
        AwardContext {
            class: Class::Balanced,
            level: 1,
            fatigue: 0,
            streak: 1,
            training_arc_buff: false,
            behind_schedule: false,
            wake_target: activity::default_wake_target(),
            local_time_now: None,
            today: TodayUsage::default(),
            strength_sessions_last_7d: 0,
            edited: false,
        }
    }
}

/// The XP an activity earns and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Award {
    pub kind: ActivityKind,
    pub stat: Stat,
    /// The base award of §4 (before the stack).
    pub base: f64,
    /// `round(base × Π stack factors)`.
    #[serde(rename = "final")]
    pub final_xp: i64,
    pub factors: Vec<Factor>,
    /// Whether part of the activity was over a daily cap and earned nothing.
    pub capped: bool,
    pub message: String,
    /// Fatigue after this activity's gain (§5), to store with the activity's time.
    pub fatigue_after: u8,
    /// The §3 working, for strength sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strength: Option<StrengthBreakdown>,
}

impl Award {
    /// The product of the stack factors, in list order.
    pub fn stack_product(&self) -> f64 {
        stack_product(&self.factors)
    }
}

fn stack_product(factors: &[Factor]) -> f64 {
    factors
        .iter()
        .filter(|f| f.stage == FactorStage::Stack)
        .fold(1.0, |acc, f| acc * f.value)
}

/// Combo multiplier for a streak counting today: `1 + 0.05 × min(streak − 1, 10)`.
/// A streak of 0 is treated as 1 (today is always at least day 1).
pub fn combo(streak: u32) -> f64 {
    1.0 + COMBO_STEP * f64::from(streak.max(1).saturating_sub(1).min(COMBO_MAX_STEPS))
}

/// §4 for one activity. Validates the input first; an error means no XP and nothing
/// stored as completed. Daily caps do not error: the excess earns nothing and
/// `capped` is set.
pub fn award(input: &ActivityInput, ctx: &AwardContext) -> Result<Award, RuleError> {
    input.validate()?;
    if ctx.fatigue > fatigue::MAX {
        return Err(RuleError::invalid("fatigue", "fatigue must be 0 to 100"));
    }
    let kind = input.kind();
    let has = |s: Skill| skill::has(ctx.class, ctx.level, s);
    let tenacity = has(Skill::Tenacity);
    let mut base_factors = Vec::new();
    let mut skill_factor = None;
    let mut capped = false;
    let mut strength_breakdown = None;
    let mut fatigue_gain = 0;

    // Fatigue (with Tenacity) as base-stage factors; returns the effective modifier.
    let fatigue_factors = |out: &mut Vec<Factor>| -> f64 {
        let table = fatigue::modifier(ctx.fatigue);
        let effective = fatigue::effective_modifier(ctx.fatigue, tenacity);
        out.push(Factor::base(FactorName::Fatigue, table));
        if effective != table {
            out.push(Factor::base(FactorName::Tenacity, effective / table));
        }
        effective
    };

    let (base, message) = match input {
        ActivityInput::Run {
            distance_km,
            duration_min,
        } => {
            let pace = activity::validate_run(*distance_km, *duration_min)?;
            let left = (RUN_CAP_KM - ctx.today.run_km.max(0.0)).max(0.0);
            let counted = distance_km.min(left);
            capped = counted < *distance_km;
            let modifier = fatigue_factors(&mut base_factors);
            fatigue_gain = fatigue::gain(kind, 0, *distance_km);
            if has(Skill::FlashStep) && pace < FLASH_STEP_PACE {
                skill_factor = Some(Factor::stack(FactorName::FlashStep, FLASH_STEP));
            }
            let mut message = format!(
                "Run logged: {distance_km:.2} km at {} min/km.",
                format_pace(pace)
            );
            if capped {
                message.push_str(&format!(
                    " Daily cap reached: only {counted:.2} of these {distance_km:.2} km earn XP (50 km a day)."
                ));
            }
            (RUN_XP_PER_KM * counted * modifier, message)
        }
        ActivityInput::Strength { sets, duration_min } => {
            let limit_breaker = has(Skill::LimitBreaker);
            let session = strength::session_xp(
                &StrengthInput {
                    sets: sets.clone(),
                    duration_min: *duration_min,
                    fatigue: ctx.fatigue,
                    sessions_last_7d: ctx.strength_sessions_last_7d,
                    edited: ctx.edited,
                },
                StrengthOptions {
                    ceiling: if limit_breaker {
                        strength::LIMIT_BREAKER_CEILING
                    } else {
                        strength::CEILING
                    },
                    tenacity,
                },
            )?;
            base_factors = strength_base_factors(&session, limit_breaker);
            // A capped session still trained the body: its fatigue counts.
            fatigue_gain = fatigue::gain(kind, session.session_xp, 0.0);
            capped = ctx.today.strength_sessions >= STRENGTH_CAP_SESSIONS;
            let mut message = session.message.clone();
            let base = if capped {
                message = format!(
                    "Daily cap reached: only {STRENGTH_CAP_SESSIONS} strength sessions a day earn XP; this one earns none."
                );
                0.0
            } else {
                session.session_xp as f64
            };
            strength_breakdown = Some(session);
            (base, message)
        }
        ActivityInput::Study { duration_min } => {
            let foresight = has(Skill::CheckmateForesight);
            let cap = if foresight {
                CHECKMATE_STUDY_CAP_MIN
            } else {
                STUDY_CAP_MIN
            };
            let left = (cap - ctx.today.study_min.max(0.0)).max(0.0);
            let counted = duration_min.min(left);
            capped = counted < *duration_min;
            if foresight && *duration_min >= CHECKMATE_MIN_SESSION_MIN {
                skill_factor = Some(Factor::stack(
                    FactorName::CheckmateForesight,
                    CHECKMATE_FORESIGHT,
                ));
            }
            let mut message = format!("Study session logged: {} minutes.", fmt_num(*duration_min));
            if capped {
                message.push_str(&format!(
                    " Daily cap reached: only {} of these {} minutes earn XP ({} h a day).",
                    fmt_num(counted),
                    fmt_num(*duration_min),
                    fmt_num(cap / 60.0)
                ));
            }
            (STUDY_XP_PER_HOUR * counted / 60.0, message)
        }
        ActivityInput::MartialArts { style, .. } => {
            capped = ctx.today.martial_arts_sessions >= MARTIAL_ARTS_CAP_SESSIONS;
            let modifier = fatigue_factors(&mut base_factors);
            fatigue_gain = fatigue::gain(kind, 0, 0.0);
            let mut message = format!("Martial arts session logged: {}.", style.trim());
            if capped {
                message.push_str(
                    " Daily cap reached: only 2 martial arts sessions a day earn XP; this one earns none.",
                );
            }
            let base = if capped { 0.0 } else { MARTIAL_ARTS_XP };
            (base * modifier, message)
        }
        ActivityInput::WakeUp { woke_at } => {
            if ctx.today.woke_today {
                return Err(RuleError::new(
                    ErrorCode::AlreadyWokeToday,
                    "woke_at",
                    "a wake-up was already logged today",
                ));
            }
            let woke = activity::parse_hhmm("woke_at", woke_at)?;
            if let Some(now) = ctx.local_time_now
                && woke > now
            {
                return Err(RuleError::new(
                    ErrorCode::WakeInFuture,
                    "woke_at",
                    format!(
                        "woke_at {} is later than your local time now ({})",
                        woke.format("%H:%M"),
                        now.format("%H:%M")
                    ),
                ));
            }
            if woke > ctx.wake_target {
                return Err(RuleError::new(
                    ErrorCode::WakeAfterTarget,
                    "woke_at",
                    format!(
                        "woke at {} after the {} target: no Discipline XP",
                        woke.format("%H:%M"),
                        ctx.wake_target.format("%H:%M")
                    ),
                ));
            }
            let message = format!(
                "Up at {}, before the {} target. Discipline holds.",
                woke.format("%H:%M"),
                ctx.wake_target.format("%H:%M")
            );
            (WAKE_UP_XP, message)
        }
    };

    let stat = kind.stat();
    let mut factors = base_factors;
    factors.push(Factor::stack(
        FactorName::ClassAffinity,
        affinity(ctx.class, stat),
    ));
    if kind.is_training() {
        factors.push(Factor::stack(FactorName::Combo, combo(ctx.streak)));
    }
    if ctx.training_arc_buff {
        factors.push(Factor::stack(
            FactorName::TrainingArcBuff,
            TRAINING_ARC_BUFF,
        ));
    }
    if kind.is_training() && ctx.behind_schedule && has(Skill::RageBoost) {
        factors.push(Factor::stack(FactorName::RageBoost, RAGE_BOOST));
    }
    if kind.is_training()
        && has(Skill::FullCowl)
        && full_cowl_rank(kind, &ctx.today) >= FULL_COWL_FROM_RANK
    {
        skill_factor = Some(Factor::stack(FactorName::FullCowl, FULL_COWL));
    }
    factors.extend(skill_factor);

    let final_xp = round_half_away(base * stack_product(&factors));
    Ok(Award {
        kind,
        stat,
        base,
        final_xp,
        factors,
        capped,
        message,
        fatigue_after: if kind.is_training() {
            fatigue::apply_gain(ctx.fatigue, fatigue_gain)
        } else {
            ctx.fatigue
        },
        strength: strength_breakdown,
    })
}

/// The rank of this activity's kind among the day's distinct training kinds
/// (1 = the first kind trained today). A kind already logged keeps its rank.
fn full_cowl_rank(kind: ActivityKind, today: &TodayUsage) -> usize {
    let mut seen: Vec<ActivityKind> = Vec::with_capacity(4);
    for k in today.training_kinds.iter().filter(|k| k.is_training()) {
        if !seen.contains(k) {
            seen.push(*k);
        }
    }
    match seen.iter().position(|k| *k == kind) {
        Some(i) => i + 1,
        None => seen.len() + 1,
    }
}

fn strength_base_factors(session: &StrengthBreakdown, limit_breaker: bool) -> Vec<Factor> {
    let table = fatigue::modifier(session.fatigue);
    let mut out = vec![Factor::base(FactorName::Fatigue, table)];
    if session.fatigue_modifier != table {
        out.push(Factor::base(
            FactorName::Tenacity,
            session.fatigue_modifier / table,
        ));
    }
    out.push(Factor::base(
        FactorName::Consistency,
        session.consistency_multiplier,
    ));
    if session.edit_multiplier != 1.0 {
        out.push(Factor::base(
            FactorName::EditPenalty,
            session.edit_multiplier,
        ));
    }
    if limit_breaker {
        // How much more the raised ceiling let through than the normal one would have.
        let normal = session.session_xp.clamp(1, strength::CEILING) as f64;
        out.push(Factor::base(
            FactorName::LimitBreaker,
            session.session_xp as f64 / normal,
        ));
    }
    out
}

fn format_pace(pace: f64) -> String {
    let total_seconds = round_half_away(pace * 60.0).max(0);
    format!("{}:{:02}", total_seconds / 60, total_seconds % 60)
}

/// Whole numbers without decimals, others with up to two.
fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// An edited strength session and the ledger entry that makes totals match it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditCorrection {
    /// The recomputed award (edit penalty applied, same fatigue, n and stack).
    pub award: Award,
    /// What the ledger must add: `award.final − original.final` (usually negative).
    pub delta: i64,
}

/// Whether a session completed at `completed_at` can still be edited at `now`.
pub fn edit_window_open(completed_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - completed_at <= Duration::hours(EDIT_WINDOW_HOURS)
}

/// §3 edits: recomputes the stored award of a strength session with new sets and
/// duration, `edited = true`, the same fatigue and n as at completion (both kept in the
/// award's breakdown) and the same stack factors. Fatigue is not touched by an edit.
pub fn edit_correction(
    original: &Award,
    sets: Vec<Set>,
    duration_min: f64,
) -> Result<EditCorrection, RuleError> {
    let Some(before) = original.strength.as_ref() else {
        return Err(RuleError::new(
            ErrorCode::NotEditable,
            "kind",
            "only strength sessions can be edited",
        ));
    };
    let session = strength::session_xp(
        &StrengthInput {
            sets,
            duration_min,
            fatigue: before.fatigue,
            sessions_last_7d: before.sessions_last_7d,
            edited: true,
        },
        StrengthOptions {
            ceiling: before.ceiling,
            tenacity: before.tenacity,
        },
    )?;
    let limit_breaker = before.ceiling > strength::CEILING;
    let mut factors = strength_base_factors(&session, limit_breaker);
    factors.extend(
        original
            .factors
            .iter()
            .filter(|f| f.stage == FactorStage::Stack)
            .copied(),
    );
    // A session past the day's strength cap stays capped whatever its sets become.
    let capped = original.capped;
    let base = if capped {
        0.0
    } else {
        session.session_xp as f64
    };
    let final_xp = round_half_away(base * stack_product(&factors));
    let award = Award {
        kind: ActivityKind::Strength,
        stat: Stat::Strength,
        base,
        final_xp,
        factors,
        capped,
        message: if capped {
            original.message.clone()
        } else {
            session.message.clone()
        },
        fatigue_after: original.fatigue_after,
        strength: Some(session),
    };
    Ok(EditCorrection {
        delta: award.final_xp - original.final_xp,
        award,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strength::tests::sets;

    fn ctx(class: Class, level: u32) -> AwardContext {
        AwardContext {
            class,
            level,
            ..AwardContext::default()
        }
    }

    fn run(km: f64, min: f64) -> ActivityInput {
        ActivityInput::Run {
            distance_km: km,
            duration_min: min,
        }
    }

    fn value(a: &Award, name: FactorName) -> Option<f64> {
        a.factors.iter().find(|f| f.name == name).map(|f| f.value)
    }

    fn recompute(a: &Award) -> i64 {
        round_half_away(a.base * a.stack_product())
    }

    #[test]
    fn seed_sessions_through_the_award_with_neutral_stack() {
        // Speedster: no affinity on Strength; streak 1: combo 1.00.
        let c = ctx(Class::Speedster, 1);
        for (s, d, f, want) in [
            (sets(4, 10.0, 15), 25.0, 0, 23),
            (sets(12, 100.0, 5), 70.0, 0, 98),
            (sets(12, 100.0, 5), 70.0, 85, 54),
        ] {
            let a = award(
                &ActivityInput::Strength {
                    sets: s,
                    duration_min: d,
                },
                &AwardContext {
                    fatigue: f,
                    ..c.clone()
                },
            )
            .unwrap();
            assert_eq!(a.base, want as f64);
            assert_eq!(a.final_xp, want);
            assert_eq!(a.stat, Stat::Strength);
        }
        let err = award(
            &ActivityInput::Strength {
                sets: sets(50, 0.0, 10),
                duration_min: 60.0,
            },
            &c,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::VolumeZero);
    }

    #[test]
    fn brawler_affinity_and_combo_on_strength() {
        let c = AwardContext {
            streak: 4,
            ..ctx(Class::Brawler, 1)
        };
        let a = award(
            &ActivityInput::Strength {
                sets: sets(12, 100.0, 5),
                duration_min: 70.0,
            },
            &c,
        )
        .unwrap();
        // 98 × 1.25 × 1.15 = 140.875 → 141
        assert_eq!(a.final_xp, 141);
        assert_eq!(value(&a, FactorName::ClassAffinity), Some(1.25));
        assert_eq!(value(&a, FactorName::Combo), Some(1.15));
        assert_eq!(value(&a, FactorName::Consistency), Some(0.8));
        assert_eq!(value(&a, FactorName::Fatigue), Some(1.0));
        assert_eq!(value(&a, FactorName::EditPenalty), None);
        assert_eq!(recompute(&a), a.final_xp);
        // Fatigue gain after the session: min(25, floor(98 / 5)) = 19.
        assert_eq!(a.fatigue_after, 19);
    }

    #[test]
    fn combo_table() {
        assert_eq!(combo(0), 1.0);
        assert_eq!(combo(1), 1.0);
        assert!((combo(2) - 1.05).abs() < 1e-12);
        assert!((combo(10) - 1.45).abs() < 1e-12);
        assert!((combo(11) - 1.5).abs() < 1e-12);
        assert!((combo(500) - 1.5).abs() < 1e-12);
    }

    #[test]
    fn combo_is_training_only() {
        let c = AwardContext {
            streak: 11,
            ..ctx(Class::Balanced, 1)
        };
        let wake = award(
            &ActivityInput::WakeUp {
                woke_at: "06:00".into(),
            },
            &c,
        )
        .unwrap();
        assert_eq!(value(&wake, FactorName::Combo), None);
        assert_eq!(value(&wake, FactorName::ClassAffinity), Some(1.0));
        assert_eq!(wake.final_xp, 10);
        assert_eq!(wake.stat, Stat::Discipline);
        let study = award(&ActivityInput::Study { duration_min: 60.0 }, &c).unwrap();
        // 40 × 1.10 × 1.50 = 66
        assert_eq!(study.final_xp, 66);
    }

    #[test]
    fn run_with_fatigue_affinity_and_combo() {
        // Balanced, fatigue 45 (0.85), streak 3 (1.10): 5.5 km → 110 × 0.85 = 93.5;
        // 93.5 × 1.10 × 1.10 = 113.135 → 113.
        let c = AwardContext {
            fatigue: 45,
            streak: 3,
            ..ctx(Class::Balanced, 1)
        };
        let a = award(&run(5.5, 33.0), &c).unwrap();
        assert!((a.base - 93.5).abs() < 1e-9);
        assert_eq!(a.final_xp, 113);
        assert_eq!(a.stat, Stat::Agility);
        assert_eq!(a.fatigue_after, 45 + 11);
        assert!(!a.capped);
        assert_eq!(a.message, "Run logged: 5.50 km at 6:00 min/km.");
    }

    #[test]
    fn run_cap_is_fifty_km_a_day() {
        let mut c = ctx(Class::Strategist, 1);
        c.today.run_km = 45.0;
        let a = award(&run(10.0, 60.0), &c).unwrap();
        assert!(a.capped);
        assert_eq!(a.base, 100.0);
        assert_eq!(a.final_xp, 100);
        assert!(a.message.contains("Daily cap reached"));
        c.today.run_km = 50.0;
        let none = award(&run(3.0, 20.0), &c).unwrap();
        assert!(none.capped);
        assert_eq!(none.final_xp, 0);
        c.today.run_km = 40.0;
        let exact = award(&run(10.0, 60.0), &c).unwrap();
        assert!(!exact.capped);
        assert_eq!(exact.final_xp, 200);
    }

    #[test]
    fn study_cap_and_checkmate_foresight() {
        let mut c = ctx(Class::Strategist, 19);
        c.today.study_min = 450.0;
        let a = award(&ActivityInput::Study { duration_min: 60.0 }, &c).unwrap();
        assert!(a.capped);
        // 30 counted minutes → 20 base × 1.25 affinity = 25
        assert_eq!(a.final_xp, 25);
        assert!(a.message.contains("8 h a day"));

        c.level = 20;
        let a = award(&ActivityInput::Study { duration_min: 90.0 }, &c).unwrap();
        // cap 600: 90 minutes all count → 60 × 1.25 × 1.20 = 90
        assert!(!a.capped);
        assert_eq!(value(&a, FactorName::CheckmateForesight), Some(1.2));
        assert_eq!(a.final_xp, 90);
        c.today.study_min = 0.0;
        let short = award(&ActivityInput::Study { duration_min: 89.0 }, &c).unwrap();
        assert_eq!(value(&short, FactorName::CheckmateForesight), None);
        c.today.study_min = 599.0;
        let capped = award(&ActivityInput::Study { duration_min: 30.0 }, &c).unwrap();
        assert!(capped.capped);
        assert!(capped.message.contains("10 h a day"));
        // Study ignores fatigue.
        c.fatigue = 90;
        c.today.study_min = 0.0;
        let tired = award(&ActivityInput::Study { duration_min: 60.0 }, &c).unwrap();
        assert_eq!(value(&tired, FactorName::Fatigue), None);
        assert_eq!(tired.final_xp, 50);
        assert_eq!(tired.fatigue_after, 90);
    }

    #[test]
    fn strength_two_sessions_a_day() {
        let mut c = ctx(Class::Brawler, 1);
        let heavy = ActivityInput::Strength {
            sets: sets(12, 100.0, 5),
            duration_min: 70.0,
        };
        c.today.strength_sessions = 1;
        let second = award(&heavy, &c).unwrap();
        assert!(!second.capped);
        assert!(second.final_xp > 0);
        c.today.strength_sessions = 2;
        let third = award(&heavy, &c).unwrap();
        assert!(third.capped);
        assert_eq!(third.final_xp, 0);
        assert_eq!(third.base, 0.0);
        assert!(third.message.contains("only 2 strength sessions a day"));
        // It still trained the body.
        assert_eq!(third.fatigue_after, second.fatigue_after);
        // An edit keeps it capped.
        let edited = edit_correction(&third, sets(12, 100.0, 5), 60.0).unwrap();
        assert!(edited.award.capped);
        assert_eq!(edited.award.final_xp, 0);
        assert_eq!(edited.delta, 0);
    }

    proptest::proptest! {
        /// §10: however a workout is split into sessions on one day, at most two of
        /// them pay, so the day never earns more than two best sessions would.
        #[test]
        fn splitting_a_session_never_earns_more_than_the_days_allowance(
            parts in proptest::collection::vec((1usize..12, 0.5f64..200.0, 1u32..30, 20.0f64..90.0), 1..30),
            level in 1u32..40,
            streak in 1u32..15,
        ) {
            let mut c = ctx(Class::Brawler, level);
            c.streak = streak;
            let best = award(
                &ActivityInput::Strength { sets: sets(1, 1.0, 1), duration_min: 20.0 },
                &c,
            ).unwrap();
            // The most one session can earn with this context: the ceiling through the stack.
            let ceiling = best.strength.as_ref().unwrap().ceiling as f64;
            let one_max = round_half_away(ceiling * best.stack_product());
            let mut total = 0;
            let mut paid = 0;
            for (n, kg, reps, minutes) in parts {
                let a = award(
                    &ActivityInput::Strength { sets: sets(n, kg, reps), duration_min: minutes },
                    &c,
                ).unwrap();
                if a.final_xp > 0 { paid += 1; }
                total += a.final_xp;
                c.today.strength_sessions += 1;
            }
            proptest::prop_assert!(paid <= STRENGTH_CAP_SESSIONS);
            proptest::prop_assert!(total <= 2 * one_max, "{total} > 2 × {one_max}");
        }
    }

    #[test]
    fn a_wake_up_from_the_future_is_refused() {
        let mut c = ctx(Class::Balanced, 1);
        let wake = ActivityInput::WakeUp {
            woke_at: "06:00".into(),
        };
        // The attack: at 00:53 local, "woke at 06:00".
        c.local_time_now = NaiveTime::from_hms_opt(0, 53, 0);
        let e = award(&wake, &c).unwrap_err();
        assert_eq!(e.code, ErrorCode::WakeInFuture);
        assert_eq!(e.field.as_deref(), Some("woke_at"));
        c.local_time_now = NaiveTime::from_hms_opt(6, 0, 0);
        assert_eq!(award(&wake, &c).unwrap().final_xp, 10);
        // A wake-up on an earlier date is not judged by the time now.
        c.local_time_now = None;
        assert!(award(&wake, &c).is_ok());
    }

    #[test]
    fn martial_arts_two_sessions_a_day() {
        let mut c = ctx(Class::Brawler, 1);
        let ma = ActivityInput::MartialArts {
            duration_min: 45.0,
            style: "karate".into(),
        };
        let first = award(&ma, &c).unwrap();
        assert_eq!(first.final_xp, 50);
        assert_eq!(first.stat, Stat::Fighting);
        assert_eq!(first.fatigue_after, 10);
        c.today.martial_arts_sessions = 1;
        assert_eq!(award(&ma, &c).unwrap().final_xp, 50);
        c.today.martial_arts_sessions = 2;
        let third = award(&ma, &c).unwrap();
        assert!(third.capped);
        assert_eq!(third.final_xp, 0);
        assert!(third.message.contains("Daily cap reached"));
        c.today.martial_arts_sessions = 0;
        c.fatigue = 60;
        assert_eq!(award(&ma, &c).unwrap().final_xp, 35);
    }

    #[test]
    fn wake_up_rules() {
        let mut c = ctx(Class::Balanced, 1);
        let wake = |t: &str| ActivityInput::WakeUp { woke_at: t.into() };
        assert_eq!(award(&wake("06:30"), &c).unwrap().final_xp, 10);
        let late = award(&wake("06:31"), &c).unwrap_err();
        assert_eq!(late.code, ErrorCode::WakeAfterTarget);
        assert_eq!(late.field.as_deref(), Some("woke_at"));
        c.today.woke_today = true;
        assert_eq!(
            award(&wake("05:00"), &c).unwrap_err().code,
            ErrorCode::AlreadyWokeToday
        );
        c.today.woke_today = false;
        c.training_arc_buff = true;
        // The buff applies to every activity award: 10 × 1.25 = 12.5 → 13.
        assert_eq!(award(&wake("05:00"), &c).unwrap().final_xp, 13);
    }

    #[test]
    fn buff_and_rage_boost() {
        let mut c = ctx(Class::Speedster, 9);
        c.behind_schedule = true;
        c.training_arc_buff = true;
        let a = award(&run(5.0, 30.0), &c).unwrap();
        // Rage Boost needs level 10: 100 × 1.25 × 1.25 = 156.25 → 156.
        assert_eq!(value(&a, FactorName::RageBoost), None);
        assert_eq!(a.final_xp, 156);
        c.level = 10;
        let a = award(&run(5.0, 30.0), &c).unwrap();
        assert_eq!(value(&a, FactorName::RageBoost), Some(2.0));
        assert_eq!(a.final_xp, 313);
        assert_eq!(recompute(&a), 313);
        c.behind_schedule = false;
        assert_eq!(award(&run(5.0, 30.0), &c).unwrap().final_xp, 156);
    }

    #[test]
    fn flash_step_under_five_minutes_per_km() {
        let c = ctx(Class::Speedster, 20);
        let fast = award(&run(10.0, 49.0), &c).unwrap();
        assert_eq!(value(&fast, FactorName::FlashStep), Some(1.25));
        // 200 × 1.25 × 1.25 = 312.5 → 313
        assert_eq!(fast.final_xp, 313);
        let at_five = award(&run(10.0, 50.0), &c).unwrap();
        assert_eq!(value(&at_five, FactorName::FlashStep), None);
        let other = award(&run(10.0, 40.0), &ctx(Class::Brawler, 20)).unwrap();
        assert_eq!(value(&other, FactorName::FlashStep), None);
    }

    #[test]
    fn full_cowl_from_the_third_distinct_kind() {
        let mut c = ctx(Class::Balanced, 20);
        let study = ActivityInput::Study { duration_min: 60.0 };
        c.today.training_kinds = vec![ActivityKind::Run];
        assert_eq!(
            value(&award(&study, &c).unwrap(), FactorName::FullCowl),
            None
        );
        c.today.training_kinds = vec![ActivityKind::Run, ActivityKind::Strength];
        let third = award(&study, &c).unwrap();
        assert_eq!(value(&third, FactorName::FullCowl), Some(1.2));
        // 40 × 1.10 × 1.20 = 52.8 → 53
        assert_eq!(third.final_xp, 53);
        // A second study the same day keeps rank 3; a second run keeps rank 1.
        c.today.training_kinds = vec![
            ActivityKind::Run,
            ActivityKind::Strength,
            ActivityKind::Study,
        ];
        assert_eq!(
            value(&award(&study, &c).unwrap(), FactorName::FullCowl),
            Some(1.2)
        );
        assert_eq!(
            value(&award(&run(5.0, 30.0), &c).unwrap(), FactorName::FullCowl),
            None
        );
        // Not below level 20, not for other classes, never for wake-ups.
        c.level = 19;
        assert_eq!(
            value(&award(&study, &c).unwrap(), FactorName::FullCowl),
            None
        );
        c.level = 20;
        c.class = Class::Strategist;
        assert_eq!(
            value(&award(&study, &c).unwrap(), FactorName::FullCowl),
            None
        );
    }

    #[test]
    fn tenacity_on_runs_and_strength() {
        let c = AwardContext {
            fatigue: 85,
            ..ctx(Class::Speedster, 5)
        };
        let a = award(&run(5.0, 30.0), &c).unwrap();
        // 100 × 0.775 = 77.5 base; × 1.25 affinity = 96.875 → 97
        assert!((a.base - 77.5).abs() < 1e-9);
        assert_eq!(a.final_xp, 97);
        let t = value(&a, FactorName::Tenacity).unwrap();
        assert!((0.55 * t - 0.775).abs() < 1e-12);
        let s = award(
            &ActivityInput::Strength {
                sets: sets(12, 100.0, 5),
                duration_min: 70.0,
            },
            &c,
        )
        .unwrap();
        assert_eq!(s.final_xp, 76);
    }

    #[test]
    fn limit_breaker_factor() {
        let c = AwardContext {
            strength_sessions_last_7d: 3,
            ..ctx(Class::Brawler, 20)
        };
        let a = award(
            &ActivityInput::Strength {
                sets: sets(12, 100.0, 5),
                duration_min: 70.0,
            },
            &c,
        )
        .unwrap();
        assert_eq!(a.base, 134.0);
        assert!((value(&a, FactorName::LimitBreaker).unwrap() - 134.0 / 120.0).abs() < 1e-12);
        // 134 × 1.25 = 167.5 → 168
        assert_eq!(a.final_xp, 168);
    }

    #[test]
    fn every_award_recomputes_from_its_stack() {
        let mut c = ctx(Class::Balanced, 25);
        c.streak = 7;
        c.training_arc_buff = true;
        c.behind_schedule = true;
        c.fatigue = 62;
        c.today.training_kinds = vec![ActivityKind::Study, ActivityKind::MartialArts];
        let inputs = [
            run(7.3, 41.0),
            ActivityInput::Study { duration_min: 95.0 },
            ActivityInput::MartialArts {
                duration_min: 60.0,
                style: "judo".into(),
            },
            ActivityInput::Strength {
                sets: sets(8, 62.5, 7),
                duration_min: 48.0,
            },
        ];
        for input in inputs {
            let a = award(&input, &c).unwrap();
            assert_eq!(recompute(&a), a.final_xp, "{input:?}");
            let json = serde_json::to_value(&a).unwrap();
            assert!(json.get("final").is_some());
            let back: Award = serde_json::from_value(json).unwrap();
            assert_eq!(back, a);
        }
    }

    #[test]
    fn factor_names_match_the_contract() {
        let names: Vec<String> = [
            FactorName::ClassAffinity,
            FactorName::Combo,
            FactorName::TrainingArcBuff,
            FactorName::Fatigue,
            FactorName::Consistency,
            FactorName::EditPenalty,
            FactorName::Tenacity,
            FactorName::RageBoost,
            FactorName::LimitBreaker,
            FactorName::FlashStep,
            FactorName::CheckmateForesight,
            FactorName::FullCowl,
        ]
        .into_iter()
        .map(|n| {
            let s = serde_json::to_value(n).unwrap();
            assert_eq!(s.as_str(), Some(n.as_str()));
            n.as_str().to_string()
        })
        .collect();
        assert_eq!(
            names.join(","),
            "class_affinity,combo,training_arc_buff,fatigue,consistency,edit_penalty,tenacity,rage_boost,limit_breaker,flash_step,checkmate_foresight,full_cowl"
        );
    }

    #[test]
    fn edit_correction_recomputes_with_the_penalty() {
        let c = AwardContext {
            streak: 4,
            fatigue: 85,
            ..ctx(Class::Brawler, 1)
        };
        let original = award(
            &ActivityInput::Strength {
                sets: sets(12, 100.0, 5),
                duration_min: 70.0,
            },
            &c,
        )
        .unwrap();
        // 54 × 1.25 × 1.15 = 77.625 → 78
        assert_eq!(original.final_xp, 78);
        // Same sets, only the duration fixed: 122.22 × 0.55 × 0.8 × 0.8 = 43.02 → 43.
        let fix = edit_correction(&original, sets(12, 100.0, 5), 70.0).unwrap();
        assert_eq!(fix.award.base, 43.0);
        // 43 × 1.25 × 1.15 = 61.8125 → 62
        assert_eq!(fix.award.final_xp, 62);
        assert_eq!(fix.delta, 62 - 78);
        assert_eq!(value(&fix.award, FactorName::EditPenalty), Some(0.8));
        assert_eq!(fix.award.fatigue_after, original.fatigue_after);
        // Editing twice is the same as editing once from the original.
        let again = edit_correction(&fix.award, sets(12, 100.0, 5), 70.0).unwrap();
        assert_eq!(again.delta, 0);
        // A rejected edit changes nothing.
        let bad = edit_correction(&original, sets(3, 0.0, 5), 70.0).unwrap_err();
        assert_eq!(bad.code, ErrorCode::VolumeZero);
        let not_strength = award(&run(5.0, 30.0), &c).unwrap();
        assert_eq!(
            edit_correction(&not_strength, sets(1, 10.0, 5), 30.0)
                .unwrap_err()
                .code,
            ErrorCode::NotEditable
        );
    }

    #[test]
    fn edit_window_is_24_hours() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert!(edit_window_open(t0, t0 + Duration::hours(24)));
        assert!(!edit_window_open(
            t0,
            t0 + Duration::hours(24) + Duration::seconds(1)
        ));
    }

    #[test]
    fn validation_errors_surface() {
        let c = AwardContext::default();
        assert_eq!(
            award(&run(10.0, 20.0), &c).unwrap_err().code,
            ErrorCode::PaceTooFast
        );
        assert_eq!(
            award(&ActivityInput::Study { duration_min: 10.0 }, &c)
                .unwrap_err()
                .code,
            ErrorCode::DurationTooShort
        );
    }
}
