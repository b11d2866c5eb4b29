//! Streaks, skips and penalties (§7) as pure day-by-day bookkeeping.
//!
//! The server keeps one [`ChainState`] per player and closes each local day exactly once,
//! in order, after the player's local midnight: `close_day` is a no-op for a date that is
//! already closed, so re-running a crashed or repeated job is harmless, and every
//! [`DayEvent`] carries a stable key `"<rule>:<date>"` for a unique ledger constraint
//! (the guarantee still holds if the state was not saved but the ledger rows were).
//! [`days_to_close`] lists the days a job must catch up on after downtime.

use crate::skill::Skill;
use crate::stat::Stat;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A chain survives this many consecutive days without training; one more breaks it.
pub const MAX_MISSED_DAYS: u32 = 2;
pub const SKIP_PENALTY: i64 = 50;
pub const STREAK_BREAK_PENALTY: i64 = 100;
pub const PLOT_ARMOR_XP: i64 = 10;
pub const PLOT_ARMOR_CHARGES_PER_MONTH: u8 = 3;
pub const SKIP_REASON: &str = "You get weaker.";
pub const STREAK_BREAK_REASON: &str =
    "Plot Armor Nerf: three days without training broke your streak.";
pub const PLOT_ARMOR_REASON: &str = "Plot Armor! The skip bounced off. +10 Discipline.";

/// A player's chain as of the last closed day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainState {
    /// Training days in the current chain; 0 = no chain.
    pub streak: u32,
    /// Consecutive days without training since the chain's last training day
    /// (days covered by Plot Armor are not counted).
    pub missed_in_a_row: u32,
    /// The calendar month (year, month) that `plot_armor_used` counts for.
    pub plot_armor_month: Option<(i32, u32)>,
    /// Plot Armor charges used in that month.
    pub plot_armor_used: u8,
    /// The last local date that was closed; `None` before the first close.
    pub last_closed: Option<NaiveDate>,
}

impl ChainState {
    /// Whether there is a chain that can break.
    pub fn has_chain(&self) -> bool {
        self.streak > 0
    }

    /// Plot Armor charges left in the month of `date` for a player at `level`
    /// (0 below level 15, where the skill is not active).
    pub fn plot_armor_charges(&self, date: NaiveDate, level: u32) -> u8 {
        if level < Skill::PlotArmor.level() {
            return 0;
        }
        let used = if self.plot_armor_month == Some((date.year(), date.month())) {
            self.plot_armor_used
        } else {
            0
        };
        PLOT_ARMOR_CHARGES_PER_MONTH.saturating_sub(used)
    }
}

/// What happened on the day being closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFacts {
    /// At least one training activity on this local date.
    pub trained: bool,
    /// This weekday is one of the player's training days.
    pub scheduled: bool,
    /// The player registered on this date (never a skip).
    pub registration_day: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayEventKind {
    /// A scheduled day without training: −50.
    Skip,
    /// A skip absorbed by a Plot Armor charge: +10 Discipline.
    PlotArmor,
    /// The 3rd consecutive missed day broke the chain: −100 (the Plot Armor Nerf).
    StreakBroken,
}

impl DayEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayEventKind::Skip => "skip",
            DayEventKind::PlotArmor => "plot_armor",
            DayEventKind::StreakBroken => "streak_broken",
        }
    }
}

/// A ledger entry produced by closing a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayEvent {
    pub kind: DayEventKind,
    pub date: NaiveDate,
    /// Signed nominal amount: −50, −100 or +10. For penalties, store what
    /// [`apply_penalty`] says was actually taken.
    pub xp: i64,
    /// `Some(Discipline)` for Plot Armor; penalties have no stat.
    pub stat: Option<Stat>,
    pub reason: String,
    /// Stable idempotency key, e.g. `"skip:2025-03-04"`.
    pub key: String,
}

