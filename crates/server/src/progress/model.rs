//! What progress takes in and hands back: the activity bodies of the contract,
//! parsed once into the rules' `ActivityInput`; the stored award; the contract's
//! `activity` view of a stored row; and what a logged activity reports.

use super::error::{ProgressError, internal};
use super::news::BossNews;
use crate::clock::from_micros;
use crate::model;
use crate::player::Applied;
use crate::storage::{ActivityRow, PlayerRow};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shonen_rules::{ActivityInput, ActivityKind, Award, Set};

/// The activity body of the contract. Kind-specific fields are checked per kind.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ActivityBody {
    #[schema(value_type = model::ActivityKindName)]
    pub kind: String,
    /// RFC 3339; defaults to now.
    #[schema(pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")]
    pub occurred_at: Option<DateTime<Utc>>,
    /// Minutes, more than 0 and at most 1440 (each kind has its own floor: study
    /// 15, martial arts 30, strength 20).
    #[schema(exclusive_minimum = 0, maximum = 1440)]
    pub duration_min: Option<f64>,
    /// A run's kilometres, more than 0 and at most 500.
    #[schema(exclusive_minimum = 0, maximum = 500)]
    pub distance_km: Option<f64>,
    #[schema(value_type = Option<Vec<model::SetView>>)]
    pub sets: Option<Vec<Set>>,
    /// A martial arts session's style: 1–100 characters, not only blanks.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub style: Option<String>,
    pub woke_at: Option<String>,
    /// At most 2000 characters.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EditBody {
    /// The session's new sets (1–100), if they change.
    #[schema(value_type = Option<Vec<model::SetView>>, min_items = 1, max_items = 100)]
    pub sets: Option<Vec<Set>>,
    /// The session's new minutes (20–1440), if they change.
    #[schema(minimum = 20, maximum = 1440)]
    pub duration_min: Option<f64>,
}

/// The longest note, in characters.
const NOTE_MAX_CHARS: usize = 2000;

fn required<T>(v: Option<T>, field: &str) -> Result<T, ProgressError> {
    v.ok_or_else(|| ProgressError::invalid(field, "missing_field", format!("{field} is required")))
}

/// An activity body checked once: its kind's fields present, the note and style
/// acceptable text, the input plausible by the rules. The moment it happened is
/// checked against the clock when it is logged.
#[derive(Debug)]
pub struct LogInput {
    pub(super) input: ActivityInput,
    pub(super) body: ActivityBody,
}

impl LogInput {
    pub fn parse(body: ActivityBody) -> Result<LogInput, ProgressError> {
        let input = to_input(&body)?;
        if let Some(note) = &body.note
            && note.chars().count() > NOTE_MAX_CHARS
        {
            return Err(ProgressError::invalid(
                "note",
                "note_too_long",
                "note is at most 2000 characters",
            ));
        }
        for (field, text) in [("note", &body.note), ("style", &body.style)] {
            if text.as_deref().is_some_and(|t| t.contains('\0')) {
                return Err(ProgressError::invalid(
                    field,
                    "invalid_text",
                    format!("{field} may not contain NUL characters"),
                ));
            }
        }
        if let Some(sets) = &body.sets
            && matches!(input, ActivityInput::Strength { .. })
        {
            check_exercises(sets)?;
        }
        input.validate()?;
        Ok(LogInput { input, body })
    }
}

impl ActivityBody {
    /// Whether this body asks for what `a` holds (a retry of the request that wrote
    /// it): the same kind and fields, and the same moment when one is named. What an
    /// edit since may have changed (sets, minutes) is not compared on an edited one.
    pub fn describes(&self, a: &ActivityRow) -> bool {
        let edited = a.edited != 0;
        let sets = || -> Option<Vec<Set>> { serde_json::from_str(a.sets_json.as_deref()?).ok() };
        self.kind == a.kind
            && self
                .occurred_at
                .is_none_or(|t| t.timestamp_micros() == a.occurred_at)
            && (edited || a.duration_min.is_none() || self.duration_min == a.duration_min)
            && (a.distance_km.is_none() || self.distance_km == a.distance_km)
            && (edited || a.sets_json.is_none() || self.sets == sets())
            && (a.style.is_none() || self.style == a.style)
            && (a.woke_at.is_none() || self.woke_at == a.woke_at)
            && self.note == a.note
    }
}

