//! The one mapping from the contract's error (`ApiError`) to a gRPC status, with
//! `google.rpc` details: every status carries `ErrorInfo` (reason = the REST error
//! code, domain `shonen`, the REST details as metadata); a validation error adds a
//! `BadRequest` violation naming the same field REST puts in `details.field`; a rate
//! limit adds `RetryInfo`. Used by the gRPC methods and by the shared middleware
//! (rate limits) when the caller speaks gRPC.

use crate::accounts::AccountsError;
use crate::duels::DuelsError;
use crate::error::ApiError;
use crate::images::ImageError;
use crate::leaderboards::LeaderboardsError;
use crate::media::MediaError;
use crate::progress::ProgressError;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The gRPC code for a contract error.
pub fn code(e: &ApiError) -> Code {
    match e.status.as_u16() {
        400 | 415 | 422 => Code::InvalidArgument,
        401 => Code::Unauthenticated,
        403 => Code::PermissionDenied,
        404 | 405 => Code::NotFound,
        // A unique name already used is "already exists"; every other 409 is a state
        // conflict the caller must resolve first (cooldown, duel already answered).
        409 if e.code.ends_with("_taken") => Code::AlreadyExists,
        409 => Code::FailedPrecondition,
        // Too large or too many: a body, a URI, the headers (431), the requests.
        413 | 414 | 429 | 431 | 507 => Code::ResourceExhausted,
        408 | 504 => Code::DeadlineExceeded,
        503 => Code::Unavailable,
        // Any other refusal of the request is the caller's to fix, never a fault here.
        400..=499 => Code::InvalidArgument,
        _ => Code::Internal,
    }
}

pub fn status(e: ApiError) -> Status {
    let code = code(&e);
    with_details(code, e)
}

/// Accounts' failures: the gRPC code chosen for each, the contract's body
/// (`http::errors`) in the details, as for every other error.
pub fn accounts(e: AccountsError) -> Status {
    let code = match &e {
        AccountsError::Invalid { .. } => Code::InvalidArgument,
        AccountsError::UsernameTaken | AccountsError::EmailTaken => Code::AlreadyExists,
        AccountsError::BadCredentials => Code::Unauthenticated,
        AccountsError::TooManyRegistrations { .. } | AccountsError::TooManyAttempts { .. } => {
            Code::ResourceExhausted
        }
        AccountsError::ReclassifyCooldown { .. } => Code::FailedPrecondition,
        AccountsError::NotFound => Code::NotFound,
        // The store's failures are the service's (unavailable, internal).
        AccountsError::Store(_) | AccountsError::Internal(_) => return status(ApiError::from(e)),
    };
    with_details(code, ApiError::from(e))
}

/// Duels' failures: the gRPC code chosen for each, the contract's body
/// (`http::errors`) in the details.
pub fn duels(e: DuelsError) -> Status {
    let code = match &e {
        DuelsError::MissingOpponent
        | DuelsError::UnknownOpponent(_)
        | DuelsError::SelfDuel
        | DuelsError::InvalidStatus => Code::InvalidArgument,
        DuelsError::DailyLimit { .. } => Code::ResourceExhausted,
        // The duel's state must change first (or the pair's other duel end).
        DuelsError::AlreadyOpen
        | DuelsError::Expired
        | DuelsError::Declined
        | DuelsError::AlreadyAccepted => Code::FailedPrecondition,
        DuelsError::NotFound | DuelsError::NoReplay => Code::NotFound,
        DuelsError::ChallengerCannotAnswer => Code::PermissionDenied,
        DuelsError::Store(_) | DuelsError::Backend(_) | DuelsError::Internal(_) => {
            return status(ApiError::from(e));
        }
    };
    with_details(code, ApiError::from(e))
}

/// Progress's failures: the gRPC code chosen for each, the contract's body
/// (`http::errors`) in the details.
pub fn progress(e: ProgressError) -> Status {
    let code = match &e {
        ProgressError::Invalid { .. } | ProgressError::Rule(_) | ProgressError::NotEditable => {
            Code::InvalidArgument
        }
        ProgressError::PlayerNotFound | ProgressError::ActivityNotFound => Code::NotFound,
        // The window closed: the session's state forbids it now.
        ProgressError::EditWindowClosed => Code::FailedPrecondition,
        ProgressError::Store(_) | ProgressError::Internal(_) => return status(ApiError::from(e)),
    };
    with_details(code, ApiError::from(e))
}

