//! Every way a duels use case can fail, one variant each, in the capability's own
//! words. No protocol in here: the REST adapter maps this enum to the contract's
//! error body once (`http::errors`), the gRPC adapter to a status once
//! (`grpc::status::duels`).

use crate::storage::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum DuelsError {
    /// The challenge names nobody.
    #[error("opponent must name a player")]
    MissingOpponent,
    #[error("there is no player called {0:?}")]
    UnknownOpponent(String),
    #[error("you cannot challenge yourself")]
    SelfDuel,
    /// The challenger has sent their challenges of the local day; `retry_after` is
    /// the seconds to their next local midnight.
    #[error("at most {limit} challenges a day; try again after midnight")]
    DailyLimit { limit: i64, retry_after: u64 },
    /// The pair already has a pending or queued duel, whichever way round.
    #[error("you two already have an open duel (pending or queued)")]
    AlreadyOpen,
    /// Missing, or the caller is not one of its two players (never said which).
    #[error("duel not found")]
    NotFound,
    /// The duel has no stored replay (not resolved yet, or the object is gone).
    #[error("replay not found")]
    NoReplay,
    #[error("only the challenged player can accept or decline")]
    ChallengerCannotAnswer,
    #[error("this challenge expired after 24 h")]
    Expired,
    #[error("this challenge was declined")]
    Declined,
    #[error("this challenge was already accepted")]
    AlreadyAccepted,
    /// The list filter names no status.
    #[error("status must be one of pending, declined, expired, queued, resolved")]
    InvalidStatus,
    #[error(transparent)]
    Store(StoreError),
    /// A backend the battle or the replay needs (the battle executor, object
    /// storage) failed; the battle job retries, a request gets 500.
    #[error(transparent)]
    Backend(anyhow::Error),
    /// A failure of ours (encoding a snapshot): logged, never shown.
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for DuelsError {
    fn from(e: StoreError) -> Self {
        DuelsError::Store(e)
    }
}
