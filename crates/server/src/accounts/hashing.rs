//! Password hashing (argon2id) off the async runtime, a bounded number at a time.

use super::error::AccountsError;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use rand::RngCore;

/// A real argon2id hash of a random password, made once, verified against when the
/// login name is unknown (so timing does not tell which names exist).
static DUMMY_HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

pub(super) async fn dummy_hash() -> Result<String, AccountsError> {
    DUMMY_HASH
        .get_or_try_init(|| async {
            let mut bytes = [0u8; 16];
            rand::rng().fill_bytes(&mut bytes);
            hash_password(hex::encode(bytes)).await
        })
        .await
        .cloned()
}

/// Hashes in flight at once: each takes a core and 19 MiB, so more than the
/// machine's cores only adds memory and latency.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    })
}

fn internal(what: &str, e: impl std::fmt::Display) -> AccountsError {
    AccountsError::Internal(format!("{what}: {e}"))
}

/// Argon2id is deliberately slow: it runs on the blocking pool, never on the runtime.
pub(super) async fn hash_password(password: String) -> Result<String, AccountsError> {
    let _permit = hashing_permits()
        .acquire()
        .await
        .map_err(|e| internal("hashing", e))?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| internal("hashing", e))
    })
    .await
    .map_err(|e| internal("hashing", e))?
}

pub(super) async fn verify_password(password: String, hash: String) -> Result<bool, AccountsError> {
    let _permit = hashing_permits()
        .acquire()
        .await
        .map_err(|e| internal("verifying", e))?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .map_err(|e| internal("verifying", e))
}