/// A status of `code` carrying the contract's error body as `google.rpc` details.
/// UNIMPLEMENTED for a method (or a whole service) this server does not have, with
/// the details every other error carries (`ErrorInfo` reason `unknown_method`).
pub fn unimplemented(what: &str) -> Status {
    with_details(
        Code::Unimplemented,
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "unknown_method",
            format!("no such gRPC method: {what}"),
        ),
    )
}

fn with_details(code: Code, e: ApiError) -> Status {
    let mut details = ErrorDetails::new();
    let metadata: HashMap<String, String> = e
        .details
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), v)
        })
        .collect();
    details.set_error_info(e.code.clone(), "shonen", metadata);
    if code == Code::InvalidArgument
        && let Some(field) = e.details.get("field").and_then(Value::as_str)
    {
        details.add_bad_request_violation(field, e.message.clone());
    }
    if let Some(secs) = e.retry_after {
        details.set_retry_info(Some(Duration::from_secs(secs)));
    }
    Status::with_error_details(code, format!("{}: {}", e.code, e.message), details)
}

/// Leaderboards' failures: the gRPC code chosen for each, the contract's body
/// (`http::errors`) in the details.
pub fn leaderboards(e: LeaderboardsError) -> Status {
    let code = match &e {
        LeaderboardsError::InvalidScope
        | LeaderboardsError::InvalidClass
        | LeaderboardsError::UnexpectedClass
        | LeaderboardsError::InvalidLimit => Code::InvalidArgument,
        LeaderboardsError::PlayerNotFound => Code::NotFound,
        LeaderboardsError::Store(_) | LeaderboardsError::Internal(_) => {
            return status(ApiError::from(e));
        }
    };
    with_details(code, ApiError::from(e))
}

