//! Request extractors that turn bad input into the contract's errors: malformed JSON
//! is 400, a wrong field is 422 naming the field, too large a body is 413, and a
//! missing or bad token is 401.

use crate::app::AppState;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// JSON body with contract-shaped rejections.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // No content type is taken as JSON; any other declared type is refused.
        if let Some(ct) = req.headers().get(axum::http::header::CONTENT_TYPE) {
            let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
            let essence = ct.split(';').next().unwrap_or("").trim();
            if essence != "application/json" && !essence.ends_with("+json") {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "the body must be JSON (Content-Type: application/json)",
                ));
            }
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "the request body is larger than 1 MiB",
                )
            } else {
                ApiError::bad_request("bad_body", e.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON object body: syntax errors and anything but an object are 400, shape
/// errors 422 naming the field's path (`sets[2].reps`; a missing field by its name)
/// in plain words.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let at = if e.line() > 0 {
            format!(" (line {}, column {})", e.line(), e.column())
        } else {
            String::new()
        };
        ApiError::bad_request("malformed_json", format!("the body is not valid JSON{at}"))
    })?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "not_an_object",
            "the body must be a JSON object",
        ));
    }
    integral_numbers(&mut value);
    // Every body passes here (REST and gRPC alike): one text check for all fields.
    crate::validate::json_text(&value)?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let (field, message) = describe(&path, &e.into_inner().to_string());
        ApiError::validation(&field, "invalid_field", message)
    })
}

/// JSON does not tell `5` from `5.0`: a number with no fraction is an integer (as JSON
/// Schema says), so integer fields accept `5.0`; number fields take either.
fn integral_numbers(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                // |f| < 2^53: exact as an integer.
                *v = serde_json::Value::from(f as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        serde_json::Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// The field and a human message for a deserialization error at `path` (serde's
/// wording stays out of the contract).
fn describe(path: &str, serde_message: &str) -> (String, String) {
    let parent = if path == "." { "" } else { path };
    if let Some(name) = between(serde_message, "missing field `", "`") {
        let field = if parent.is_empty() {
            name.to_string()
        } else {
            format!("{parent}.{name}")
        };
        return (field.clone(), format!("{field} is required"));
    }
    let field = if parent.is_empty() {
        "body".to_string()
    } else {
        parent.to_string()
    };
    if let Some(name) = between(serde_message, "unknown field `", "`") {
        let field = if parent.is_empty() {
            name.to_string()
        } else {
            format!("{parent}.{name}")
        };
        return (field.clone(), format!("{field} is not a known field"));
    }
    let expected = serde_message
        .rsplit_once("expected ")
        .map(|(_, e)| e)
        .unwrap_or("");
    let want = if serde_message.starts_with("invalid value: integer")
        && (expected.starts_with('u') || expected.contains("unsigned"))
    {
        "a non-negative integer in range"
    } else if serde_message.starts_with("invalid value: integer") {
        "an integer in range"
    } else if let Some(rest) = serde_message.strip_prefix("unknown variant `") {
        let _ = rest;
        return (
            field.clone(),
            format!("{field} is not one of the allowed values"),
        );
    } else {
        match expected {
            e if e.starts_with('i') || e.starts_with('u') && e.len() <= 5 => "an integer",
            "f32" | "f64" => "a number",
            "a string" | "a borrowed string" | "a character" => "a string",
            "a boolean" => "true or false",
            e if e.starts_with("a sequence") || e.starts_with("an array") => "an array",
            e if e.starts_with("struct ") || e.starts_with("a map") => "an object",
            e if e.contains("date") => "an RFC 3339 date-time such as 2026-01-31T07:30:00Z",
            _ if serde_message.starts_with("input contains invalid characters")
                || serde_message.starts_with("premature end of input")
                || serde_message.starts_with("input is out of range")
                || serde_message.starts_with("trailing input")
                || serde_message.starts_with("input is not enough")
                || serde_message.starts_with("no possible date") =>
            {
                "an RFC 3339 date-time such as 2026-01-31T07:30:00Z"
            }
            _ => "",
        }
    };
    if want.is_empty() {
        (field.clone(), format!("{field} has an invalid value"))
    } else {
        (field.clone(), format!("{field} must be {want}"))
    }
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &s[s.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

/// The authenticated player, from `Authorization: Bearer <token>`.
#[derive(Debug, Clone, Copy)]
pub struct Auth {
    pub player_id: i64,
}

impl FromRequestParts<Arc<AppState>> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        if let Some(auth) = parts.extensions.get::<Auth>() {
            return Ok(*auth);
        }
        let token = bearer_token(&parts.headers).ok_or_else(ApiError::unauthorized)?;
        let player_id = crate::services::hot::token_player(state, token)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let auth = Auth { player_id };
        parts.extensions.insert(auth);
        Ok(auth)
    }
}

pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?;
    let value = value.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    let token = token.trim();
    (!token.is_empty()).then_some(token)
}
