//! Each capability's error as the contract's error (status, code, message, details),
//! mapped once here. The gRPC adapter reports the same body in its status details
//! and picks its own codes (`grpc::status`).

use crate::accounts::AccountsError;
use crate::duels::DuelsError;
use crate::error::ApiError;
use crate::images::{self, ImageError};
use crate::leaderboards::LeaderboardsError;
use crate::media::MediaError;
use crate::progress::ProgressError;
use axum::http::StatusCode;
use serde_json::json;

impl From<AccountsError> for ApiError {
    fn from(e: AccountsError) -> Self {
        let message = e.to_string();
        match e {
            AccountsError::Invalid { field, code, .. } => {
                ApiError::validation(&field, code, message)
            }
            AccountsError::UsernameTaken => ApiError::conflict("username_taken", message)
                .with_details(json!({ "field": "username" })),
            AccountsError::EmailTaken => {
                ApiError::conflict("email_taken", message).with_details(json!({ "field": "email" }))
            }
            AccountsError::BadCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", message)
            }
            AccountsError::TooManyRegistrations { limit, retry_after } => {
                let mut e =
                    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "registration_limit", message)
                        .with_details(
                            json!({ "limit": limit, "retry_after_seconds": retry_after }),
                        );
                e.retry_after = Some(retry_after);
                e
            }
            AccountsError::TooManyAttempts { retry_after } => ApiError::too_many(retry_after),
            AccountsError::ReclassifyCooldown { available_at } => {
                ApiError::conflict("reclassify_cooldown", message)
                    .with_details(json!({ "available_at": available_at.to_rfc3339() }))
            }
            AccountsError::NotFound => ApiError::not_found("player"),
            AccountsError::Store(e) => ApiError::from(e),
            AccountsError::Internal(detail) => ApiError::internal(detail),
        }
    }
}

impl From<DuelsError> for ApiError {
    fn from(e: DuelsError) -> Self {
        let message = e.to_string();
        match e {
            DuelsError::MissingOpponent => {
                ApiError::validation("opponent", "missing_opponent", message)
            }
            DuelsError::UnknownOpponent(_) => {
                ApiError::validation("opponent", "unknown_opponent", message)
            }
            DuelsError::SelfDuel => ApiError::validation("opponent", "self_duel", message),
            DuelsError::DailyLimit { limit, retry_after } => {
                let mut e = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "daily_challenge_limit",
                    message,
                )
                .with_details(json!({ "limit": limit, "retry_after_seconds": retry_after }));
                e.retry_after = Some(retry_after);
                e
            }
            DuelsError::AlreadyOpen => ApiError::conflict("duel_already_open", message),
            DuelsError::NotFound => ApiError::not_found("duel"),
            DuelsError::NoReplay => ApiError::not_found("replay"),
            DuelsError::ChallengerCannotAnswer => {
                ApiError::new(StatusCode::FORBIDDEN, "challenger_cannot_answer", message)
            }
            DuelsError::Expired => ApiError::conflict("duel_expired", message),
            DuelsError::Declined => ApiError::conflict("duel_declined", message),
            DuelsError::AlreadyAccepted => ApiError::conflict("duel_already_accepted", message),
            DuelsError::InvalidStatus => ApiError::validation("status", "invalid_status", message),
            DuelsError::Store(e) => ApiError::from(e),
            DuelsError::Backend(e) => ApiError::internal(e),
            DuelsError::Internal(detail) => ApiError::internal(detail),
        }
    }
}

impl From<ProgressError> for ApiError {
    fn from(e: ProgressError) -> Self {
        let message = e.to_string();
        match e {
            ProgressError::Invalid { field, code, .. } => {
                ApiError::validation(&field, code, message)
            }
            ProgressError::Rule(e) => ApiError::from(e),
            ProgressError::PlayerNotFound => ApiError::not_found("player"),
            ProgressError::ActivityNotFound => ApiError::not_found("activity"),
            ProgressError::NotEditable => ApiError::validation("kind", "not_editable", message),
            ProgressError::EditWindowClosed => ApiError::conflict("edit_window_closed", message),
            ProgressError::Store(e) => ApiError::from(e),
            ProgressError::Internal(detail) => ApiError::internal(detail),
        }
    }
}

