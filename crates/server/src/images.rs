//! The upload pipeline for player images: an upload is decoded (PNG, JPEG or WebP,
//! at most `MAX_IMAGE_BYTES` and `MAX_PIXELS`, with `image::Limits` bounding every
//! allocation the decoder makes) and encoded again from its pixels. Only pixels
//! survive: metadata (EXIF with its GPS position, text chunks, ICC profiles) and
//! anything appended to the file (a `<script>` after the image) are gone, and what
//! is stored is a file this service wrote. The EXIF orientation is applied first,
//! so photos stay upright once it is stripped.
//!
//! Output: PNG when the image has transparency, else JPEG (quality 85). Avatars are
//! also scaled to fit `AVATAR_SIZE`. Decoding is CPU work: `process` runs on the
//! blocking pool, at most one image per core at a time.

use bytes::Bytes;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// The largest upload accepted.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// The most pixels an image may declare (40 megapixels).
pub const MAX_PIXELS: u64 = 40_000_000;
/// Avatars are stored scaled to fit this square.
pub const AVATAR_SIZE: u32 = 256;
/// The longest side a photo is kept at (a larger one is scaled down to it).
pub const PHOTO_SIZE: u32 = 2048;
const JPEG_QUALITY: u8 = 85;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Avatar,
    Photo,
}

/// A re-encoded image, ready to store.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Bytes,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("the body is empty")]
    Empty,
    #[error("images are at most 5 MiB")]
    TooLarge,
    #[error("images are at most 40 megapixels ({width}×{height} declared)")]
    TooManyPixels { width: u32, height: u32 },
    #[error("only PNG, JPEG and WebP images are accepted")]
    UnsupportedType,
    #[error("the image could not be decoded: {0}")]
    Undecodable(String),
    #[error("the image could not be encoded: {0}")]
    Encoding(String),
}

/// The image type from its first bytes: PNG, JPEG or WebP.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

/// The content type of a stored image (always one this pipeline wrote).
pub fn content_type(bytes: &[u8]) -> &'static str {
    match sniff(bytes) {
        Some(ImageFormat::Png) => "image/png",
        Some(ImageFormat::Jpeg) => "image/jpeg",
        Some(ImageFormat::WebP) => "image/webp",
        _ => "application/octet-stream",
    }
}

fn limits() -> Limits {
    let mut l = Limits::default();
    // No side may exceed what 40 MP allows in a strip one pixel high; the product
    // is checked from the header before anything is decoded.
    l.max_image_width = Some(MAX_PIXELS as u32);
    l.max_image_height = Some(MAX_PIXELS as u32);
    // 40 MP at 8 bytes a pixel (16-bit RGBA), plus the decoder's own buffers.
    l.max_alloc = Some(MAX_PIXELS * 8 + 64 * 1024 * 1024);
    l
}

/// Decodes, checks and re-encodes one upload (synchronous: see `process_blocking`).
pub fn process(bytes: &[u8], purpose: Purpose) -> Result<Encoded, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge);
    }
    let format = sniff(bytes).ok_or(ImageError::UnsupportedType)?;
    if format == ImageFormat::Jpeg && !jpeg_ends(bytes) {
        return Err(ImageError::Undecodable(
            "the JPEG ends before its image does (no end-of-image marker)".into(),
        ));
    }
    let undecodable = |e: image::ImageError| ImageError::Undecodable(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(undecodable)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageError::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(ImageError::Undecodable("the image has no pixels".into()));
    }
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    let side = match purpose {
        Purpose::Avatar => AVATAR_SIZE,
        Purpose::Photo => PHOTO_SIZE,
    };
    if img.width() > side || img.height() > side {
        img = img.thumbnail(side, side);
    }
    encode(img)
}

/// Whether a JPEG holds an end-of-image marker (FF D9) after its last start-of-scan
/// (FF DA). Inside scan data an FF is always followed by 00 or a restart marker, so
/// a file cut anywhere before its end has none; the decoder would fill the missing
/// rows with grey instead of failing. Data appended after the end (some phones add
/// a trailer) is fine.
fn jpeg_ends(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    match last_scan {
        Some(at) => bytes[at + 2..].windows(2).any(|w| w == [0xFF, 0xD9]),
        None => false,
    }
}

