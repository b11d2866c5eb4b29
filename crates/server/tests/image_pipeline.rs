//! The upload decoder path under hostile input: a corpus of known attacks
//! (truncated files, PNG + `<script>` polyglots, metadata with a GPS position,
//! decompression bombs, absurd declared dimensions) and property tests over
//! mutated and random inputs. The pipeline must never panic, and whatever it
//! accepts must be a fresh, decodable PNG or JPEG that carries none of the input's
//! extra bytes.

use image::{DynamicImage, ImageFormat};
use proptest::prelude::*;
use shonen_server::images::{ImageError, Purpose, process};

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    match format {
        ImageFormat::WebP => img
            .write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut out))
            .unwrap(),
        f => img.write_to(&mut out, f).unwrap(),
    }
    out.into_inner()
}

fn sample(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 13) as u8, (y * 7) as u8, ((x + y) * 3) as u8])
    }))
}

fn valid_files() -> Vec<Vec<u8>> {
    let img = sample(16, 12);
    vec![
        encode(&img, ImageFormat::Png),
        encode(&img, ImageFormat::Jpeg),
        encode(&img, ImageFormat::WebP),
        encode(&DynamicImage::ImageRgba8(img.to_rgba8()), ImageFormat::Png),
    ]
}

/// What every accepted upload must be.
fn check_accepted(input: &[u8], out: &shonen_server::images::Encoded) {
    assert!(matches!(out.content_type, "image/png" | "image/jpeg"));
    let format = image::guess_format(&out.bytes).expect("a known format");
    assert!(matches!(format, ImageFormat::Png | ImageFormat::Jpeg));
    let decoded = image::load_from_memory(&out.bytes).expect("the output decodes");
    assert_eq!((decoded.width(), decoded.height()), (out.width, out.height));
    assert!(u64::from(out.width) * u64::from(out.height) <= 40_000_000);
    // (Re-encoding a file this encoder wrote may give the same bytes: that is fine,
    // what matters is that nothing but pixels is carried over.)
    let _ = input;
    for needle in [&b"<script"[..], b"Exif", b"GPS", b"tEXt", b"iTXt"] {
        assert!(
            !out.bytes.windows(needle.len()).any(|w| w == needle),
            "{:?} survived",
            String::from_utf8_lossy(needle)
        );
    }
}

/// A PNG chunk: length, type, data, CRC.
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
    out
}

/// A PNG declaring `w`×`h` 8-bit grey pixels, all zero, in a tiny IDAT: the
/// classic decompression bomb.
fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    use std::io::Write;
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    // Compress a bounded prefix of the zero rows: enough to look real.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let row = vec![0u8; w.min(1 << 16) as usize + 1];
    for _ in 0..64 {
        z.write_all(&row).unwrap();
    }
    let idat = z.finish().unwrap();
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"IDAT", &idat));
    out.extend(chunk(b"IEND", &[]));
    out
}

#[test]
fn a_png_with_a_script_after_it_is_stored_without_it() {
    let mut polyglot = encode(&sample(16, 12), ImageFormat::Png);
    polyglot.extend_from_slice(b"<script>alert(document.cookie)</script>");
    let out = process(&polyglot, Purpose::Photo).expect("the image part is fine");
    check_accepted(&polyglot, &out);
    // The script inside a text chunk, before the pixels, is dropped too.
    let png = encode(&sample(16, 12), ImageFormat::Png);
    let mut with_text = png[..33].to_vec(); // signature + IHDR
    with_text.extend(chunk(b"tEXt", b"Comment\0<script>alert(1)</script>"));
    with_text.extend_from_slice(&png[33..]);
    let out = process(&with_text, Purpose::Photo).unwrap();
    check_accepted(&with_text, &out);
}

#[test]
fn exif_with_a_gps_position_is_stripped() {
    let jpeg = encode(&sample(16, 12), ImageFormat::Jpeg);
    // APP1 "Exif": a little-endian TIFF header with no entries, then the payload a
    // camera would write (here just a marked GPS text).
    let mut exif = b"Exif\0\0II*\0\x08\0\0\0\0\0".to_vec();
    exif.extend_from_slice(b"GPS 52.5200N 13.4050E");
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    app1.extend_from_slice(&exif);
    let mut tagged = jpeg[..2].to_vec();
    tagged.extend_from_slice(&app1);
    tagged.extend_from_slice(&jpeg[2..]);
    assert!(tagged.windows(3).any(|w| w == b"GPS"));
    let out = process(&tagged, Purpose::Photo).expect("a valid JPEG");
    check_accepted(&tagged, &out);
}

