//! Every way an accounts use case can fail, one variant each, in the capability's own
//! words. No protocol in here: the REST adapter maps this enum to the contract's
//! error body once (`http::errors`), the gRPC adapter to a status once
//! (`grpc::status::accounts`).

use crate::storage::StoreError;
use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// A field of the request cannot be parsed into its domain type.
    #[error("{message}")]
    Invalid {
        /// The field's path, such as `wake_target` or `goals.agility`.
        field: String,
        /// A stable snake_case code, such as `invalid_username`.
        code: &'static str,
        message: String,
    },
    #[error("that username is already registered")]
    UsernameTaken,
    #[error("that email is already registered")]
    EmailTaken,
    /// Unknown login name or wrong password (which one is never said).
    #[error("wrong username or password")]
    BadCredentials,
    /// The client address has used its registrations of the hour (§10).
    #[error("at most {limit} registrations per address per hour; try again later")]
    TooManyRegistrations { limit: u32, retry_after: u64 },
    /// The account has used its login attempts of the minute (§10).
    #[error("too many requests; slow down")]
    TooManyAttempts { retry_after: u64 },
    /// The classification can be re-taken once every 30 days.
    #[error("you can re-take the classification once every 30 days")]
    ReclassifyCooldown { available_at: DateTime<Utc> },
    #[error("player not found")]
    NotFound,
    #[error(transparent)]
    Store(StoreError),
    /// A failure of ours (password hashing): logged, never shown.
    #[error("{0}")]
    Internal(String),
}

impl AccountsError {
    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        AccountsError::Invalid {
            field: field.to_string(),
            code,
            message: message.into(),
        }
    }
}

impl From<StoreError> for AccountsError {
    fn from(e: StoreError) -> Self {
        AccountsError::Store(e)
    }
}
