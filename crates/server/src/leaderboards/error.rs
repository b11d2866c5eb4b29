//! Every way a leaderboards use case can fail, one variant each, in the capability's
//! own words. No protocol in here: the REST adapter maps this enum to the contract's
//! error body once (`http::errors`), the gRPC adapter to a status once
//! (`grpc::status::leaderboards`).

use crate::storage::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum LeaderboardsError {
    /// `scope` names no board.
    #[error("scope must be global, weekly or class")]
    InvalidScope,
    /// `scope=class` without a class, or with one that is not a class.
    #[error("class must be brawler, speedster, strategist or balanced")]
    InvalidClass,
    /// A class given with a scope that has none.
    #[error("class is only allowed with scope=class")]
    UnexpectedClass,
    #[error("limit must be 1–100")]
    InvalidLimit,
    /// The caller's row is gone (their weekly board depends on their time zone).
    #[error("player not found")]
    PlayerNotFound,
    /// The database failed while the board was served from it (the cache was out).
    #[error(transparent)]
    Store(StoreError),
    /// A failure of ours (encoding a page): logged, never shown.
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for LeaderboardsError {
    fn from(e: StoreError) -> Self {
        LeaderboardsError::Store(e)
    }
}