#[test]
fn bombs_and_huge_declared_dimensions_are_refused_before_decoding() {
    // 100 megapixels in ~200 bytes.
    let bomb = png_bomb(10_000, 10_000);
    assert!(bomb.len() < 4096);
    assert_eq!(
        process(&bomb, Purpose::Photo).unwrap_err(),
        ImageError::TooManyPixels {
            width: 10_000,
            height: 10_000
        }
    );
    // Just over 40 MP, and the largest dimensions PNG can declare.
    assert!(matches!(
        process(&png_bomb(8000, 5001), Purpose::Avatar),
        Err(ImageError::TooManyPixels { .. })
    ));
    assert!(process(&png_bomb(0x7FFF_FFFF, 0x7FFF_FFFF), Purpose::Photo).is_err());
    // A JPEG frame header claiming 65,000 × 65,000.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    jpeg.extend_from_slice(&65_000u16.to_be_bytes());
    jpeg.extend_from_slice(&65_000u16.to_be_bytes());
    jpeg.extend_from_slice(&[3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
    assert!(process(&jpeg, Purpose::Photo).is_err());
    // A lossless WebP header claiming 16384 × 16384.
    let mut vp8l = vec![0x2F];
    let bits: u32 = (16_383) | (16_383 << 14);
    vp8l.extend_from_slice(&bits.to_le_bytes());
    vp8l.extend_from_slice(&[0; 16]);
    let mut webp = b"RIFF".to_vec();
    webp.extend_from_slice(&((vp8l.len() + 12) as u32).to_le_bytes());
    webp.extend_from_slice(b"WEBPVP8L");
    webp.extend_from_slice(&(vp8l.len() as u32).to_le_bytes());
    webp.extend_from_slice(&vp8l);
    assert!(process(&webp, Purpose::Photo).is_err());
}

#[test]
fn every_truncation_is_refused_or_yields_a_clean_image() {
    for file in valid_files() {
        for len in 0..file.len() {
            let cut = &file[..len];
            if let Ok(out) = process(cut, Purpose::Photo) {
                check_accepted(cut, &out);
            }
        }
        let out = process(&file, Purpose::Photo).expect("the whole file is fine");
        check_accepted(&file, &out);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Flipped, inserted and overwritten bytes in valid files.
    #[test]
    fn mutated_images_never_panic_nor_pass_garbage(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut file = valid_files().swap_remove(which);
        for (at, byte, kind) in edits {
            let i = at.index(file.len());
            match kind {
                0 => file[i] ^= byte | 1,
                1 => file.insert(i, byte),
                _ => { file.truncate(i.max(8)); }
            }
        }
        if let Ok(out) = process(&file, Purpose::Photo) {
            check_accepted(&file, &out);
        }
    }

    /// Random bodies behind each accepted magic number.
    #[test]
    fn random_bytes_behind_a_magic_number_are_refused(
        magic in 0usize..3,
        body in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut file = match magic {
            0 => b"\x89PNG\r\n\x1a\n".to_vec(),
            1 => vec![0xFF, 0xD8, 0xFF],
            _ => b"RIFF\0\0\0\0WEBP".to_vec(),
        };
        file.extend_from_slice(&body);
        if let Ok(out) = process(&file, Purpose::Avatar) {
            check_accepted(&file, &out);
        }
    }
}

/// A JPEG cut anywhere after its headers is refused, not decoded with grey rows
/// where its data ran out.
#[test]
fn a_cut_jpeg_is_refused() {
    // Noise, so the scan data is most of the file.
    let noisy = DynamicImage::ImageRgb8(image::RgbImage::from_fn(200, 150, |x, y| {
        let v = (x * 7919 + y * 104_729) % 251;
        image::Rgb([v as u8, (v * 3) as u8, (v * 5) as u8])
    }));
    let file = encode(&noisy, ImageFormat::Jpeg);
    for frac in [2, 10, 50, 95, 99] {
        let cut = &file[..file.len() * frac / 100];
        assert!(
            matches!(
                process(cut, Purpose::Photo),
                Err(ImageError::Undecodable(_))
            ),
            "{frac} % of the JPEG was accepted"
        );
    }
    assert!(process(&file, Purpose::Photo).is_ok());
}
