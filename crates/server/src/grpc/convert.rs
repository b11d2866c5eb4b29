//! Between protobuf messages and the JSON the REST handlers read and write.
//!
//! A request message becomes the JSON body a REST client would send (unset fields
//! left out, exactly as an omitted JSON field), then goes through the same parser, so
//! a bad field gets the same 422 and the same field path. A handler's result (the
//! value REST serializes) becomes its message through serde: the generated messages
//! derive serde with the REST field names (see `build.rs`).

use super::status::status;
use crate::error::ApiError;
use crate::extract::ApiJson;
use axum::Json;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tonic::Status;

/// A REST handler's successful result, with or without its status code.
pub trait Payload {
    type Body: Serialize;
    fn into_body(self) -> Self::Body;
}

impl<T: Serialize> Payload for Json<T> {
    type Body = T;
    fn into_body(self) -> T {
        self.0
    }
}

impl<T: Serialize> Payload for (StatusCode, Json<T>) {
    type Body = T;
    fn into_body(self) -> T {
        self.1.0
    }
}

/// The JSON body REST would receive for this request message.
pub fn body<T: Serialize>(msg: &T) -> Result<Value, Status> {
    let mut v = serde_json::to_value(msg)
        .map_err(|e| status(ApiError::internal(format!("encoding a request: {e}"))))?;
    strip_nulls(&mut v);
    check_text(&v)?;
    Ok(v)
}

/// A request message as the input type the REST handler takes, through the REST
/// parser (same errors, same field paths).
pub fn input<I: DeserializeOwned, T: Serialize>(msg: &T) -> Result<ApiJson<I>, Status> {
    json_input(body(msg)?)
}

/// A JSON body (already checked by `body`) as the handler's input type.
pub fn json_input<I: DeserializeOwned>(v: Value) -> Result<ApiJson<I>, Status> {
    crate::extract::parse_value(v).map(ApiJson).map_err(status)
}

/// A handler's result as its protobuf message.
pub fn reply<P: DeserializeOwned>(result: impl Payload) -> Result<tonic::Response<P>, Status> {
    message(result.into_body()).map(tonic::Response::new)
}

/// A handler's successful typed result as its protobuf message, converted field by
/// field (`typed`), without JSON in between.
pub fn typed_reply<P, T>(result: impl Payload<Body = T>) -> Result<tonic::Response<P>, Status>
where
    T: TryInto<P, Error = Status>,
{
    result.into_body().try_into().map(tonic::Response::new)
}

/// A field's value, with JSON `null` read as the field's default (protobuf has no
/// null, only unset); every generated message field reads through this.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Any serializable value (a service result) as a protobuf message: straight from
/// its JSON text (the hot path: no JSON tree in between), else through a tree that
/// is adjusted first (pages carry their cursor as a string).
pub fn message<P: DeserializeOwned>(value: impl Serialize) -> Result<P, Status> {
    let text = serde_json::to_vec(&value)
        .map_err(|e| status(ApiError::internal(format!("encoding a reply: {e}"))))?;
    if let Ok(m) = serde_json::from_slice::<P>(&text) {
        return Ok(m);
    }
    let mut v: Value = serde_json::from_slice(&text)
        .map_err(|e| status(ApiError::internal(format!("encoding a reply: {e}"))))?;
    strip_nulls(&mut v);
    cursors_as_numbers(&mut v);
    serde_json::from_value(v).map_err(|e| {
        status(ApiError::internal(format!(
            "a reply does not fit its message: {e}"
        )))
    })
}

/// `null` means "absent" in REST JSON; protobuf has no null, only unset.
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, x| !x.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// REST pages return their cursor as a string; the messages carry it as a number.
fn cursors_as_numbers(v: &mut Value) {
    if let Some(cursor) = v.get_mut("next_before")
        && let Some(n) = cursor.as_str().and_then(|s| s.parse::<i64>().ok())
    {
        *cursor = Value::from(n);
    }
}

/// Text with a NUL (or another control) character is invalid on every backend:
/// INVALID_ARGUMENT naming the field (the REST rule, `validate::json_text`), before
/// anything reaches a service.
pub fn check_text(v: &Value) -> Result<(), Status> {
    crate::validate::json_text(v).map_err(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replies_convert_with_nulls_unset_and_cursors_as_numbers() {
        use crate::grpc::proto;
        // The hot path: straight from the JSON text, nulls read as unset.
        let page: proto::LedgerPage = message(json!({
            "items": [{"id": 7, "at": "2026-01-05T07:00:00Z", "stat": null, "amount": -5,
                       "reason": "skip", "activity_id": null}],
            "next_before": null
        }))
        .unwrap();
        assert_eq!(page.next_before, None);
        assert_eq!(page.items[0].stat, None);
        assert_eq!(page.items[0].activity_id, None);
        assert_eq!(page.items[0].amount, -5);
        // A page's cursor is a string in REST and a number here.
        let page: proto::LedgerPage = message(json!({"items": [], "next_before": "42"})).unwrap();
        assert_eq!(page.next_before, Some(42));
        // A reply that fits no message is INTERNAL, not a silent default.
        let bad = message::<proto::LedgerPage>(json!({"items": "nope"})).unwrap_err();
        assert_eq!(bad.code(), tonic::Code::Internal);
    }

    #[test]
    fn a_nul_anywhere_names_its_field() {
        let v = json!({"kind": "strength", "sets": [{"exercise": "ok"}, {"exercise": "a\u{0}b"}]});
        let e = check_text(&v).unwrap_err();
        assert_eq!(e.code(), tonic::Code::InvalidArgument);
        use tonic_types::StatusExt;
        let details = e.get_error_details();
        assert_eq!(
            details.bad_request().unwrap().field_violations[0].field,
            "sets[1].exercise"
        );
        assert!(check_text(&json!({"note": "fine"})).is_ok());
    }
}
