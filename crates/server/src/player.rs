//! What a stored player row means under the rules: the calendar and the settings in
//! force at a moment, the local date, the streak chain, the class. Pure functions of
//! the row (no I/O, no clock: time is an argument), shared by the capabilities, the
//! services and the real-time events, so none of them imports another for these.

use crate::clock::from_micros;
use crate::local;
use crate::storage::PlayerRow;
use chrono::{DateTime, NaiveDate, Utc};
use shonen_rules::{Calendar, ChainState, Class, DayEvent, Settings, TrainingDays};

/// The settings columns of a player row.
pub fn settings_of(p: &PlayerRow) -> Settings {
    Settings {
        timezone: p.timezone.clone(),
        training_days: p.training_days.clone(),
        weekly_goal: u8::try_from(p.weekly_goal.clamp(1, 7)).unwrap_or(4),
        wake_target: p.wake_target.clone(),
    }
}

/// The player's calendar (§10). A player who never changed a setting has one era:
/// the settings columns since registration.
pub fn calendar(p: &PlayerRow) -> Calendar {
    p.calendar_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<Vec<shonen_rules::Era>>(j).ok())
        .and_then(Calendar::from_eras)
        .unwrap_or_else(|| {
            let registered = local::parse_date(&p.registered_on)
                .unwrap_or_else(|| from_micros(p.created_at).date_naive());
            Calendar::new(settings_of(p), from_micros(p.created_at), registered)
        })
}

pub fn set_calendar(p: &mut PlayerRow, c: &Calendar) {
    // Serializing plain strings, numbers and dates cannot fail.
    p.calendar_json = serde_json::to_string(c.eras()).ok();
}

/// Brings the row's settings columns to the settings in force at `now`: a pending
/// change whose moment has come applies on every read, whether or not the day-close
/// job has written it yet. Returns whether anything changed.
pub fn settle(p: &mut PlayerRow, now: DateTime<Utc>) -> bool {
    let Some(_) = p.calendar_json else {
        return false;
    };
    let s = calendar(p).in_force(now).clone();
    let changed = settings_of(p) != s;
    p.timezone = s.timezone;
    p.training_days = s.training_days;
    p.weekly_goal = i64::from(s.weekly_goal);
    p.wake_target = s.wake_target;
    changed
}

/// The player's local date at `at`, by the calendar (§10: dates never begin twice).
pub fn date_at(p: &PlayerRow, at: DateTime<Utc>) -> NaiveDate {
    calendar(p).date_at(at)
}

pub fn today(p: &PlayerRow, now: DateTime<Utc>) -> NaiveDate {
    date_at(p, now)
}

pub fn chain(p: &PlayerRow) -> ChainState {
    serde_json::from_str(&p.chain_json).unwrap_or_default()
}

pub fn set_chain(p: &mut PlayerRow, c: &ChainState) {
    // Serializing a plain struct of numbers and dates cannot fail.
    p.chain_json = serde_json::to_string(c).unwrap_or_else(|_| "{}".into());
}

pub fn class(p: &PlayerRow) -> Class {
    Class::parse(&p.class).unwrap_or(Class::Balanced)
}

pub fn training_days(p: &PlayerRow) -> TrainingDays {
    schedule_of(&p.training_days)
}

/// A stored schedule (`"mon,tue,thu"`; names written by the service, so unknown
/// ones are skipped rather than refused).
pub fn schedule_of(text: &str) -> TrainingDays {
    let days: Vec<_> = text.split(',').filter_map(parse_weekday).collect();
    TrainingDays::new(&days)
}

/// A weekday by its contract name (`mon` … `sun`).
pub fn parse_weekday(s: &str) -> Option<shonen_rules::Weekday> {
    shonen_rules::Weekday::ALL
        .into_iter()
        .find(|d| d.as_str() == s)
}

/// A day-close event as applied to the player (with the amount actually taken).
#[derive(Debug, Clone)]
pub struct Applied {
    pub event: DayEvent,
    pub amount: i64,
}

/// The streak shown to the player today: the chain plus today if trained today.
pub fn display_streak(p: &PlayerRow, trained_today: bool) -> u32 {
    shonen_rules::streak::current_streak(&chain(p), trained_today)
}

/// The player's fatigue at `now`, recovered since it was last written.
pub fn fatigue_now(p: &PlayerRow, now: DateTime<Utc>) -> u8 {
    shonen_rules::fatigue::recover(
        u8::try_from(p.fatigue.clamp(0, 100)).unwrap_or(100),
        from_micros(p.fatigue_at),
        now,
    )
}

/// Whether the Training Arc Buff is on at `now`.
pub fn buff_active(p: &PlayerRow, now: DateTime<Utc>) -> bool {
    p.buff_expires_at
        .is_some_and(|t| t > now.timestamp_micros())
}

/// Whether training done at `at` falls in the Training Arc Buff's 72 h, which the
/// last lost duel began (§4): not before the loss, not after the end.
pub fn buff_covers(p: &PlayerRow, at: DateTime<Utc>) -> bool {
    let span = shonen_rules::battle::LOSER_BUFF_HOURS * 3_600_000_000;
    let at = at.timestamp_micros();
    p.buff_expires_at
        .is_some_and(|end| at < end && at >= end.saturating_sub(span))
}
