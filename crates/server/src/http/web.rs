//! The web UI, built by Vite into `web/dist` and embedded in the binary. Unknown
//! paths get `index.html` so the single-page app can route them.
//!
//! Browser protections: every page carries the Content-Security-Policy (no inline
//! script, no framing) and a Referrer-Policy; `X-Content-Type-Options: nosniff` is
//! added to every response of the service by `security_headers`.
//!
//! Compression: text assets are sent brotli- or gzip-compressed when the client
//! accepts it. Each file is compressed once per process (on the blocking pool, at
//! the best ratio, started at start-up by `warm_up`) and kept in memory; requests
//! never wait for it and cost no CPU. This keeps the build free of a compression step and the binary at one
//! copy of each file, where compressing per response (a tower-http layer) would
//! spend the CPU again on every request for a bundle that never changes.
//!
//! Caching: Vite's content-hashed files (`/assets/<name>-<hash>.<ext>`) never
//! change under their name: immutable for a year. Everything else (`index.html`,
//! the favicon) is `no-cache`, so a deploy is picked up at once.

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Assets;

/// The policy of the web app's pages. `'unsafe-inline'` for styles only (React's
/// `style` attributes); scripts come from our own origin alone. `extra_img` adds
/// the origin images are served from when that is not ours (S3 presigned links).
pub fn content_security_policy(extra_origin: Option<&str>) -> String {
    let extra = extra_origin.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:{extra}; connect-src 'self'{extra}; \
         worker-src 'self'; manifest-src 'self'; font-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

pub const REFERRER_POLICY: &str = "strict-origin-when-cross-origin";

/// `X-Content-Type-Options: nosniff` and a Referrer-Policy on every response (API,
/// errors, images, static files, ops, gRPC): a browser never guesses a type.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static(REFERRER_POLICY));
    resp
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }
}

/// The best encoding the client accepts (brotli over gzip; `q=0` refuses).
fn accepted(headers: &HeaderMap) -> Option<Encoding> {
    let mut br = false;
    let mut gzip = false;
    for v in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(v) = v.to_str() else { continue };
        for part in v.split(',') {
            let mut it = part.split(';');
            let name = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = it.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            match name.as_str() {
                "br" => br = true,
                "gzip" | "x-gzip" => gzip = true,
                "*" => {
                    br = true;
                    gzip = true;
                }
                _ => {}
            }
        }
    }
    if br {
        Some(Encoding::Brotli)
    } else if gzip {
        Some(Encoding::Gzip)
    } else {
        None
    }
}

fn compressible(mime: &str) -> bool {
    mime.starts_with("text/")
        || mime.contains("javascript")
        || mime.contains("json")
        || mime.contains("xml")
        || mime.contains("manifest")
}

fn compress(data: &[u8], enc: Encoding) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    match enc {
        Encoding::Gzip => {
            let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            w.write_all(data)?;
            w.finish()
        }
        Encoding::Brotli => {
            let mut out = Vec::new();
            {
                // Quality 11 (the best), 4 MiB window: paid once per file.
                let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
                w.write_all(data)?;
            }
            Ok(out)
        }
    }
}

/// A file's compressed form: being made, or made (`None`: no smaller than the file).
#[derive(Clone)]
enum Slot {
    Pending,
    Ready(Option<Bytes>),
}

type Compressed = Mutex<HashMap<(String, Encoding), Slot>>;

fn cache() -> &'static Compressed {
    static CACHE: OnceLock<Compressed> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// `path`'s bytes in `enc` when they are ready. The first request for a file
/// starts compressing it on the blocking pool and is itself answered uncompressed,
/// so no request ever waits for the (slow, best-ratio) compressor.
fn compressed(path: &str, data: &Bytes, enc: Encoding) -> Option<Bytes> {
    let key = (path.to_string(), enc);
    {
        let mut map = cache().lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&key) {
            Some(Slot::Ready(done)) => return done.clone(),
            Some(Slot::Pending) => return None,
            None => {
                map.insert(key.clone(), Slot::Pending);
            }
        }
    }
    let data = data.clone();
    // Detached: the task runs to the end without anyone awaiting its handle.
    drop(tokio::task::spawn_blocking(move || {
        let made = compress(&data, enc)
            .ok()
            .filter(|c| c.len() < data.len())
            .map(Bytes::from);
        cache()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, Slot::Ready(made));
    }));
    None
}

