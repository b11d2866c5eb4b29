//! Every way a progress use case can fail, one variant each, in the capability's own
//! words. No protocol in here: the REST adapter maps this enum to the contract's
//! error body once (`http::errors`), the gRPC adapter to a status once
//! (`grpc::status::progress`).

use crate::storage::StoreError;
use shonen_rules::RuleError;

#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    /// The input names a field the activity cannot have as given (a missing field,
    /// an unknown kind, a note too long); `code` is the contract's error code.
    #[error("{message}")]
    Invalid {
        field: String,
        code: &'static str,
        message: String,
    },
    /// The rules refused the activity (an implausible run, a late wake-up, a time in
    /// the future): their field, code and message.
    #[error("{}", .0.message)]
    Rule(RuleError),
    /// The player is gone.
    #[error("player not found")]
    PlayerNotFound,
    /// No such activity, or not the player's.
    #[error("activity not found")]
    ActivityNotFound,
    /// Only strength sessions can be edited.
    #[error("only strength sessions can be edited")]
    NotEditable,
    #[error("a strength session can be edited only within 24 hours of completion")]
    EditWindowClosed,
    #[error(transparent)]
    Store(StoreError),
    /// A failure of ours (encoding an award, a stored award that does not parse):
    /// logged, never shown.
    #[error("{0}")]
    Internal(String),
}

impl ProgressError {
    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        ProgressError::Invalid {
            field: field.to_string(),
            code,
            message: message.into(),
        }
    }
}

impl From<StoreError> for ProgressError {
    fn from(e: StoreError) -> Self {
        ProgressError::Store(e)
    }
}

impl From<RuleError> for ProgressError {
    fn from(e: RuleError) -> Self {
        ProgressError::Rule(e)
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> ProgressError {
    ProgressError::Internal(e.to_string())
}
