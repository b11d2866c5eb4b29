//! Request extractors that turn bad input into the contract's errors: malformed JSON
//! is 400, a wrong field is 422 naming the field, too large a body is 413, and a
//! missing or bad token is 401.

use crate::error::ApiError;
use crate::state::AppState;
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
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let at = if e.line() > 0 {
            format!(" (line {}, column {})", e.line(), e.column())
        } else {
            String::new()
        };
        ApiError::bad_request("malformed_json", format!("the body is not valid JSON{at}"))
    })?;
    parse_value(value)
}

/// `parse_json` for a body already read as JSON (gRPC messages arrive that way).
pub fn parse_value<T: DeserializeOwned>(mut value: serde_json::Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "not_an_object",
            "the body must be a JSON object",
        ));
    }
    integral_numbers(&mut value);
    // Members the type does not know are ignored (the schemas allow extra
    // properties), so they are not read, and not text-checked either.
    let mut ignored: Vec<Vec<Segment>> = Vec::new();
    let parsed: Result<T, _> = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(
        &value,
        &mut |path: serde_ignored::Path| ignored.push(segments(&path)),
    ));
    for path in &ignored {
        remove(&mut value, path);
    }
    // Every body passes here (REST and gRPC alike): one text check for all fields
    // read, before any other complaint about them.
    crate::validate::json_text(&value)?;
    parsed.map_err(|e| {
        let path = e.path().to_string();
        let (field, message) = describe(&path, &e.into_inner().to_string());
        ApiError::validation(&field, "invalid_field", message)
    })
}

/// One step of a path into a JSON value.
#[derive(Debug, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// The steps from the root to an ignored member.
fn segments(path: &serde_ignored::Path) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = path;
    loop {
        at = match at {
            serde_ignored::Path::Root => break,
            serde_ignored::Path::Map { parent, key } => {
                out.push(Segment::Key(key.clone()));
                parent
            }
            serde_ignored::Path::Seq { parent, index } => {
                out.push(Segment::Index(*index));
                parent
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => parent,
        };
    }
    out.reverse();
    out
}

/// Removes the member at `path` (nothing when it is not there).
fn remove(v: &mut serde_json::Value, path: &[Segment]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = v;
    for step in parents {
        let next = match (step, at) {
            (Segment::Key(k), serde_json::Value::Object(map)) => map.get_mut(k),
            (Segment::Index(i), serde_json::Value::Array(items)) => items.get_mut(*i),
            _ => None,
        };
        match next {
            Some(n) => at = n,
            None => return,
        }
    }
    match (last, at) {
        (Segment::Key(k), serde_json::Value::Object(map)) => {
            map.remove(k);
        }
        // An ignored array element: blank it rather than shift its neighbours.
        (Segment::Index(i), serde_json::Value::Array(items)) => {
            if let Some(item) = items.get_mut(*i) {
                *item = serde_json::Value::Null;
            }
        }
        _ => {}
    }
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
        let player_id = state
            .hot
            .token_player(token)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let auth = Auth { player_id };
        parts.extensions.insert(auth);
        Ok(auth)
    }
}

/// The token of an `Authorization: Bearer <token>` header. The scheme's name is
/// matched in any case, as HTTP's authentication schemes are (RFC 9110 §11.1).
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?;
    bearer_of(value.to_str().ok()?)
}

/// The token of a `Bearer <token>` credential (scheme in any case).
pub fn bearer_of(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty()).then_some(token)
}

/// Reads a struct only from an object (`#[serde(deserialize_with = "...")]`): serde's
/// derive would also take an array of the fields in order (`"goals": [5, 1, 1]`),
/// which the contract does not allow. Errors inside keep their paths
/// (`goals.intelligence`).
pub fn object<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(ObjectOnly(d))
}

struct ObjectOnly<D>(D);

impl<'de, D: serde::Deserializer<'de>> serde::Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(MapVisitor(v))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, MapVisitor(v))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
        enum identifier ignored_any
    }
}

/// Passes a map on to the struct's own visitor; anything else is refused.
struct MapVisitor<V>(V);

impl<'de, V: serde::de::Visitor<'de>> serde::de::Visitor<'de> for MapVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Inner {
        reps: i64,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Body {
        name: String,
        sets: Vec<Inner>,
        note: Option<String>,
    }

    fn field(r: Result<Body, ApiError>) -> (u16, String, String) {
        let e = r.expect_err("refused");
        (
            e.status.as_u16(),
            e.code.clone(),
            e.details["field"].as_str().unwrap_or_default().to_string(),
        )
    }

    #[test]
    fn unknown_members_are_ignored_even_with_control_characters() {
        let b: Body = parse_json(
            br#"{"name":"goku","sets":[{"reps":5,"x\u0001":"\u0000"}],"h\u0005":{"\u0002":[1]},"z":"\u0000"}"#,
        )
        .expect("unknown members are ignored");
        assert_eq!(b.name, "goku");
        assert_eq!(b.sets[0].reps, 5);
        assert_eq!(b.note, None);
    }

    #[test]
    fn control_characters_in_read_fields_are_422_naming_them() {
        let bad = parse_json::<Body>(br#"{"name":"go\u0000ku","sets":[]}"#);
        assert_eq!(field(bad), (422, "invalid_text".into(), "name".into()));
        let bad = parse_json::<Body>(br#"{"name":"goku","sets":[],"note":"\u001b[31m"}"#);
        assert_eq!(field(bad), (422, "invalid_text".into(), "note".into()));
        // The text check comes before a shape error elsewhere in the body.
        let bad = parse_json::<Body>(br#"{"name":"\u0000","sets":[{"reps":"x"}]}"#);
        assert_eq!(field(bad), (422, "invalid_text".into(), "name".into()));
        let bad = parse_json::<Body>(br#"{"name":"goku","sets":[{"reps":"x"}]}"#);
        assert_eq!(
            field(bad),
            (422, "invalid_field".into(), "sets[0].reps".into())
        );
    }

    #[test]
    fn removing_a_path_touches_only_that_member() {
        let mut v = serde_json::json!({"a": {"b": [1, {"c": 2, "d": 3}]}, "e": 4});
        remove(
            &mut v,
            &[
                Segment::Key("a".into()),
                Segment::Key("b".into()),
                Segment::Index(1),
                Segment::Key("c".into()),
            ],
        );
        assert_eq!(v, serde_json::json!({"a": {"b": [1, {"d": 3}]}, "e": 4}));
        remove(&mut v, &[Segment::Key("nope".into()), Segment::Index(3)]);
        remove(
            &mut v,
            &[
                Segment::Key("a".into()),
                Segment::Key("b".into()),
                Segment::Index(0),
            ],
        );
        assert_eq!(v, serde_json::json!({"a": {"b": [null, {"d": 3}]}, "e": 4}));
        remove(&mut v, &[]);
        assert_eq!(v["e"], 4);
    }

    #[test]
    fn the_bearer_scheme_is_matched_in_any_case() {
        for (value, token) in [
            ("Bearer abc", Some("abc")),
            ("bearer abc", Some("abc")),
            ("BEARER abc", Some("abc")),
            ("bEaReR  abc ", Some("abc")),
            ("Bearer ", None),
            ("Bearer", None),
            ("Basic abc", None),
            ("Bearerabc", None),
            ("abc", None),
        ] {
            assert_eq!(bearer_of(value), token, "{value:?}");
        }
    }
}