impl From<LeaderboardsError> for ApiError {
    fn from(e: LeaderboardsError) -> Self {
        let message = e.to_string();
        match e {
            LeaderboardsError::InvalidScope => {
                ApiError::validation("scope", "invalid_scope", message)
            }
            LeaderboardsError::InvalidClass => {
                ApiError::validation("class", "invalid_class", message)
            }
            LeaderboardsError::UnexpectedClass => {
                ApiError::validation("class", "unexpected_class", message)
            }
            LeaderboardsError::InvalidLimit => {
                ApiError::validation("limit", "invalid_limit", message)
            }
            LeaderboardsError::PlayerNotFound => ApiError::not_found("player"),
            LeaderboardsError::Store(e) => ApiError::from(e),
            LeaderboardsError::Internal(detail) => ApiError::internal(detail),
        }
    }
}

impl From<MediaError> for ApiError {
    fn from(e: MediaError) -> Self {
        let message = e.to_string();
        match e {
            // The image is the body (REST) or the `image` field (gRPC).
            MediaError::Image(ImageError::Empty) => ApiError::validation(
                "image",
                "empty_image",
                "the body must be an image (PNG, JPEG or WebP)",
            ),
            MediaError::Image(ImageError::TooLarge) => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "image_too_large", message)
                    .with_details(json!({ "max_bytes": images::MAX_IMAGE_BYTES }))
            }
            MediaError::Image(ImageError::TooManyPixels { width, height }) => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "image_too_large", message)
                    .with_details(json!({
                        "max_pixels": images::MAX_PIXELS, "width": width, "height": height,
                    }))
            }
            MediaError::Image(ImageError::UnsupportedType) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_image_type",
                message,
            ),
            // A PNG, JPEG or WebP by its first bytes that does not decode: the type is
            // fine, the content is not (a validation error naming the field).
            MediaError::Image(ImageError::Undecodable(why)) => ApiError::validation(
                "image",
                "invalid_image",
                "the body is not a readable PNG, JPEG or WebP image",
            )
            .with_details(json!({ "field": "image", "reason": why })),
            MediaError::Image(ImageError::Encoding(why)) => {
                ApiError::internal(format!("image encoding: {why}"))
            }
            MediaError::PlayerNotFound => ApiError::not_found("player"),
            MediaError::AvatarNotFound => ApiError::not_found("avatar"),
            MediaError::ActivityNotFound => ApiError::not_found("activity"),
            MediaError::PhotoNotFound => ApiError::not_found("photo"),
            MediaError::PhotoLimit { limit } => {
                ApiError::conflict("photo_limit", message).with_details(json!({ "limit": limit }))
            }
            MediaError::FileNotFound => ApiError::not_found("file"),
            MediaError::LinkExpired => {
                ApiError::new(StatusCode::FORBIDDEN, "link_expired", message)
            }
            MediaError::InvalidSignature => {
                ApiError::new(StatusCode::FORBIDDEN, "invalid_signature", message)
            }
            MediaError::Store(e) => ApiError::from(e),
            MediaError::Objects(e) => ApiError::storage_unavailable(&e),
            MediaError::Internal(detail) => ApiError::internal(detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_errors_keep_their_contract_bodies() {
        let e = ApiError::from(AccountsError::UsernameTaken);
        assert_eq!(e.status, StatusCode::CONFLICT);
        assert_eq!(
            e.body(),
            json!({"error": {"code": "username_taken", "message": "that username is already registered", "details": {"field": "username"}}})
        );
        let e = ApiError::from(AccountsError::TooManyRegistrations {
            limit: 10,
            retry_after: 42,
        });
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(e.retry_after, Some(42));
        assert_eq!(
            e.body(),
            json!({"error": {"code": "registration_limit", "message": "at most 10 registrations per address per hour; try again later", "details": {"limit": 10, "retry_after_seconds": 42}}})
        );
        let e = ApiError::from(AccountsError::BadCredentials);
        assert_eq!(e.status, StatusCode::UNAUTHORIZED);
        assert_eq!(e.message, "wrong username or password");
        let e = ApiError::from(AccountsError::TooManyAttempts { retry_after: 7 });
        assert_eq!((e.code.as_str(), e.retry_after), ("rate_limited", Some(7)));
        let e = ApiError::from(AccountsError::invalid(
            "wake_target",
            "invalid_wake_target",
            "wake_target must be \"HH:MM\" between 04:00 and 09:00",
        ));
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.details, json!({"field": "wake_target"}));
    }

    #[test]
    fn duels_errors_keep_their_contract_bodies() {
        let e = ApiError::from(DuelsError::DailyLimit {
            limit: 5,
            retry_after: 3600,
        });
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(e.retry_after, Some(3600));
        assert_eq!(
            e.body(),
            json!({"error": {"code": "daily_challenge_limit", "message": "at most 5 challenges a day; try again after midnight", "details": {"limit": 5, "retry_after_seconds": 3600}}})
        );
        let e = ApiError::from(DuelsError::UnknownOpponent("nobody".into()));
        assert_eq!(
            e.body(),
            json!({"error": {"code": "unknown_opponent", "message": "there is no player called \"nobody\"", "details": {"field": "opponent"}}})
        );
        let e = ApiError::from(DuelsError::ChallengerCannotAnswer);
        assert_eq!(e.status, StatusCode::FORBIDDEN);
        assert_eq!(
            e.message,
            "only the challenged player can accept or decline"
        );
        let e = ApiError::from(DuelsError::Expired);
        assert_eq!(
            (e.status, e.code.as_str(), e.message.as_str()),
            (
                StatusCode::CONFLICT,
                "duel_expired",
                "this challenge expired after 24 h"
            )
        );
        let e = ApiError::from(DuelsError::NoReplay);
        assert_eq!(
            (e.status, e.message.as_str()),
            (StatusCode::NOT_FOUND, "replay not found")
        );
        let e = ApiError::from(DuelsError::InvalidStatus);
        assert_eq!(e.details, json!({"field": "status"}));
    }

    #[test]
    fn progress_errors_keep_their_contract_bodies() {
        let e = ApiError::from(ProgressError::invalid(
            "distance_km",
            "missing_field",
            "distance_km is required",
        ));
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            e.body(),
            json!({"error": {"code": "missing_field", "message": "distance_km is required", "details": {"field": "distance_km"}}})
        );
        let rule = shonen_rules::RuleError::invalid("sets[2].reps", "reps must be 1–1000");
        let direct = ApiError::from(rule.clone());
        let e = ApiError::from(ProgressError::Rule(rule));
        assert_eq!((e.status, e.body()), (direct.status, direct.body()));
        let e = ApiError::from(ProgressError::PlayerNotFound);
        assert_eq!(
            (e.status, e.message.as_str()),
            (StatusCode::NOT_FOUND, "player not found")
        );
        let e = ApiError::from(ProgressError::ActivityNotFound);
        assert_eq!(
            e.body(),
            json!({"error": {"code": "not_found", "message": "activity not found", "details": {}}})
        );
        let e = ApiError::from(ProgressError::NotEditable);
        assert_eq!(
            e.body(),
            json!({"error": {"code": "not_editable", "message": "only strength sessions can be edited", "details": {"field": "kind"}}})
        );
        let e = ApiError::from(ProgressError::EditWindowClosed);
        assert_eq!(
            (e.status, e.code.as_str(), e.message.as_str()),
            (
                StatusCode::CONFLICT,
                "edit_window_closed",
                "a strength session can be edited only within 24 hours of completion"
            )
        );
        let e = ApiError::from(ProgressError::Store(crate::storage::StoreError::NotFound));
        assert_eq!(e.message, "resource not found");
        let e = ApiError::from(ProgressError::Internal("boom".into()));
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn leaderboards_errors_keep_their_contract_bodies() {
        let cases = [
            (
                LeaderboardsError::InvalidScope,
                json!({"error": {"code": "invalid_scope", "message": "scope must be global, weekly or class", "details": {"field": "scope"}}}),
            ),
            (
                LeaderboardsError::InvalidClass,
                json!({"error": {"code": "invalid_class", "message": "class must be brawler, speedster, strategist or balanced", "details": {"field": "class"}}}),
            ),
            (
                LeaderboardsError::UnexpectedClass,
                json!({"error": {"code": "unexpected_class", "message": "class is only allowed with scope=class", "details": {"field": "class"}}}),
            ),
            (
                LeaderboardsError::InvalidLimit,
                json!({"error": {"code": "invalid_limit", "message": "limit must be 1–100", "details": {"field": "limit"}}}),
            ),
        ];
        for (e, body) in cases {
            let e = ApiError::from(e);
            assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(e.body(), body);
        }
        let e = ApiError::from(LeaderboardsError::PlayerNotFound);
        assert_eq!(
            (e.status, e.code.as_str(), e.message.as_str()),
            (StatusCode::NOT_FOUND, "not_found", "player not found")
        );
    }

    #[test]
    fn media_errors_keep_their_contract_bodies() {
        let e = ApiError::from(MediaError::too_large());
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            e.body(),
            json!({"error": {"code": "image_too_large", "message": "images are at most 5 MiB", "details": {"max_bytes": 5 * 1024 * 1024}}})
        );
        let e = ApiError::from(MediaError::Image(ImageError::TooManyPixels {
            width: 9000,
            height: 9000,
        }));
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            e.details,
            json!({"max_pixels": 40_000_000, "width": 9000, "height": 9000})
        );
        let e = ApiError::from(MediaError::Image(ImageError::UnsupportedType));
        assert_eq!(
            (e.status, e.code.as_str(), e.message.as_str()),
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_image_type",
                "only PNG, JPEG and WebP images are accepted"
            )
        );
        let e = ApiError::from(MediaError::Image(ImageError::Undecodable("eof".into())));
        assert_eq!(
            e.body(),
            json!({"error": {"code": "invalid_image", "message": "the body is not a readable PNG, JPEG or WebP image", "details": {"field": "image", "reason": "eof"}}})
        );
        let e = ApiError::from(MediaError::Image(ImageError::Empty));
        assert_eq!(
            (e.status, e.code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "empty_image")
        );
        let e = ApiError::from(MediaError::LinkExpired);
        assert_eq!(
            e.body(),
            json!({"error": {"code": "link_expired", "message": "this link has expired; read the resource again for a fresh one", "details": {}}})
        );
        let e = ApiError::from(MediaError::InvalidSignature);
        assert_eq!(
            (e.status, e.code.as_str(), e.message.as_str()),
            (
                StatusCode::FORBIDDEN,
                "invalid_signature",
                "this link is not valid"
            )
        );
        for (e, what) in [
            (MediaError::PlayerNotFound, "player"),
            (MediaError::AvatarNotFound, "avatar"),
            (MediaError::ActivityNotFound, "activity"),
            (MediaError::PhotoNotFound, "photo"),
            (MediaError::FileNotFound, "file"),
        ] {
            let e = ApiError::from(e);
            assert_eq!(
                (e.status, e.message),
                (StatusCode::NOT_FOUND, format!("{what} not found"))
            );
        }
        let e = ApiError::from(MediaError::Objects(anyhow::anyhow!("bucket gone")));
        assert_eq!(
            (e.status, e.code.as_str(), e.retry_after),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                Some(5)
            )
        );
        let full = anyhow::Error::new(std::io::Error::from_raw_os_error(28))
            .context("storing object avatars/1");
        let e = ApiError::from(MediaError::Objects(full));
        assert_eq!(
            (e.status, e.code.as_str()),
            (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage")
        );
        assert!(!e.message.contains("avatars"), "no internals shown");
    }
}