/// Media's failures: the gRPC code chosen for each, the contract's body
/// (`http::errors`) in the details.
pub fn media(e: MediaError) -> Status {
    let code = match &e {
        MediaError::Image(
            ImageError::Empty | ImageError::UnsupportedType | ImageError::Undecodable(_),
        ) => Code::InvalidArgument,
        MediaError::Image(ImageError::TooLarge | ImageError::TooManyPixels { .. })
        | MediaError::PhotoLimit { .. } => Code::ResourceExhausted,
        MediaError::PlayerNotFound
        | MediaError::AvatarNotFound
        | MediaError::ActivityNotFound
        | MediaError::PhotoNotFound
        | MediaError::FileNotFound => Code::NotFound,
        MediaError::LinkExpired | MediaError::InvalidSignature => Code::PermissionDenied,
        MediaError::Image(ImageError::Encoding(_))
        | MediaError::Store(_)
        | MediaError::Objects(_)
        | MediaError::Internal(_) => return status(ApiError::from(e)),
    };
    with_details(code, ApiError::from(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contract_error_has_its_code_and_details() {
        let e = ApiError::validation("sets[2].reps", "invalid_field", "reps must be 1–1000");
        let s = status(e);
        assert_eq!(s.code(), Code::InvalidArgument);
        let d = s.get_error_details();
        let v = &d.bad_request().unwrap().field_violations[0];
        assert_eq!(v.field, "sets[2].reps");
        assert_eq!(d.error_info().unwrap().reason, "invalid_field");

        let taken = ApiError::conflict("username_taken", "that username is already taken");
        assert_eq!(status(taken).code(), Code::AlreadyExists);
        let cooldown = ApiError::conflict("reclassify_cooldown", "wait");
        assert_eq!(status(cooldown).code(), Code::FailedPrecondition);

        let s = status(ApiError::too_many(17));
        assert_eq!(s.code(), Code::ResourceExhausted);
        let retry = s.get_error_details().retry_info().unwrap().retry_delay;
        assert_eq!(retry, Some(Duration::from_secs(17)));

        assert_eq!(
            status(ApiError::unauthorized()).code(),
            Code::Unauthenticated
        );
        assert_eq!(status(ApiError::not_found("duel")).code(), Code::NotFound);
        assert_eq!(status(ApiError::internal("boom")).code(), Code::Internal);
        // The request's own faults are never INTERNAL: too many headers, a URI too
        // long, any other 4xx.
        let refused = |code: u16| {
            let s = axum::http::StatusCode::from_u16(code).unwrap();
            status(ApiError::new(s, "refused", "refused")).code()
        };
        assert_eq!(refused(431), Code::ResourceExhausted);
        assert_eq!(refused(414), Code::ResourceExhausted);
        assert_eq!(refused(408), Code::DeadlineExceeded);
        assert_eq!(refused(411), Code::InvalidArgument);
        assert_eq!(refused(418), Code::InvalidArgument);
        assert_eq!(refused(502), Code::Internal);
    }

    /// Both statuses carry the same `google.rpc` details.
    fn same_details(a: &Status, b: &Status) {
        let (a, b) = (a.get_error_details(), b.get_error_details());
        let info = |d: &ErrorDetails| {
            d.error_info()
                .map(|i| (i.reason.clone(), i.domain.clone(), i.metadata.clone()))
        };
        assert_eq!(info(&a), info(&b));
        let violations = |d: &ErrorDetails| {
            d.bad_request().map(|r| {
                r.field_violations
                    .iter()
                    .map(|v| (v.field.clone(), v.description.clone()))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(violations(&a), violations(&b));
        let retry = |d: &ErrorDetails| d.retry_info().map(|r| r.retry_delay);
        assert_eq!(retry(&a), retry(&b));
    }

    #[test]
    fn accounts_errors_have_the_codes_of_their_contract_bodies() {
        let cases: [fn() -> AccountsError; 10] = [
            || AccountsError::invalid("username", "invalid_username", "bad"),
            || AccountsError::UsernameTaken,
            || AccountsError::EmailTaken,
            || AccountsError::BadCredentials,
            || AccountsError::TooManyRegistrations {
                limit: 3,
                retry_after: 9,
            },
            || AccountsError::TooManyAttempts { retry_after: 4 },
            || AccountsError::ReclassifyCooldown {
                available_at: chrono::DateTime::UNIX_EPOCH,
            },
            || AccountsError::NotFound,
            || AccountsError::Store(crate::storage::StoreError::NotFound),
            || AccountsError::Internal("boom".into()),
        ];
        for e in cases {
            let direct = accounts(e());
            let through_body = status(ApiError::from(e()));
            assert_eq!(direct.code(), through_body.code(), "{:?}", e());
            assert_eq!(direct.message(), through_body.message());
            same_details(&direct, &through_body);
        }
        let s = accounts(AccountsError::invalid(
            "goals.agility",
            "invalid_value",
            "no",
        ));
        let d = s.get_error_details();
        assert_eq!(
            d.bad_request().unwrap().field_violations[0].field,
            "goals.agility"
        );
        assert_eq!(
            accounts(AccountsError::EmailTaken).code(),
            Code::AlreadyExists
        );
        assert_eq!(
            accounts(AccountsError::ReclassifyCooldown {
                available_at: chrono::DateTime::UNIX_EPOCH
            })
            .code(),
            Code::FailedPrecondition
        );
    }

    #[test]
    fn duels_errors_have_the_codes_of_their_contract_bodies() {
        let cases: [fn() -> DuelsError; 15] = [
            || DuelsError::MissingOpponent,
            || DuelsError::UnknownOpponent("nobody".into()),
            || DuelsError::SelfDuel,
            || DuelsError::DailyLimit {
                limit: 5,
                retry_after: 60,
            },
            || DuelsError::AlreadyOpen,
            || DuelsError::NotFound,
            || DuelsError::NoReplay,
            || DuelsError::ChallengerCannotAnswer,
            || DuelsError::Expired,
            || DuelsError::Declined,
            || DuelsError::AlreadyAccepted,
            || DuelsError::InvalidStatus,
            || DuelsError::Store(crate::storage::StoreError::NotFound),
            || DuelsError::Backend(anyhow::anyhow!("no bucket")),
            || DuelsError::Internal("boom".into()),
        ];
        for e in cases {
            let direct = duels(e());
            let through_body = status(ApiError::from(e()));
            assert_eq!(direct.code(), through_body.code(), "{:?}", e());
            assert_eq!(direct.message(), through_body.message());
            same_details(&direct, &through_body);
        }
        assert_eq!(
            duels(DuelsError::AlreadyOpen).code(),
            Code::FailedPrecondition
        );
        assert_eq!(
            duels(DuelsError::ChallengerCannotAnswer).code(),
            Code::PermissionDenied
        );
    }

    #[test]
    fn progress_errors_have_the_codes_of_their_contract_bodies() {
        let cases: [fn() -> ProgressError; 8] = [
            || ProgressError::invalid("kind", "invalid_kind", "bad kind"),
            || {
                ProgressError::Rule(shonen_rules::RuleError::invalid(
                    "sets[2].reps",
                    "reps must be 1–1000",
                ))
            },
            || ProgressError::PlayerNotFound,
            || ProgressError::ActivityNotFound,
            || ProgressError::NotEditable,
            || ProgressError::EditWindowClosed,
            || ProgressError::Store(crate::storage::StoreError::NotFound),
            || ProgressError::Internal("boom".into()),
        ];
        for e in cases {
            let direct = progress(e());
            let through_body = status(ApiError::from(e()));
            assert_eq!(direct.code(), through_body.code(), "{:?}", e());
            assert_eq!(direct.message(), through_body.message());
            same_details(&direct, &through_body);
        }
        let s = progress(ProgressError::Rule(shonen_rules::RuleError::invalid(
            "sets[2].reps",
            "reps must be 1–1000",
        )));
        let d = s.get_error_details();
        assert_eq!(
            d.bad_request().unwrap().field_violations[0].field,
            "sets[2].reps"
        );
    }

    #[test]
    fn leaderboards_errors_have_the_codes_of_their_contract_bodies() {
        let cases: [fn() -> LeaderboardsError; 7] = [
            || LeaderboardsError::InvalidScope,
            || LeaderboardsError::InvalidClass,
            || LeaderboardsError::UnexpectedClass,
            || LeaderboardsError::InvalidLimit,
            || LeaderboardsError::PlayerNotFound,
            || LeaderboardsError::Store(crate::storage::StoreError::NotFound),
            || LeaderboardsError::Internal("boom".into()),
        ];
        for e in cases {
            let direct = leaderboards(e());
            let through_body = status(ApiError::from(e()));
            assert_eq!(direct.code(), through_body.code(), "{:?}", e());
            assert_eq!(direct.message(), through_body.message());
            same_details(&direct, &through_body);
        }
        let s = leaderboards(LeaderboardsError::InvalidLimit);
        assert_eq!(s.code(), Code::InvalidArgument);
        let d = s.get_error_details();
        assert_eq!(d.bad_request().unwrap().field_violations[0].field, "limit");
    }

    #[test]
    fn media_errors_have_the_codes_of_their_contract_bodies() {
        let cases: [fn() -> MediaError; 16] = [
            || MediaError::Image(ImageError::Empty),
            || MediaError::too_large(),
            || {
                MediaError::Image(ImageError::TooManyPixels {
                    width: 9000,
                    height: 9000,
                })
            },
            || MediaError::Image(ImageError::UnsupportedType),
            || MediaError::Image(ImageError::Undecodable("truncated".into())),
            || MediaError::Image(ImageError::Encoding("boom".into())),
            || MediaError::PlayerNotFound,
            || MediaError::AvatarNotFound,
            || MediaError::ActivityNotFound,
            || MediaError::PhotoNotFound,
            || MediaError::FileNotFound,
            || MediaError::LinkExpired,
            || MediaError::InvalidSignature,
            || MediaError::Store(crate::storage::StoreError::NotFound),
            || MediaError::Objects(anyhow::anyhow!("no bucket")),
            || MediaError::Internal("boom".into()),
        ];
        for e in cases {
            let direct = media(e());
            let through_body = status(ApiError::from(e()));
            assert_eq!(direct.code(), through_body.code(), "{:?}", e());
            assert_eq!(direct.message(), through_body.message());
            same_details(&direct, &through_body);
        }
        assert_eq!(
            media(MediaError::too_large()).code(),
            Code::ResourceExhausted
        );
        assert_eq!(
            media(MediaError::InvalidSignature).code(),
            Code::PermissionDenied
        );
    }
}
