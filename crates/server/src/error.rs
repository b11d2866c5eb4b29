//! The HTTP error: every failure leaves the service as the contract's error body
//! `{"error": {"code", "message", "details"}}`, converted here once.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub details: Value,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            details: json!({}),
            retry_after: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// 422 naming the offending field.
    pub fn validation(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            .with_details(json!({ "field": field }))
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is required",
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn too_many(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests; slow down",
        )
        .with_details(json!({ "retry_after_seconds": retry_after }));
        e.retry_after = Some(retry_after);
        e
    }

    /// 503: the database cannot serve right now; the client may retry shortly.
    pub fn database_unavailable() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database is unavailable; retry shortly",
        )
        .with_details(json!({ "retry_after_seconds": 1 }));
        e.retry_after = Some(1);
        e
    }

    /// Object storage (replays, avatars, photos) failed: 507 when its disk is full,
    /// else 503; either way try again later. The cause goes to the log.
    pub fn storage_unavailable(err: &anyhow::Error) -> Self {
        let no_space = err.chain().any(|c| {
            c.downcast_ref::<std::io::Error>().is_some_and(|io| {
                io.raw_os_error() == Some(28) || io.kind() == std::io::ErrorKind::StorageFull
            })
        }) || format!("{err:#}").contains("No space left on device");
        tracing::warn!(error = %format!("{err:#}"), no_space, "object storage failed");
        let mut e = if no_space {
            Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "insufficient_storage",
                "there is no room to store this right now; retry later",
            )
        } else {
            Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "file storage is unavailable; retry shortly",
            )
        }
        .with_details(json!({ "retry_after_seconds": 5 }));
        e.retry_after = Some(5);
        e
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        // The detail goes to the log, never to the client.
        tracing::error!(error = %err, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side",
        )
    }

    /// An error as recorded (its status and contract body), given again: a replay
    /// of an idempotent request's refusal. Its `Retry-After` is read back from
    /// `details.retry_after_seconds` where the body gives one.
    pub fn recorded(status: u16, body: &str) -> Self {
        let v: Value = serde_json::from_str(body).unwrap_or_default();
        let e = &v["error"];
        let mut out = Self::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e["code"].as_str().unwrap_or("internal"),
            e["message"].as_str().unwrap_or_default(),
        );
        if e["details"].is_object() {
            out.details = e["details"].clone();
        }
        out.retry_after = out.details["retry_after_seconds"].as_u64();
        out
    }

    pub fn body(&self) -> Value {
        json!({ "error": { "code": self.code, "message": self.message, "details": self.details } })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(self.body())).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750: a 401 names the scheme the caller must use.
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"shonen\""),
            );
        }
        resp
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if crate::storage::unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            return ApiError::database_unavailable();
        }
        ApiError::internal(format!("database: {e}"))
    }
}

impl From<crate::storage::StoreError> for ApiError {
    fn from(e: crate::storage::StoreError) -> Self {
        use crate::storage::StoreError;
        match e {
            StoreError::Conflict(what) => ApiError::conflict(
                &format!("{what}_taken"),
                format!("that {what} is already taken"),
            ),
            StoreError::NotFound => ApiError::not_found("resource"),
            StoreError::Db(e) => ApiError::from(e),
            StoreError::Corrupt(m) => ApiError::internal(format!("corrupt row: {m}")),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<shonen_rules::RuleError> for ApiError {
    fn from(e: shonen_rules::RuleError) -> Self {
        let field = e.field.clone().unwrap_or_default();
        ApiError::validation(&field, e.code.as_str(), e.message)
    }
}
