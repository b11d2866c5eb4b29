//! Lists a player reads page by page, newest first: the XP ledger (`GET /ledger`),
//! and the page query every such list takes (`limit`, and the `before` cursor a
//! previous page's `next_before` gave).

use super::error::ProgressError;
use super::store::ProgressStore;
use super::{Progress, ProgressResult};
use crate::clock::from_micros;
use crate::model;

/// How many items a page holds unless the query says.
const DEFAULT_LIMIT: i64 = 20;

/// A parsed page query: `limit` 1–100, `before` an id cursor (≥ 1) or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageQuery {
    pub limit: i64,
    pub before: Option<i64>,
}

impl PageQuery {
    /// The query's text as given (each absent when not given).
    pub fn parse(limit: Option<&str>, before: Option<&str>) -> ProgressResult<PageQuery> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| {
                    ProgressError::invalid("limit", "invalid_limit", "limit must be 1–100")
                })?,
        };
        let before = match before {
            None => None,
            Some(s) => Some(s.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                ProgressError::invalid(
                    "before",
                    "invalid_cursor",
                    "before must be a cursor from next_before",
                )
            })?),
        };
        Ok(PageQuery { limit, before })
    }

    /// The cursor of the page after one whose items ended with `last_id`: only when
    /// the page was full (a shorter page is the last).
    pub fn next_before(&self, len: usize, last_id: Option<i64>) -> Option<String> {
        if i64::try_from(len).is_ok_and(|n| n == self.limit) {
            last_id.map(|id| id.to_string())
        } else {
            None
        }
    }
}

impl<S: ProgressStore> Progress<S> {
    /// A page of the player's XP ledger, newest first.
    pub async fn ledger(&self, player_id: i64, q: PageQuery) -> ProgressResult<model::LedgerPage> {
        let rows = self.store.ledger(player_id, q.before, q.limit).await?;
        let next_before = q.next_before(rows.len(), rows.last().map(|e| e.id));
        let items = rows
            .into_iter()
            .map(|e| model::LedgerEntry {
                id: e.id,
                at: from_micros(e.at).to_rfc3339(),
                stat: e.stat,
                amount: e.amount,
                reason: e.reason,
                activity_id: e.activity_id,
            })
            .collect();
        Ok(model::LedgerPage { items, next_before })
    }
}
