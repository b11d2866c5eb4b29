//! One calendar per player (§10): which local date a moment belongs to, and which
//! settings were in force on each date, across every settings change.
//!
//! A player's calendar is a list of eras. An era starts at one of the player's local
//! midnights (or at registration) and keeps one set of settings until the next era.
//! A change of `timezone`, `training_days` or `wake_target` opens a new era at the
//! next local midnight; a change of `weekly_goal` at the start of the next ISO week.
//! Until then the change is *pending* and the era in force stays as it was, so the
//! day and the week in progress are judged by the settings they began with.
//!
//! The local date of a moment is its date in the era's timezone, but never earlier
//! than the date the era began with (`first_date`). That one clamp is what makes the
//! calendar monotone: a hop west would otherwise make the date go backwards and begin
//! a date a second time; with it, the date that began at the switch simply lasts until
//! the new timezone's calendar catches up. A moment before the first era (before the
//! player registered) has its own date in the first era's timezone, not the
//! registration date. Consequences, checked by the tests below:
//! the date never goes back, no date begins twice, and the calendar is never more than
//! one day away from the UTC date (so hopping cannot run ahead of real time).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// How long past eras are kept: enough for activities logged 48 h late, the week
/// they belong to and a day close catching up after a long outage.
pub const HISTORY_DAYS: i64 = 21;

/// The settings the calendar keeps per era (the server's canonical text forms:
/// an IANA name, `"mon,tue,thu,fri"`, 1–7, `"HH:MM"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub timezone: String,
    pub training_days: String,
    pub weekly_goal: u8,
    pub wake_target: String,
}

/// One stretch of the calendar with one set of settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Era {
    /// When the era takes effect (a local midnight of the calendar before it).
    pub from: DateTime<Utc>,
    /// The local date that begins at `from`.
    pub first_date: NaiveDate,
    pub settings: Settings,
}

/// A requested settings change (`PATCH /me`); `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub timezone: Option<String>,
    pub training_days: Option<String>,
    pub weekly_goal: Option<u8>,
    pub wake_target: Option<String>,
}

/// The settings waiting to take effect (the contract's `player.pending`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pending {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub training_days: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weekly_goal: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wake_target: Option<String>,
    /// When the first waiting change takes effect.
    pub effective_at: DateTime<Utc>,
    /// When the `weekly_goal` change takes effect, if it waits for a later moment
    /// than `effective_at` (the next ISO week).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weekly_goal_effective_at: Option<DateTime<Utc>>,
}

/// A player's calendar: never empty, eras ordered by `from` and `first_date`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    eras: Vec<Era>,
}

fn tz_of(name: &str) -> Tz {
    // Names are validated before they are stored; UTC is the documented default.
    name.parse().unwrap_or(Tz::UTC)
}

/// The first instant of local date `d` in `tz` (the earliest one when a DST gap
/// swallows midnight).
pub fn start_of_day(d: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut t = d.and_time(NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(dt) = tz.from_local_datetime(&t).earliest() {
            return dt.with_timezone(&Utc);
        }
        t += Duration::minutes(30);
    }
    Utc.from_utc_datetime(&t)
}