/// Compresses every embedded text file in the background (at start-up), so the
/// first visitors already get compressed files.
pub fn warm_up() {
    for path in Assets::iter() {
        let mime = mime_guess::from_path(path.as_ref()).first_or_octet_stream();
        if let Some(file) = Assets::get(&path)
            && compressible(mime.as_ref())
        {
            let data = Bytes::from(file.data.into_owned());
            for enc in [Encoding::Brotli, Encoding::Gzip] {
                compressed(&path, &data, enc);
            }
        }
    }
}

/// Vite's hashed output: `assets/<name>-<hash>.<ext>`, the hash 8 URL-safe chars.
fn is_hashed_asset(path: &str) -> bool {
    let Some(file) = path.strip_prefix("assets/") else {
        return false;
    };
    // `<name>-<hash>.<ext>`: Vite's hash is the last 8 characters of the stem, from
    // the URL-safe alphabet (so it may itself contain or end with `-` or `_`).
    let stem = file.split('.').next().unwrap_or("").as_bytes();
    const HASH: usize = 8;
    stem.len() > HASH + 1
        && stem[stem.len() - HASH - 1] == b'-'
        && stem[stem.len() - HASH..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
}

/// Serves an embedded file (or `index.html` for app routes) with the page headers.
pub async fn serve(csp: Arc<str>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    let (path, file) = match Assets::get(path).filter(|_| !path.is_empty()) {
        Some(f) => (path, f),
        // A build file that is not there (an old hashed name, a typo) is a 404, not
        // the app's page served as JavaScript.
        None if path.starts_with("assets/") => {
            return crate::error::ApiError::not_found("file").into_response();
        }
        None => match Assets::get("index.html") {
            Some(index) => ("index.html", index),
            None => {
                return (
                    StatusCode::NOT_FOUND,
                    "the web UI was not built into this binary",
                )
                    .into_response();
            }
        },
    };
    let mime = if path == "index.html" {
        "text/html; charset=utf-8".to_string()
    } else {
        mime_guess::from_path(path)
            .first_or_octet_stream()
            .as_ref()
            .to_string()
    };
    let cache = if is_hashed_asset(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let data = Bytes::from(file.data.into_owned());
    let mut body = data.clone();
    let mut encoding = None;
    if compressible(&mime)
        && let Some(enc) = accepted(&headers)
        && let Some(c) = compressed(path, &data, enc)
    {
        body = c;
        encoding = Some(enc);
    }
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set(header::CONTENT_TYPE, &mime);
    set(header::CACHE_CONTROL, cache);
    set(header::VARY, "accept-encoding");
    if let Some(enc) = encoding {
        set(header::CONTENT_ENCODING, enc.name());
    }
    set(header::CONTENT_SECURITY_POLICY, &csp);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assets_are_recognised() {
        assert!(is_hashed_asset("assets/index-D893FeqB.js"));
        assert!(is_hashed_asset("assets/index-D1UDXTDx.css"));
        assert!(is_hashed_asset("assets/vendor-react-b2c3d4_e.js"));
        // A hash may end with `-` (base64url).
        assert!(is_hashed_asset("assets/index-C5zONrN-.js"));
        assert!(is_hashed_asset("assets/AuthLayout-h-nBS6BH.js"));
        assert!(!is_hashed_asset("assets/logo.svg"));
        assert!(!is_hashed_asset("assets/a-b.js"));
        assert!(!is_hashed_asset("index.html"));
        assert!(!is_hashed_asset("sw-D893FeqB.js"));
    }

    #[test]
    fn accept_encoding_choice() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, v.parse().unwrap());
            m
        };
        assert_eq!(accepted(&h("gzip, deflate, br")), Some(Encoding::Brotli));
        assert_eq!(accepted(&h("gzip")), Some(Encoding::Gzip));
        assert_eq!(accepted(&h("br;q=0, gzip;q=0.5")), Some(Encoding::Gzip));
        assert_eq!(accepted(&h("identity")), None);
        assert_eq!(accepted(&HeaderMap::new()), None);
    }

    #[test]
    fn both_encodings_round_trip() {
        use std::io::Read;
        let data = "const x = 1;\n".repeat(500);
        let gz = compress(data.as_bytes(), Encoding::Gzip).unwrap();
        let mut out = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, data);
        let br = compress(data.as_bytes(), Encoding::Brotli).unwrap();
        let mut out = String::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, data);
        assert!(br.len() < data.len() / 10 && gz.len() < data.len() / 10);
    }
}
