//! The text check for what a request carries outside its body: every path segment
//! and query parameter, percent-decoded, must be valid UTF-8 without NUL or control
//! characters (`validate::is_clean_text`), else 422 before any handler runs. JSON
//! bodies get the same check in `extract::parse_json`, so no handler has to repeat
//! it and no backend ever sees such text.

use crate::error::ApiError;
use crate::validate;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn reject_invalid_text(req: Request, next: Next) -> Response {
    if let Err(e) = check(req.uri()) {
        return e.into_response();
    }
    next.run(req).await
}

fn check(uri: &axum::http::Uri) -> Result<(), ApiError> {
    for segment in uri.path().split('/') {
        match percent_decode(segment, false) {
            Some(s) if validate::is_clean_text(&s) => {}
            // The route's parameter names are not known yet; the path is the field.
            _ => return Err(validate::invalid_text("path")),
        }
    }
    for pair in uri.query().unwrap_or_default().split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(name, true)
            .filter(|n| validate::is_clean_text(n))
            .ok_or_else(|| validate::invalid_text("query"))?;
        match percent_decode(value, true) {
            Some(v) if validate::is_clean_text(&v) => {}
            _ => return Err(validate::invalid_text(&name)),
        }
    }
    Ok(())
}

/// `%XX` escapes (and `+` as a space in query strings) decoded; `None` when the
/// result is not UTF-8. A malformed escape stays as it is, as axum leaves it.
fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    if !s.contains(['%', '+']) {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b == b'+' && plus_is_space { b' ' } else { b });
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(uri: &str) -> Option<(u16, String)> {
        check(&uri.parse().unwrap()).err().map(|e| {
            (
                e.status.as_u16(),
                e.details["field"].as_str().unwrap_or("").into(),
            )
        })
    }

    #[test]
    fn nul_and_broken_utf8_anywhere_are_422() {
        assert_eq!(status("/api/v1/players/goku"), None);
        assert_eq!(status("/api/v1/players/g%C3%B6ku?limit=5&x=a+b"), None);
        assert_eq!(status("/api/v1/players/ab%00c"), Some((422, "path".into())));
        assert_eq!(
            status("/api/v1/players/ab%00c/avatar"),
            Some((422, "path".into()))
        );
        assert_eq!(status("/api/v1/players/%FF"), Some((422, "path".into())));
        assert_eq!(
            status("/api/v1/activities?before=1%00"),
            Some((422, "before".into()))
        );
        assert_eq!(status("/api/v1/ws?token=%1b"), Some((422, "token".into())));
        assert_eq!(status("/api/v1/x?a%00=1"), Some((422, "query".into())));
        // A stray percent sign is no escape; nothing to reject.
        assert_eq!(status("/api/v1/x?q=100%"), None);
    }
}
