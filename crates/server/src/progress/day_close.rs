//! Closing a player's ended local days (§10): skips, Plot Armor, streak breaks, each
//! applied once (rule keys make a re-run after a crash harmless). Runs in the caller's
//! transaction with the player locked: before an activity that finds a day to close,
//! and in the nightly job.

use super::store::ProgressTx;
use crate::ledger::Entry;
use crate::local;
use crate::player::{Applied, calendar, chain, schedule_of, set_chain};
use crate::storage::{PlayerRow, StoreResult};
use chrono::{DateTime, Datelike, Utc};
use shonen_rules::{DayFacts, close_day, level_for_xp};

/// Closes every local day of the player that has ended by `now`, in order.
pub async fn close_days<T: ProgressTx>(
    tx: &mut T,
    p: &mut PlayerRow,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Applied>> {
    let cal = calendar(p);
    let today = cal.date_at(now);
    let registered = local::parse_date(&p.registered_on).unwrap_or(today);
    let mut state = chain(p);
    let days = shonen_rules::streak::days_to_close(&state, registered, today);
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok(Vec::new());
    };
    let trained: Vec<String> = tx
        .training_dates_between(p.id, &first.to_string(), &last.to_string())
        .await?;
    let mut applied = Vec::new();
    for day in days {
        // Each date is judged by the schedule it began with (§10).
        let schedule = schedule_of(&cal.settings_of_date(day).training_days);
        let facts = DayFacts {
            trained: trained.iter().any(|d| *d == day.to_string()),
            scheduled: schedule.contains(shonen_rules::Weekday::from_chrono(day.weekday())),
            registration_day: day == registered,
        };
        let (next, events) = close_day(state, day, facts, level_for_xp(p.total_xp));
        state = next;
        let at = cal.start_of(day.succ_opt().unwrap_or(day)).min(now);
        for event in events {
            let amount = tx
                .post(
                    p,
                    Entry {
                        at,
                        stat: event.stat,
                        amount: event.xp,
                        reason: &event.reason,
                        activity_id: None,
                        rule_key: Some(event.key.clone()),
                    },
                )
                .await?;
            if let Some(amount) = amount {
                applied.push(Applied { event, amount });
            }
        }
    }
    set_chain(p, &state);
    Ok(applied)
}