/// The longest exercise name of a set, in characters.
const EXERCISE_MAX_CHARS: usize = 100;

/// Every set names its exercise: 1–100 characters, not only blanks.
pub(super) fn check_exercises(sets: &[Set]) -> Result<(), ProgressError> {
    for (i, set) in sets.iter().enumerate() {
        if set.exercise.trim().is_empty() || set.exercise.chars().count() > EXERCISE_MAX_CHARS {
            return Err(ProgressError::invalid(
                &format!("sets[{i}].exercise"),
                "invalid_field",
                format!("exercise must be a name of 1 to {EXERCISE_MAX_CHARS} characters"),
            ));
        }
    }
    Ok(())
}

fn to_input(b: &ActivityBody) -> Result<ActivityInput, ProgressError> {
    let kind = ActivityKind::parse(&b.kind).ok_or_else(|| {
        ProgressError::invalid(
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

/// What an activity row keeps of its award: the contract's view and the rules'
/// working (which an edit recomputes from).
#[derive(Serialize)]
struct StoredAward<'a> {
    award: &'a model::Award,
    rules: &'a Award,
}

pub(super) fn stored_award_json(
    award: &model::Award,
    rules: &Award,
) -> Result<String, ProgressError> {
    serde_json::to_string(&StoredAward { award, rules }).map_err(internal)
}

#[derive(Deserialize)]
pub(super) struct StoredAwardRead {
    pub(super) award: model::Award,
    pub(super) rules: Option<Award>,
}

pub(super) fn read_stored_award(a: &ActivityRow) -> Result<StoredAwardRead, ProgressError> {
    serde_json::from_str(&a.award_json)
        .map_err(|e| ProgressError::Internal(format!("stored award of activity {}: {e}", a.id)))
}

/// The award part of a stored activity.
pub fn award_of(a: &ActivityRow) -> Result<model::Award, ProgressError> {
    Ok(read_stored_award(a)?.award)
}

/// Whether the stored award says a daily cap cut the activity's XP (only that field
/// of the stored award is read).
fn stored_capped(a: &ActivityRow) -> bool {
    #[derive(Deserialize)]
    struct Capped {
        capped: bool,
    }
    #[derive(Deserialize)]
    struct Stored {
        award: Capped,
    }
    serde_json::from_str::<Stored>(&a.award_json).is_ok_and(|s| s.award.capped)
}

/// The contract's `activity` of a stored row.
pub fn activity_view(a: &ActivityRow) -> model::Activity {
    view_with(a, stored_capped(a))
}

/// `activity_view` when the award is at hand (no need to read it back).
fn view_with(a: &ActivityRow, capped: bool) -> model::Activity {
    model::Activity {
        id: a.id,
        kind: a.kind.clone(),
        occurred_at: from_micros(a.occurred_at).to_rfc3339(),
        local_date: a.local_date.clone(),
        xp: a.xp,
        stat: a.stat.clone(),
        edited: a.edited != 0,
        capped,
        note: a.note.clone(),
        created_at: from_micros(a.created_at).to_rfc3339(),
        photos: serde_json::from_str(&a.photos_json).unwrap_or_default(),
        duration_min: a.duration_min,
        distance_km: a.distance_km,
        sets: a
            .sets_json
            .as_deref()
            .map(|s| serde_json::from_str(s).unwrap_or_default()),
        style: a.style.clone(),
        woke_at: a.woke_at.clone(),
    }
}

/// A committed activity (logged or edited) and what follows it outside the
/// database: the adapters refresh caches and boards from `player`, and publish the
/// closed days, the award and the boss news as events.
#[derive(Debug)]
pub struct Logged {
    /// The player as committed.
    pub player: PlayerRow,
    pub activity: ActivityRow,
    pub award: model::Award,
    /// Days the log closed first (skips, Plot Armor, streak breaks).
    pub closed: Vec<Applied>,
    pub boss: BossNews,
    /// The week (local Monday) of the award and the player's XP of that week after
    /// it, when the write returned it (the weekly board then needs no read).
    pub week: Option<(String, i64)>,
    /// The streak shown after the activity, when it changed it.
    pub streak: Option<u32>,
}

impl Logged {
    /// The contract's answer: the activity and its award.
    pub fn answer(&self) -> model::ActivityAward {
        model::ActivityAward {
            activity: view_with(&self.activity, self.award.capped),
            award: self.award.clone(),
        }
    }
}