impl DayEvent {
    fn new(kind: DayEventKind, date: NaiveDate) -> DayEvent {
        let (xp, stat, reason) = match kind {
            DayEventKind::Skip => (-SKIP_PENALTY, None, SKIP_REASON),
            DayEventKind::PlotArmor => (PLOT_ARMOR_XP, Some(Stat::Discipline), PLOT_ARMOR_REASON),
            DayEventKind::StreakBroken => (-STREAK_BREAK_PENALTY, None, STREAK_BREAK_REASON),
        };
        DayEvent {
            kind,
            date,
            xp,
            stat,
            reason: reason.to_string(),
            key: format!("{}:{}", kind.as_str(), date.format("%Y-%m-%d")),
        }
    }
}

/// Closes one local day. `level` is the player's level when the day is closed (it
/// decides whether Plot Armor is active). Days must be closed in order; a date at or
/// before `last_closed` returns the state unchanged and no events.
pub fn close_day(
    state: ChainState,
    date: NaiveDate,
    facts: DayFacts,
    level: u32,
) -> (ChainState, Vec<DayEvent>) {
    if state.last_closed.is_some_and(|last| date <= last) {
        return (state, Vec::new());
    }
    let mut next = ChainState {
        last_closed: Some(date),
        ..state
    };
    let mut events = Vec::new();

    if facts.trained {
        next.streak = next.streak.saturating_add(1);
        next.missed_in_a_row = 0;
        return (next, events);
    }

    let mut covered = false;
    if facts.scheduled && !facts.registration_day {
        if next.plot_armor_charges(date, level) > 0 {
            let month = (date.year(), date.month());
            next.plot_armor_used = if next.plot_armor_month == Some(month) {
                next.plot_armor_used + 1
            } else {
                1
            };
            next.plot_armor_month = Some(month);
            covered = true;
            events.push(DayEvent::new(DayEventKind::PlotArmor, date));
        } else {
            events.push(DayEvent::new(DayEventKind::Skip, date));
        }
    }

    // Any day without training counts toward the break, scheduled or not, unless
    // Plot Armor covered it; with no chain there is nothing to break.
    if next.has_chain() && !covered {
        next.missed_in_a_row += 1;
        if next.missed_in_a_row > MAX_MISSED_DAYS {
            next.streak = 0;
            next.missed_in_a_row = 0;
            events.push(DayEvent::new(DayEventKind::StreakBroken, date));
        }
    }
    (next, events)
}

/// The local dates still to close at local date `today`: every date after the last
/// closed one (or from registration) up to yesterday. Bounded to 366 days so a
/// corrupted state cannot produce an endless catch-up.
pub fn days_to_close(
    state: &ChainState,
    registration_date: NaiveDate,
    today: NaiveDate,
) -> Vec<NaiveDate> {
    let first = match state.last_closed {
        Some(last) => last.succ_opt(),
        None => Some(registration_date),
    };
    let mut out = Vec::new();
    let mut day = first;
    while let Some(d) = day {
        if d >= today || out.len() >= 366 {
            break;
        }
        out.push(d);
        day = d.succ_opt();
    }
    out
}

/// The streak counting the day of an activity, for the combo: the chain as of the
/// last closed day plus this day. Close every day before the activity's day first.
/// An activity on an already-closed day (logged late) does not reopen that day: it
/// gets the current chain's streak (at least 1).
pub fn streak_for_activity(state: &ChainState, activity_date: NaiveDate) -> u32 {
    match state.last_closed {
        Some(last) if activity_date <= last => state.streak.max(1),
        _ => state.streak.saturating_add(1),
    }
}

/// The streak to display on `today` (not yet closed): the chain, plus today when the
/// player has already trained today.
pub fn current_streak(state: &ChainState, trained_today: bool) -> u32 {
    state.streak + u32::from(trained_today)
}

/// A chain rebuilt from the days themselves ([`rebuild_chain`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    /// Training days in the chain at the end of the last day.
    pub streak: u32,
    /// Days without training since the chain's last training day, at the end.
    pub missed_in_a_row: u32,
    /// The streak counting each trained day, as it stood on that day.
    pub streak_on: Vec<(NaiveDate, u32)>,
    /// The days on which the chain broke.
    pub breaks: Vec<NaiveDate>,
}

impl Rebuilt {
    /// The streak counting `date`, if the player trained on it.
    pub fn streak_on(&self, date: NaiveDate) -> Option<u32> {
        self.streak_on
            .iter()
            .find(|(d, _)| *d == date)
            .map(|(_, s)| *s)
    }
}

