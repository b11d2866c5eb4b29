//! Duels' domain types and results. What a client names is parsed once: an
//! `Opponent` is a trimmed, lowercased, non-empty username, a `DuelId` a number (any
//! other path is a duel that does not exist), a `Status` one of the five a duel
//! goes through. Beside them, the request bodies as they arrive (their OpenAPI
//! schemas are the contract's) and the typed results of the use cases; the `duel`
//! object itself is `crate::model::Duel`.

use super::error::DuelsError;
use crate::model::Duel;
use crate::storage::PlayerRow;
use serde::Deserialize;

// ---------------------------------------------------------------------------
// Request bodies, as the client sends them (REST JSON; gRPC requests are read as
// the same JSON).

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChallengeInput {
    /// The rival's username.
    #[schema(min_length = 1)]
    pub opponent: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only duels in this status.
    #[param(value_type = Option<crate::model::DuelStatus>)]
    pub status: Option<String>,
}

// ---------------------------------------------------------------------------
// Domain types.

/// The player challenged, by username: any case, spaces trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opponent(String);

impl Opponent {
    pub fn parse(s: &str) -> Result<Opponent, DuelsError> {
        let name = s.trim().to_lowercase();
        if name.is_empty() {
            return Err(DuelsError::MissingOpponent);
        }
        Ok(Opponent(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A duel's id as a path gives it. A path that is not a number names no duel: 404,
/// as for a number that names none, so ids cannot be probed by their shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuelId(i64);

impl DuelId {
    pub fn parse(s: &str) -> Result<DuelId, DuelsError> {
        s.parse().map(DuelId).map_err(|_| DuelsError::NotFound)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl From<i64> for DuelId {
    fn from(id: i64) -> Self {
        DuelId(id)
    }
}

/// Where a duel is (§8): waiting for an answer, answered no, never answered,
/// waiting for its battle, fought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Declined,
    Expired,
    Queued,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pending,
        Status::Declined,
        Status::Expired,
        Status::Queued,
        Status::Resolved,
    ];

    pub fn parse(s: &str) -> Result<Status, DuelsError> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or(DuelsError::InvalidStatus)
    }

    /// The name stored and sent (`duel.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Declined => "declined",
            Status::Expired => "expired",
            Status::Queued => "queued",
            Status::Resolved => "resolved",
        }
    }
}

/// The list filter: no status, or a valid one.
pub fn status_filter(s: Option<&str>) -> Result<Option<Status>, DuelsError> {
    s.map(Status::parse).transpose()
}

// ---------------------------------------------------------------------------
// Results.

/// A challenge sent: the `duel`, and the two players to tell.
#[derive(Debug, Clone)]
pub struct Challenged {
    pub duel: Duel,
    pub challenger_id: i64,
    pub opponent_id: i64,
}

impl Challenged {
    pub fn players(&self) -> [i64; 2] {
        [self.challenger_id, self.opponent_id]
    }
}

/// A battle fought and recorded: the `duel` as resolved, and both players as
/// committed (their caches and leaderboards follow them).
#[derive(Debug, Clone)]
pub struct Resolved {
    pub duel: Duel,
    pub winner: PlayerRow,
    pub loser: PlayerRow,
    /// The Fighting XP the winner was paid (0 for a friendly).
    pub paid: i64,
    /// The winner's total and Fighting XP before the reward (for level-up and move
    /// news).
    pub winner_before: (i64, i64),
}

impl Resolved {
    pub fn players(&self) -> [i64; 2] {
        [self.winner.id, self.loser.id]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opponents_ids_and_statuses_parse_once() {
        assert_eq!(Opponent::parse("  YUNO ").unwrap().as_str(), "yuno");
        assert!(matches!(
            Opponent::parse("   "),
            Err(DuelsError::MissingOpponent)
        ));
        assert_eq!(DuelId::parse("42").unwrap().get(), 42);
        assert!(matches!(DuelId::parse("4x2"), Err(DuelsError::NotFound)));
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()).unwrap(), s);
        }
        assert!(matches!(
            Status::parse("Pending"),
            Err(DuelsError::InvalidStatus)
        ));
        assert_eq!(status_filter(None).unwrap(), None);
        assert_eq!(status_filter(Some("queued")).unwrap(), Some(Status::Queued));
    }
}
