//! Posting to the XP ledger: one entry written and applied to a locked player's
//! totals, in the caller's transaction. Below the services and the capabilities, so
//! every writer of XP (activities, day close, boss, duels) posts the same way.

use crate::local;
use crate::player::date_at;
use crate::storage::{NewLedgerEntry, PlayerRow, StoreResult, Tx};
use chrono::{DateTime, Utc};
use shonen_rules::{Stat, apply_penalty};

fn stat_column(p: &mut PlayerRow, stat: Stat) -> &mut i64 {
    match stat {
        Stat::Strength => &mut p.xp_strength,
        Stat::Agility => &mut p.xp_agility,
        Stat::Intelligence => &mut p.xp_intelligence,
        Stat::Fighting => &mut p.xp_fighting,
        Stat::Discipline => &mut p.xp_discipline,
    }
}

/// One ledger change to apply to a locked player.
pub struct Entry<'a> {
    pub at: DateTime<Utc>,
    pub stat: Option<Stat>,
    pub amount: i64,
    pub reason: &'a str,
    pub activity_id: Option<i64>,
    pub rule_key: Option<String>,
}

/// Writes a ledger entry and applies it to the player's totals (the caller saves the
/// player in the same transaction). Negative amounts are floored so total XP never
/// drops below 0; the entry records what was actually taken. Returns the amount
/// applied, or `None` when the rule key was already used.
pub async fn post(tx: &mut Tx, p: &mut PlayerRow, e: Entry<'_>) -> StoreResult<Option<i64>> {
    let amount = if e.amount < 0 {
        -apply_penalty(p.total_xp, -e.amount)
    } else {
        e.amount
    };
    let week = local::week_start(date_at(p, e.at));
    let inserted = tx
        .insert_ledger(NewLedgerEntry {
            player_id: p.id,
            at: e.at.timestamp_micros(),
            stat: e.stat.map(|s| s.as_str().to_string()),
            amount,
            reason: e.reason.to_string(),
            activity_id: e.activity_id,
            rule_key: e.rule_key,
            week_start: week.to_string(),
        })
        .await?;
    if inserted.is_none() {
        return Ok(None);
    }
    apply_amount(p, e.stat, amount);
    metrics::counter!("shonen_xp_awarded_total").increment(amount.max(0) as u64);
    Ok(Some(amount))
}

/// Applies a ledger amount (already floored) to the player's totals.
pub fn apply_amount(p: &mut PlayerRow, stat: Option<Stat>, amount: i64) {
    p.total_xp = (p.total_xp + amount).max(0);
    if let Some(stat) = stat {
        let col = stat_column(p, stat);
        *col = (*col + amount).max(0);
    }
}