/// The chain through every local date from `from` to `to` (inclusive; at most 20
/// years), folded the way [`close_day`] closes days: a trained date extends it, a
/// date Plot Armor `covered` counts for nothing, any other date is missed and the
/// third missed in a row breaks it. Training logged late into a closed date (or from
/// before registration) joins the chain after all: the server rebuilds it so, and
/// gives back a break that no longer happens.
pub fn rebuild_chain(
    from: NaiveDate,
    to: NaiveDate,
    trained: &std::collections::BTreeSet<NaiveDate>,
    covered: &std::collections::BTreeSet<NaiveDate>,
) -> Rebuilt {
    let mut out = Rebuilt {
        streak: 0,
        missed_in_a_row: 0,
        streak_on: Vec::new(),
        breaks: Vec::new(),
    };
    let mut day = Some(from);
    let mut n = 0;
    while let Some(d) = day {
        if d > to || n > 366 * 20 {
            break;
        }
        if trained.contains(&d) {
            out.streak = out.streak.saturating_add(1);
            out.missed_in_a_row = 0;
            out.streak_on.push((d, out.streak));
        } else if !covered.contains(&d) && out.streak > 0 {
            out.missed_in_a_row += 1;
            if out.missed_in_a_row > MAX_MISSED_DAYS {
                out.streak = 0;
                out.missed_in_a_row = 0;
                out.breaks.push(d);
            }
        }
        day = d.succ_opt();
        n += 1;
    }
    out
}