/// Monday of the ISO week containing `d`.
pub fn week_start(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

impl Calendar {
    /// The calendar of a player who registered at `at` (local date `registered_on`).
    pub fn new(settings: Settings, at: DateTime<Utc>, registered_on: NaiveDate) -> Calendar {
        Calendar {
            eras: vec![Era {
                from: at,
                first_date: registered_on,
                settings,
            }],
        }
    }

    /// A calendar from stored eras; `None` if they are empty or out of order.
    pub fn from_eras(eras: Vec<Era>) -> Option<Calendar> {
        let ordered = eras
            .windows(2)
            .all(|w| w[0].from < w[1].from && w[0].first_date <= w[1].first_date);
        (!eras.is_empty() && ordered).then_some(Calendar { eras })
    }

    pub fn eras(&self) -> &[Era] {
        &self.eras
    }

    fn first(&self) -> &Era {
        // `eras` is never empty: every constructor checks it.
        &self.eras[0]
    }

    /// The era in force at `t` (the first one for moments before it).
    pub fn era_at(&self, t: DateTime<Utc>) -> &Era {
        self.eras
            .iter()
            .rev()
            .find(|e| e.from <= t)
            .unwrap_or_else(|| self.first())
    }

    /// The settings in force at `t`.
    pub fn in_force(&self, t: DateTime<Utc>) -> &Settings {
        &self.era_at(t).settings
    }

    pub fn tz_at(&self, t: DateTime<Utc>) -> Tz {
        tz_of(&self.era_at(t).settings.timezone)
    }

    /// The local date `t` belongs to.
    pub fn date_at(&self, t: DateTime<Utc>) -> NaiveDate {
        let era = self.era_at(t);
        let date = t.with_timezone(&tz_of(&era.settings.timezone)).date_naive();
        if t < era.from {
            // Before the calendar's first era (a moment before registration, such as
            // yesterday's run logged today): that moment's own date, never later than
            // the one the calendar begins with.
            date.min(era.first_date)
        } else {
            date.max(era.first_date)
        }
    }

    /// The local wall-clock time at `t` (in the timezone in force).
    pub fn time_at(&self, t: DateTime<Utc>) -> NaiveTime {
        t.with_timezone(&self.tz_at(t)).time()
    }

    /// The era whose settings judge local date `d`: the one in force when `d` began.
    pub fn era_of_date(&self, d: NaiveDate) -> &Era {
        self.eras
            .iter()
            .rev()
            .find(|e| e.first_date <= d)
            .unwrap_or_else(|| self.first())
    }

    /// The settings that judge local date `d`.
    pub fn settings_of_date(&self, d: NaiveDate) -> &Settings {
        &self.era_of_date(d).settings
    }

    /// The first instant that belongs to local date `d` or later.
    pub fn start_of(&self, d: NaiveDate) -> DateTime<Utc> {
        let era = self.era_of_date(d);
        if era.first_date >= d {
            return era.from;
        }
        let start = start_of_day(d, tz_of(&era.settings.timezone)).max(era.from);
        // A later era may begin before the era's own midnight (never with eras built
        // by `change`, whose eras start at the previous calendar's midnights).
        self.eras
            .iter()
            .find(|e| e.from > era.from && e.from < start)
            .map_or(start, |e| e.from)
    }

    /// The next local midnight after `now`: the end of the date in progress.
    pub fn next_midnight(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.start_of(self.date_at(now) + Duration::days(1))
    }

    /// Schedules `change` requested at `now`: settings of the day kind at the next
    /// local midnight, `weekly_goal` at the start of the next ISO week. A change back
    /// to the value in force cancels what was waiting for that setting. Past eras are
    /// kept (dates already begun keep their settings); older history is pruned.
    pub fn change(&self, now: DateTime<Utc>, change: &Change) -> Calendar {
        let current = self.in_force(now).clone();
        let target = self
            .eras
            .last()
            .map_or_else(|| current.clone(), |e| e.settings.clone());
        let mut past: Vec<Era> = self
            .eras
            .iter()
            .filter(|e| e.from <= now)
            .cloned()
            .collect();
        if past.is_empty() {
            past.push(self.first().clone());
        }
        let mut cal = Calendar { eras: past };
        let day = Settings {
            timezone: change.timezone.clone().unwrap_or(target.timezone),
            training_days: change.training_days.clone().unwrap_or(target.training_days),
            wake_target: change.wake_target.clone().unwrap_or(target.wake_target),
            weekly_goal: current.weekly_goal,
        };
        let goal = change.weekly_goal.unwrap_or(target.weekly_goal);
        let today = cal.date_at(now);
        if day != current {
            let first_date = today + Duration::days(1);
            let from = cal.start_of(first_date);
            cal.eras.push(Era {
                from,
                first_date,
                settings: day.clone(),
            });
        }
        if goal != current.weekly_goal {
            let monday = week_start(today) + Duration::days(7);
            let from = cal.start_of(monday);
            let last = cal.eras.len() - 1;
            if cal.eras[last].from >= from {
                // The next local midnight is the week's start: one era for both.
                cal.eras[last].settings.weekly_goal = goal;
            } else {
                let settings = Settings {
                    weekly_goal: goal,
                    ..cal.eras[last].settings.clone()
                };
                cal.eras.push(Era {
                    from,
                    first_date: monday,
                    settings,
                });
            }
        }
        cal.prune(now);
        cal
    }

    /// Drops eras that ended more than `HISTORY_DAYS` before `now`.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        let horizon = now - Duration::days(HISTORY_DAYS);
        while self.eras.len() > 1 && self.eras[1].from <= horizon {
            self.eras.remove(0);
        }
    }

    /// What waits to take effect after `now`, if anything.
    pub fn pending(&self, now: DateTime<Utc>) -> Option<Pending> {
        let current = self.in_force(now);
        let future: Vec<&Era> = self.eras.iter().filter(|e| e.from > now).collect();
        let (first, last) = (future.first()?, future.last()?);
        let target = &last.settings;
        let differs = |a: &str, b: &str| (a != b).then(|| b.to_string());
        let goal_at = future
            .iter()
            .find(|e| e.settings.weekly_goal == target.weekly_goal)
            .map(|e| e.from)
            .filter(|_| target.weekly_goal != current.weekly_goal);
        Some(Pending {
            timezone: differs(&current.timezone, &target.timezone),
            training_days: differs(&current.training_days, &target.training_days),
            weekly_goal: (target.weekly_goal != current.weekly_goal).then_some(target.weekly_goal),
            wake_target: differs(&current.wake_target, &target.wake_target),
            effective_at: first.from,
            weekly_goal_effective_at: goal_at.filter(|t| *t != first.from),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn settings(tz: &str) -> Settings {
        Settings {
            timezone: tz.into(),
            training_days: "mon,tue,thu,fri".into(),
            weekly_goal: 4,
            wake_target: "06:30".into(),
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn utc_calendar() -> Calendar {
        Calendar::new(settings("UTC"), at("2026-03-02T08:00:00Z"), d("2026-03-02"))
    }

    fn tz_change(tz: &str) -> Change {
        Change {
            timezone: Some(tz.into()),
            ..Change::default()
        }
    }

    #[test]
    fn an_eastward_hop_waits_for_midnight() {
        // The attack: at 12:00 UTC, switch to Kiritimati (UTC+14).
        let now = at("2026-03-04T12:00:00Z");
        let cal = utc_calendar().change(now, &tz_change("Pacific/Kiritimati"));
        assert_eq!(cal.date_at(now), d("2026-03-04"));
        assert_eq!(cal.in_force(now).timezone, "UTC");
        let p = cal.pending(now).unwrap();
        assert_eq!(p.timezone.as_deref(), Some("Pacific/Kiritimati"));
        assert_eq!(p.effective_at, at("2026-03-05T00:00:00Z"));
        // Still the 4th until UTC midnight, then the 5th begins (at 14:00 there).
        assert_eq!(cal.date_at(at("2026-03-04T23:59:59Z")), d("2026-03-04"));
        assert_eq!(cal.date_at(at("2026-03-05T00:00:00Z")), d("2026-03-05"));
        assert_eq!(cal.date_at(at("2026-03-05T10:00:00Z")), d("2026-03-06"));
        assert!(cal.pending(at("2026-03-05T00:00:00Z")).is_none());
    }

    #[test]
    fn a_westward_hop_never_begins_a_date_again() {
        let kiri = Calendar::new(
            settings("Pacific/Kiritimati"),
            at("2026-03-01T00:00:00Z"),
            d("2026-03-01"),
        );
        // 12:00 local on the 4th (22:00 UTC on the 3rd): go to Pago Pago (UTC−11).
        let now = at("2026-03-03T22:00:00Z");
        let cal = kiri.change(now, &tz_change("Pacific/Pago_Pago"));
        assert_eq!(cal.date_at(now), d("2026-03-04"));
        // Kiritimati's midnight (10:00 UTC) begins the 5th; in Pago Pago it is
        // 23:00 on the 3rd, yet the date stays the 5th...
        let switch = at("2026-03-04T10:00:00Z");
        assert_eq!(cal.pending(now).unwrap().effective_at, switch);
        assert_eq!(cal.date_at(switch), d("2026-03-05"));
        assert_eq!(cal.date_at(at("2026-03-05T12:00:00Z")), d("2026-03-05"));
        // ...until Pago Pago's own midnight into the 6th.
        assert_eq!(cal.next_midnight(switch), at("2026-03-06T11:00:00Z"));
        assert_eq!(cal.date_at(at("2026-03-06T11:00:00Z")), d("2026-03-06"));
    }

    #[test]
    fn the_day_in_progress_keeps_its_settings() {
        let now = at("2026-03-05T23:50:00Z"); // a Thursday, scheduled
        let cal = utc_calendar().change(
            now,
            &Change {
                training_days: Some("mon,tue,fri".into()),
                ..Change::default()
            },
        );
        assert_eq!(
            cal.settings_of_date(d("2026-03-05")).training_days,
            "mon,tue,thu,fri"
        );
        assert_eq!(
            cal.settings_of_date(d("2026-03-06")).training_days,
            "mon,tue,fri"
        );
        // Changing it back before midnight cancels what was waiting.
        let back = cal.change(
            at("2026-03-05T23:55:00Z"),
            &Change {
                training_days: Some("mon,tue,thu,fri".into()),
                ..Change::default()
            },
        );
        assert!(back.pending(at("2026-03-05T23:55:00Z")).is_none());
    }

    #[test]
    fn weekly_goal_waits_for_the_next_week() {
        let now = at("2026-03-04T12:00:00Z"); // Wednesday
        let cal = utc_calendar().change(
            now,
            &Change {
                weekly_goal: Some(7),
                wake_target: Some("05:00".into()),
                ..Change::default()
            },
        );
        let p = cal.pending(now).unwrap();
        assert_eq!(p.effective_at, at("2026-03-05T00:00:00Z"));
        assert_eq!(p.weekly_goal, Some(7));
        assert_eq!(p.weekly_goal_effective_at, Some(at("2026-03-09T00:00:00Z")));
        assert_eq!(cal.settings_of_date(d("2026-03-08")).weekly_goal, 4);
        assert_eq!(cal.settings_of_date(d("2026-03-08")).wake_target, "05:00");
        assert_eq!(cal.settings_of_date(d("2026-03-09")).weekly_goal, 7);
        // On a Sunday the next midnight is the week's start: one era.
        let sunday = at("2026-03-08T12:00:00Z");
        let cal = utc_calendar().change(
            sunday,
            &Change {
                weekly_goal: Some(2),
                timezone: Some("Europe/Berlin".into()),
                ..Change::default()
            },
        );
        let p = cal.pending(sunday).unwrap();
        assert_eq!(p.effective_at, at("2026-03-09T00:00:00Z"));
        assert_eq!(p.weekly_goal_effective_at, None);
        assert_eq!(cal.eras().len(), 2);
    }

    #[test]
    fn two_eastward_hops_on_consecutive_days_shorten_two_days_and_no_more() {
        // From a day behind UTC (Etc/GMT+12) to Kathmandu, then to Kiritimati: each
        // change waits for the next midnight, so 5 March ends at 12:00 UTC on the
        // 6th, 6 March lasts 6 h 15 min and 7 March 15 h 45 min. Three dates begin
        // within 24 real hours, yet the date is never more than a day from UTC's.
        let gmt12 = Calendar::new(
            settings("Etc/GMT+12"),
            at("2026-03-01T12:00:00Z"),
            d("2026-03-01"),
        );
        let cal = gmt12.change(at("2026-03-05T12:59:40Z"), &tz_change("Asia/Kathmandu"));
        let cal = cal.change(at("2026-03-06T12:59:40Z"), &tz_change("Pacific/Kiritimati"));
        assert_eq!(cal.date_at(at("2026-03-06T11:59:59Z")), d("2026-03-05"));
        assert_eq!(cal.start_of(d("2026-03-06")), at("2026-03-06T12:00:00Z"));
        assert_eq!(cal.start_of(d("2026-03-07")), at("2026-03-06T18:15:00Z"));
        assert_eq!(cal.start_of(d("2026-03-08")), at("2026-03-07T10:00:00Z"));
        for h in 0..24 * 4 {
            let t = at("2026-03-05T00:00:00Z") + Duration::minutes(15 * h);
            assert!(
                (cal.date_at(t) - t.date_naive()).num_days().abs() <= 1,
                "{t}"
            );
        }
        // A third hop cannot go further east; the next day is a full one again.
        assert_eq!(
            cal.next_midnight(at("2026-03-07T10:00:00Z")),
            at("2026-03-08T10:00:00Z")
        );
    }

    #[test]
    fn a_moment_before_registration_keeps_its_own_date() {
        // Registered at 08:00 UTC on 2 March; a run finished 30 h earlier (logged
        // within the 48 h allowed) belongs to 1 March, not to the registration date.
        let cal = utc_calendar();
        assert_eq!(cal.date_at(at("2026-03-01T02:00:00Z")), d("2026-03-01"));
        assert_eq!(cal.date_at(at("2026-03-02T07:59:59Z")), d("2026-03-02"));
        assert_eq!(cal.date_at(at("2026-03-02T08:00:00Z")), d("2026-03-02"));
        // In the player's timezone: 23:30 in Berlin on 1 March is still 1 March.
        let berlin = Calendar::new(
            settings("Europe/Berlin"),
            at("2026-03-02T08:00:00Z"),
            d("2026-03-02"),
        );
        assert_eq!(berlin.date_at(at("2026-03-01T22:30:00Z")), d("2026-03-01"));
        assert_eq!(berlin.date_at(at("2026-03-01T23:30:00Z")), d("2026-03-02"));
    }

    const ZONES: [&str; 8] = [
        "UTC",
        "Pacific/Kiritimati",
        "Pacific/Pago_Pago",
        "Etc/GMT+12",
        "Asia/Kathmandu",
        "America/New_York",
        "Europe/Berlin",
        "Australia/Lord_Howe",
    ];

    /// A random history: changes at increasing moments over a few weeks.
    fn history() -> impl Strategy<Value = Vec<(i64, usize, Option<u8>, bool)>> {
        prop::collection::vec(
            (
                0i64..40 * 3600,
                0usize..ZONES.len(),
                prop::option::of(1u8..=7),
                any::<bool>(),
            ),
            0..12,
        )
    }

    fn build(steps: &[(i64, usize, Option<u8>, bool)]) -> (Calendar, Vec<DateTime<Utc>>) {
        let start = at("2026-03-01T05:00:00Z");
        let mut cal = Calendar::new(settings("UTC"), start, d("2026-03-01"));
        let mut now = start;
        let mut times = vec![start];
        for (gap, zone, goal, drop_thursday) in steps {
            now += Duration::seconds(*gap);
            let change = Change {
                timezone: Some(ZONES[*zone].into()),
                weekly_goal: *goal,
                training_days: drop_thursday.then(|| "mon,tue,fri".into()),
                wake_target: None,
            };
            let before = cal.clone();
            cal = cal.change(now, &change);
            // Nothing changes for the moment of the request or before it.
            assert_eq!(cal.in_force(now), before.in_force(now));
            assert_eq!(cal.date_at(now), before.date_at(now));
            times.push(now);
        }
        (cal, times)
    }

    proptest! {
        #[test]
        fn the_calendar_never_goes_back_nor_runs_ahead(steps in history(), probes in prop::collection::vec(0i64..60 * 86400, 1..40)) {
            let (cal, _) = build(&steps);
            let start = at("2026-03-01T05:00:00Z");
            let mut probes = probes;
            probes.sort_unstable();
            let mut last = None;
            for p in probes {
                let t = start + Duration::seconds(p);
                let date = cal.date_at(t);
                if let Some(prev) = last {
                    prop_assert!(date >= prev, "date went back at {t}");
                }
                last = Some(date);
                let utc = t.date_naive();
                prop_assert!((date - utc).num_days().abs() <= 1, "{date} vs UTC {utc}");
            }
        }

        #[test]
        fn a_date_is_judged_by_the_settings_it_began_with(steps in history(), probe in 0i64..30 * 86400) {
            let (cal, _) = build(&steps);
            let t = at("2026-03-01T05:00:00Z") + Duration::seconds(probe);
            let date = cal.date_at(t);
            // The schedule and wake target of a date are those in force at its first
            // instant; the weekly goal is constant through an ISO week.
            let begun = cal.start_of(date);
            prop_assert!(begun <= t);
            prop_assert_eq!(cal.settings_of_date(date), cal.in_force(begun));
            let monday = week_start(date);
            prop_assert_eq!(
                cal.settings_of_date(date).weekly_goal,
                cal.settings_of_date(monday).weekly_goal
            );
        }

        #[test]
        fn within_one_real_day_at_most_two_extra_dates_begin(steps in history(), from in 0i64..20 * 86400) {
            // Counting the dates that begin in any 24 real hours: without changes at
            // most 1 (one midnight). Each eastward hop shortens one day, and hops on
            // consecutive days can shorten two in a row (from a day behind UTC to a
            // day ahead), but the date stays within one day of UTC's, so 24 hours
            // span at most four dates: the one in progress and three that begin.
            let (cal, _) = build(&steps);
            let t0 = at("2026-03-01T05:00:00Z") + Duration::seconds(from);
            let dates: std::collections::BTreeSet<NaiveDate> = (0..24 * 60)
                .map(|m| cal.date_at(t0 + Duration::minutes(m)))
                .collect();
            prop_assert!(dates.len() <= 4, "{dates:?}");
            if steps.is_empty() {
                prop_assert!(dates.len() <= 2, "{dates:?}");
            }
        }

        /// A month of hopping: a wake-up tried every hour, a timezone change every
        /// few hours. Daily things are counted per calendar date, so the month pays
        /// at most as many wake-ups (and caps, and streak days) as it has UTC days,
        /// plus the two the calendar may lead or lag by.
        #[test]
        fn a_month_of_hopping_pays_at_most_two_extra_days(
            zones in prop::collection::vec((1i64..30, 0usize..ZONES.len()), 1..200)
        ) {
            let start = at("2026-03-01T05:00:00Z");
            let mut cal = Calendar::new(settings("UTC"), start, d("2026-03-01"));
            let mut next_change = zones.iter().cycle();
            let mut change_at = start;
            let mut woke: std::collections::BTreeSet<NaiveDate> = Default::default();
            let hours = 30 * 24;
            for h in 0..hours {
                let now = start + Duration::hours(h);
                if now >= change_at
                    && let Some((gap, zone)) = next_change.next()
                {
                    cal = cal.change(now, &tz_change(ZONES[*zone]));
                    change_at = now + Duration::hours(*gap);
                }
                woke.insert(cal.date_at(now));
            }
            let end = start + Duration::hours(hours - 1);
            let utc_days = (end.date_naive() - start.date_naive()).num_days() + 1;
            prop_assert!(woke.len() as i64 <= utc_days + 2, "{} dates in {utc_days} UTC days", woke.len());
        }
    }
}
