//! Closing a player's ended local days (§10): skips, Plot Armor, streak breaks, each
//! applied once (rule keys make a re-run after a crash harmless). Runs in the caller's
//! transaction with the player locked: before an activity that finds a day to close,
//! and in the nightly job.

use super::store::ProgressTx;
use crate::ledger::Entry;
use crate::local;
use crate::player::{Applied, calendar, chain, schedule_of, set_chain};
use crate::storage::{PlayerRow, StoreResult};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use shonen_rules::{DayFacts, Rebuilt, close_day, level_for_xp, rebuild_chain};
use std::collections::BTreeSet;

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

/// A chain rebuilt for training logged late into a settled date, with the ledger's
/// chain entries it was rebuilt against.
pub struct LateChain {
    pub chain: Rebuilt,
    entries: Vec<(String, i64)>,
    /// The first date rebuilt.
    from: NaiveDate,
}

/// Training logged late into a settled local date `day` (closed, or before
/// registration) that had none: the chain is rebuilt from the days themselves with
/// `day` trained (`shonen_rules::rebuild_chain`), from three days before
/// registration (the earliest date an activity can carry) to the last closed date.
/// Sets the player's streak and missed days (Plot Armor's monthly charges stay as
/// they are); `None` when there is nothing settled to rebuild.
pub async fn rebuild_with<T: ProgressTx>(
    tx: &mut T,
    p: &mut PlayerRow,
    day: NaiveDate,
) -> StoreResult<Option<LateChain>> {
    let Some(late) = chain_with(tx, p, day).await? else {
        return Ok(None);
    };
    let mut state = chain(p);
    state.streak = late.chain.streak;
    state.missed_in_a_row = late.chain.missed_in_a_row;
    set_chain(p, &state);
    Ok(Some(late))
}

/// The streak counting a settled local date `day` that already has training, as it
/// stood on that day (the combo of more training logged late into it, §4: "streak
/// counts the day of this activity"); `None` when the date is not settled.
pub async fn streak_on<T: ProgressTx>(
    tx: &mut T,
    p: &PlayerRow,
    day: NaiveDate,
) -> StoreResult<Option<u32>> {
    Ok(chain_with(tx, p, day)
        .await?
        .and_then(|late| late.chain.streak_on(day)))
}

/// The chain rebuilt from the days themselves with `day` trained, from three days
/// before registration to the last settled date; `None` when `day` is not settled.
async fn chain_with<T: ProgressTx>(
    tx: &mut T,
    p: &PlayerRow,
    day: NaiveDate,
) -> StoreResult<Option<LateChain>> {
    let Some(registered) = local::parse_date(&p.registered_on) else {
        return Ok(None);
    };
    let state = chain(p);
    let Some(to) = state.last_closed.or_else(|| registered.pred_opt()) else {
        return Ok(None);
    };
    let from = (registered - Duration::days(3)).min(day);
    if to < from || day > to {
        return Ok(None);
    }
    let mut trained: BTreeSet<NaiveDate> = tx
        .training_dates_between(p.id, &from.to_string(), &to.to_string())
        .await?
        .iter()
        .filter_map(|d| local::parse_date(d))
        .collect();
    trained.insert(day);
    let entries = tx.chain_entries(p.id).await?;
    let covered: BTreeSet<NaiveDate> = entries
        .iter()
        .filter_map(|(key, _)| key.strip_prefix("plot_armor:"))
        .filter_map(local::parse_date)
        .collect();
    Ok(Some(LateChain {
        chain: rebuild_chain(from, to, &trained, &covered),
        entries,
        from,
    }))
}

/// Gives back, once each, the streak breaks the ledger took that the rebuilt chain
/// no longer has (rule key `streak_broken_undone:<date>`, the amount taken), booked
/// with the late activity `activity_id`. Returns whether any was given back.
pub async fn give_back_breaks<T: ProgressTx>(
    tx: &mut T,
    p: &mut PlayerRow,
    late: &LateChain,
    activity_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let cal = calendar(p);
    let mut any = false;
    for (key, taken) in &late.entries {
        let Some(date) = key
            .strip_prefix("streak_broken:")
            .and_then(local::parse_date)
        else {
            continue;
        };
        if *taken >= 0 || date < late.from || late.chain.breaks.contains(&date) {
            continue;
        }
        let at = cal.start_of(date.succ_opt().unwrap_or(date)).min(now);
        let given = tx
            .post(
                p,
                Entry {
                    at,
                    stat: None,
                    amount: -taken,
                    reason: &format!(
                        "Training logged late: the streak did not break on {date} after all."
                    ),
                    activity_id: Some(activity_id),
                    rule_key: Some(format!("streak_broken_undone:{date}")),
                },
            )
            .await?;
        any |= given.is_some();
    }
    Ok(any)
}