/// How much of a penalty can be taken from `total_xp` without going below 0.
/// `amount` is the penalty's size (positive); the result is what the ledger records
/// as taken (0 ≤ result ≤ amount).
pub fn apply_penalty(total_xp: i64, amount: i64) -> i64 {
    amount.max(0).min(total_xp.max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const TRAIN: DayFacts = DayFacts {
        trained: true,
        scheduled: true,
        registration_day: false,
    };
    const REST: DayFacts = DayFacts {
        trained: false,
        scheduled: false,
        registration_day: false,
    };
    const SKIP: DayFacts = DayFacts {
        trained: false,
        scheduled: true,
        registration_day: false,
    };

    /// Closes consecutive days from `start`, returning the final state and all events.
    fn journey(
        mut state: ChainState,
        start: &str,
        days: &[DayFacts],
        level: u32,
    ) -> (ChainState, Vec<DayEvent>) {
        let mut all = Vec::new();
        let mut date = d(start);
        for facts in days {
            let (next, events) = close_day(state, date, *facts, level);
            state = next;
            all.extend(events);
            date = date.succ_opt().unwrap();
        }
        (state, all)
    }

    #[test]
    fn streak_grows_with_training_days() {
        let (s, ev) = journey(ChainState::default(), "2025-03-03", &[TRAIN; 5], 1);
        assert_eq!(s.streak, 5);
        assert!(ev.is_empty());
        assert_eq!(streak_for_activity(&s, d("2025-03-08")), 6);
        assert_eq!(current_streak(&s, true), 6);
    }

    #[test]
    fn two_missed_days_survive_the_third_breaks_once() {
        let (s, ev) = journey(
            ChainState::default(),
            "2025-03-05",
            &[TRAIN, TRAIN, REST, REST],
            1,
        );
        assert_eq!((s.streak, s.missed_in_a_row), (2, 2));
        assert!(ev.is_empty());
        // Training after two misses continues the chain.
        let (cont, _) = close_day(s, d("2025-03-09"), TRAIN, 1);
        assert_eq!(cont.streak, 3);
        // The third miss breaks it with −100, once.
        let (broken, ev) = close_day(s, d("2025-03-09"), REST, 1);
        assert_eq!(broken.streak, 0);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].kind, DayEventKind::StreakBroken);
        assert_eq!(ev[0].xp, -100);
        assert_eq!(ev[0].key, "streak_broken:2025-03-09");
        // More missed days: no chain, nothing more to break.
        let (after, ev) = journey(broken, "2025-03-10", &[REST; 6], 1);
        assert!(ev.is_empty());
        assert_eq!(after.streak, 0);
    }

    #[test]
    fn skips_cost_fifty_on_scheduled_days_only() {
        // Mon 2025-03-03 trained; Tue scheduled skip; Wed rest day; Thu trained.
        let (s, ev) = journey(
            ChainState::default(),
            "2025-03-03",
            &[TRAIN, SKIP, REST, TRAIN],
            1,
        );
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].kind, DayEventKind::Skip);
        assert_eq!(ev[0].xp, -50);
        assert_eq!(ev[0].reason, "You get weaker.");
        assert_eq!(ev[0].key, "skip:2025-03-04");
        assert_eq!(ev[0].stat, None);
        assert_eq!(s.streak, 2);
    }

    #[test]
    fn third_missed_scheduled_day_costs_skip_and_break() {
        let (_, ev) = journey(
            ChainState::default(),
            "2025-03-03",
            &[TRAIN, SKIP, REST, SKIP],
            1,
        );
        let kinds: Vec<_> = ev.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![
                DayEventKind::Skip,
                DayEventKind::Skip,
                DayEventKind::StreakBroken
            ]
        );
        assert_eq!(ev.iter().map(|e| e.xp).sum::<i64>(), -200);
    }

    #[test]
    fn registration_day_is_never_a_skip() {
        let reg = DayFacts {
            trained: false,
            scheduled: true,
            registration_day: true,
        };
        let (s, ev) = close_day(ChainState::default(), d("2025-03-03"), reg, 1);
        assert!(ev.is_empty());
        assert_eq!(s.streak, 0);
    }

    #[test]
    fn plot_armor_three_charges_a_month() {
        let start = ChainState {
            streak: 10,
            ..ChainState::default()
        };
        // Five scheduled skips in a row in March at level 15.
        let (s, ev) = journey(start, "2025-03-10", &[SKIP; 5], 15);
        let kinds: Vec<_> = ev.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![
                DayEventKind::PlotArmor,
                DayEventKind::PlotArmor,
                DayEventKind::PlotArmor,
                DayEventKind::Skip,
                DayEventKind::Skip,
            ]
        );
        assert_eq!(ev[0].xp, 10);
        assert_eq!(ev[0].stat, Some(Stat::Discipline));
        // Covered days do not count toward the break: only 2 uncovered misses so far.
        assert_eq!((s.streak, s.missed_in_a_row), (10, 2));
        assert_eq!(s.plot_armor_charges(d("2025-03-31"), 15), 0);
        // A new month brings 3 fresh charges.
        assert_eq!(s.plot_armor_charges(d("2025-04-01"), 15), 3);
        let (april, ev) = close_day(
            ChainState {
                last_closed: Some(d("2025-03-31")),
                ..s
            },
            d("2025-04-01"),
            SKIP,
            15,
        );
        assert_eq!(ev[0].kind, DayEventKind::PlotArmor);
        assert_eq!(april.plot_armor_used, 1);
        assert_eq!(april.plot_armor_month, Some((2025, 4)));
        // Below level 15 there is no Plot Armor.
        let (_, ev) = close_day(start, d("2025-03-10"), SKIP, 14);
        assert_eq!(ev[0].kind, DayEventKind::Skip);
        assert_eq!(start.plot_armor_charges(d("2025-03-10"), 14), 0);
    }

    #[test]
    fn closing_is_idempotent_and_catches_up() {
        let s = ChainState::default();
        let (s1, ev1) = close_day(s, d("2025-03-04"), SKIP, 1);
        assert_eq!(ev1.len(), 1);
        let (s2, ev2) = close_day(s1, d("2025-03-04"), SKIP, 1);
        assert!(ev2.is_empty());
        assert_eq!(s1, s2);
        let (_, ev3) = close_day(s1, d("2025-03-01"), SKIP, 1);
        assert!(ev3.is_empty());
        // Re-running from the unsaved state yields the same keys (ledger dedups them).
        let (_, again) = close_day(s, d("2025-03-04"), SKIP, 1);
        assert_eq!(again[0].key, ev1[0].key);

        assert_eq!(
            days_to_close(&s1, d("2025-03-01"), d("2025-03-08")),
            vec![d("2025-03-05"), d("2025-03-06"), d("2025-03-07")]
        );
        assert_eq!(
            days_to_close(&ChainState::default(), d("2025-03-06"), d("2025-03-08")),
            vec![d("2025-03-06"), d("2025-03-07")]
        );
        assert!(days_to_close(&s1, d("2025-03-01"), d("2025-03-05")).is_empty());
        assert_eq!(
            days_to_close(&ChainState::default(), d("2020-01-01"), d("2025-01-01")).len(),
            366
        );
    }

    #[test]
    fn late_activity_on_a_closed_day_keeps_the_chain() {
        let (s, _) = journey(ChainState::default(), "2025-03-03", &[TRAIN; 3], 1);
        assert_eq!(streak_for_activity(&s, d("2025-03-04")), 3);
        assert_eq!(
            streak_for_activity(&ChainState::default(), d("2025-03-04")),
            1
        );
    }

    #[test]
    fn penalties_floor_at_zero() {
        assert_eq!(apply_penalty(500, 50), 50);
        assert_eq!(apply_penalty(30, 50), 30);
        assert_eq!(apply_penalty(0, 100), 0);
        assert_eq!(apply_penalty(-5, 100), 0);
        assert_eq!(apply_penalty(100, 100), 100);
        assert_eq!(apply_penalty(100, -3), 0);
    }

    /// The rebuild folds days exactly as closing them one by one does.
    #[test]
    fn rebuilding_agrees_with_closing_day_by_day() {
        use std::collections::BTreeSet;
        let pattern = [
            TRAIN, TRAIN, REST, SKIP, TRAIN, REST, REST, SKIP, SKIP, TRAIN, REST, TRAIN, SKIP,
            REST, REST, REST, TRAIN,
        ];
        let (closed, events) = journey(ChainState::default(), "2025-03-03", &pattern, 1);
        let start = d("2025-03-03");
        let trained: BTreeSet<_> = pattern
            .iter()
            .enumerate()
            .filter(|(_, f)| f.trained)
            .map(|(i, _)| start + chrono::Duration::days(i as i64))
            .collect();
        let end = start + chrono::Duration::days(pattern.len() as i64 - 1);
        let r = rebuild_chain(start, end, &trained, &BTreeSet::new());
        assert_eq!(
            (r.streak, r.missed_in_a_row),
            (closed.streak, closed.missed_in_a_row)
        );
        let breaks: Vec<_> = events
            .iter()
            .filter(|e| e.kind == DayEventKind::StreakBroken)
            .map(|e| e.date)
            .collect();
        assert_eq!(r.breaks, breaks);
        assert_eq!(r.streak_on(d("2025-03-04")), Some(2));
        assert_eq!(r.streak_on(d("2025-03-05")), None);
    }

    /// A day logged late fills the gap: no break, and the chain counts it.
    #[test]
    fn a_late_day_joins_the_chain() {
        use std::collections::BTreeSet;
        let mut trained: BTreeSet<_> = [d("2025-03-03"), d("2025-03-07")].into();
        let none = BTreeSet::new();
        let before = rebuild_chain(d("2025-03-03"), d("2025-03-07"), &trained, &none);
        assert_eq!(before.breaks, vec![d("2025-03-06")]);
        assert_eq!(before.streak, 1);
        trained.insert(d("2025-03-05"));
        let after = rebuild_chain(d("2025-03-03"), d("2025-03-07"), &trained, &none);
        assert!(after.breaks.is_empty());
        assert_eq!((after.streak, after.missed_in_a_row), (3, 0));
        assert_eq!(after.streak_on(d("2025-03-05")), Some(2));
        // A covered day counts for neither.
        let covered: BTreeSet<_> = [d("2025-03-04")].into();
        let trained: BTreeSet<_> = [d("2025-03-03"), d("2025-03-07")].into();
        let r = rebuild_chain(d("2025-03-03"), d("2025-03-07"), &trained, &covered);
        assert!(r.breaks.is_empty());
        assert_eq!(r.streak, 2);
    }
}