fn encode(img: DynamicImage) -> Result<Encoded, ImageError> {
    let (width, height) = (img.width(), img.height());
    let mut out = Vec::new();
    let failed = |e: image::ImageError| ImageError::Encoding(e.to_string());
    let content_type = if img.color().has_alpha() {
        let rgba = DynamicImage::ImageRgba8(img.into_rgba8());
        rgba.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
            .map_err(failed)?;
        "image/png"
    } else {
        let rgb = DynamicImage::ImageRgb8(img.into_rgb8());
        rgb.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out,
            JPEG_QUALITY,
        ))
        .map_err(failed)?;
        "image/jpeg"
    };
    Ok(Encoded {
        bytes: Bytes::from(out),
        content_type,
        width,
        height,
    })
}

/// Images decoded at once: each may hold a few hundred MiB at the limits, and the
/// work is CPU-bound, so no more than the machine's cores.
fn permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    })
}

/// `process` on the blocking pool, never on the async runtime.
pub async fn process_blocking(bytes: Bytes, purpose: Purpose) -> Result<Encoded, ImageError> {
    // Cheap rejections need no permit or thread.
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if sniff(&bytes).is_none() {
        return Err(ImageError::UnsupportedType);
    }
    let _permit = permits()
        .acquire()
        .await
        .map_err(|e| ImageError::Encoding(e.to_string()))?;
    tokio::task::spawn_blocking(move || process(&bytes, purpose))
        .await
        .map_err(|e| ImageError::Encoding(format!("image task: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32, alpha: bool) -> Vec<u8> {
        let img = if alpha {
            DynamicImage::ImageRgba8(image::RgbaImage::from_fn(w, h, |x, y| {
                image::Rgba([x as u8, y as u8, 7, 128])
            }))
        } else {
            DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
                image::Rgb([x as u8, y as u8, 7])
            }))
        };
        let mut out = Vec::new();
        img.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
            .unwrap();
        out
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(ImageFormat::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(ImageFormat::Jpeg));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(ImageFormat::WebP));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn opaque_images_become_jpeg_transparent_ones_png() {
        let out = process(&png(40, 30, false), Purpose::Photo).unwrap();
        assert_eq!(out.content_type, "image/jpeg");
        assert_eq!((out.width, out.height), (40, 30));
        let out = process(&png(40, 30, true), Purpose::Photo).unwrap();
        assert_eq!(out.content_type, "image/png");
    }

    #[test]
    fn avatars_are_thumbnails() {
        let out = process(&png(1000, 500, false), Purpose::Avatar).unwrap();
        assert_eq!((out.width, out.height), (AVATAR_SIZE, AVATAR_SIZE / 2));
        let small = process(&png(64, 64, false), Purpose::Avatar).unwrap();
        assert_eq!((small.width, small.height), (64, 64));
        // Photos keep their size up to PHOTO_SIZE on the longest side.
        let photo = process(&png(3000, 1500, false), Purpose::Photo).unwrap();
        assert_eq!((photo.width, photo.height), (PHOTO_SIZE, PHOTO_SIZE / 2));
        let photo = process(&png(1200, 2048, false), Purpose::Photo).unwrap();
        assert_eq!((photo.width, photo.height), (1200, 2048));
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(process(b"", Purpose::Photo).unwrap_err(), ImageError::Empty);
        assert_eq!(
            process(b"GIF89a......", Purpose::Photo).unwrap_err(),
            ImageError::UnsupportedType
        );
        let big = vec![0u8; MAX_IMAGE_BYTES + 1];
        assert_eq!(
            process(&big, Purpose::Photo).unwrap_err(),
            ImageError::TooLarge
        );
        assert!(matches!(
            process(b"\x89PNG\r\n\x1a\nfake", Purpose::Photo),
            Err(ImageError::Undecodable(_))
        ));
    }
}
