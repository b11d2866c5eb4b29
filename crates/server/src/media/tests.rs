//! The use cases over in-memory ports: a map of players and activities' photo lists
//! for the store, a map of objects, the directory store's real link signer (so a
//! link is checked as in production) and a log of what the caches were told. The
//! store counts its calls, to see what a refused upload never reached.

use super::model::{Appended, MAX_PHOTOS, with_photo};
use super::*;
use crate::links::{LINK_BUCKET_SECS, LINK_LIFETIME_SECS, LocalLinks};
use crate::storage::{PlayerRow, StoreResult};
use futures_util::future::BoxFuture;
use image::DynamicImage;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(Default)]
struct Db {
    players: Mutex<HashMap<i64, PlayerRow>>,
    /// (player, activity) → the stored photo list, as `photos_json`.
    activities: Mutex<HashMap<(i64, i64), String>>,
    calls: AtomicUsize,
}

impl Db {
    fn called(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }

    fn photos(&self, player_id: i64, activity_id: i64) -> Vec<String> {
        let json = self.activities.lock().unwrap()[&(player_id, activity_id)].clone();
        serde_json::from_str(&json).unwrap()
    }
}

impl MediaStore for Arc<Db> {
    async fn player(&self, id: i64) -> StoreResult<Option<PlayerRow>> {
        self.called();
        Ok(self.players.lock().unwrap().get(&id).cloned())
    }

    async fn player_by_username(&self, username: &str) -> StoreResult<Option<PlayerRow>> {
        self.called();
        let players = self.players.lock().unwrap();
        Ok(players.values().find(|p| p.username == username).cloned())
    }

    async fn set_avatar(&self, id: i64, key: &str) -> StoreResult<()> {
        self.called();
        if let Some(p) = self.players.lock().unwrap().get_mut(&id) {
            p.avatar_key = Some(key.to_string());
            p.version += 1;
        }
        Ok(())
    }

    async fn activity_photos(
        &self,
        player_id: i64,
        activity_id: i64,
    ) -> StoreResult<Option<String>> {
        self.called();
        let activities = self.activities.lock().unwrap();
        Ok(activities.get(&(player_id, activity_id)).cloned())
    }

    async fn append_photo(
        &self,
        player_id: i64,
        activity_id: i64,
        path: &str,
    ) -> StoreResult<Appended> {
        self.called();
        let mut activities = self.activities.lock().unwrap();
        let Some(photos) = activities.get_mut(&(player_id, activity_id)) else {
            return Ok(Appended::NoActivity);
        };
        let Some(listed) = with_photo(photos, path) else {
            return Ok(Appended::Full);
        };
        *photos = listed;
        Ok(Appended::Listed)
    }
}

#[derive(Default)]
struct Bucket {
    objects: Mutex<BTreeMap<String, Bytes>>,
    down: AtomicBool,
}

impl Bucket {
    fn keys(&self) -> Vec<String> {
        self.objects.lock().unwrap().keys().cloned().collect()
    }

    fn object(&self, key: &str) -> Option<Bytes> {
        self.objects.lock().unwrap().get(key).cloned()
    }
}

impl Blobs for Bucket {
    fn put(&self, key: &str, bytes: Bytes) -> BoxFuture<'_, anyhow::Result<()>> {
        let result = if self.down.load(Ordering::SeqCst) {
            Err(anyhow::anyhow!("bucket unreachable"))
        } else {
            self.objects.lock().unwrap().insert(key.to_string(), bytes);
            Ok(())
        };
        Box::pin(async move { result })
    }

    fn get(&self, key: &str) -> BoxFuture<'_, anyhow::Result<Option<Bytes>>> {
        let result = if self.down.load(Ordering::SeqCst) {
            Err(anyhow::anyhow!("bucket unreachable"))
        } else {
            Ok(self.object(key))
        };
        Box::pin(async move { result })
    }
}

#[derive(Default)]
struct Told {
    players: Mutex<Vec<i64>>,
    dashboards: Mutex<Vec<i64>>,
}

impl MediaCaches for Told {
    fn player_changed(&self, p: &PlayerRow) -> BoxFuture<'_, ()> {
        self.players.lock().unwrap().push(p.id);
        Box::pin(async {})
    }

    fn dashboard_changed(&self, player_id: i64) -> BoxFuture<'_, ()> {
        self.dashboards.lock().unwrap().push(player_id);
        Box::pin(async {})
    }
}

struct World {
    media: Media<Arc<Db>>,
    db: Arc<Db>,
    bucket: Arc<Bucket>,
    told: Arc<Told>,
    clock: Arc<Clock>,
}

const ASH: i64 = 1;
const BROCK: i64 = 2;
/// Ash's activity; Brock has none.
const RUN: i64 = 10;

fn player(id: i64, username: &str) -> PlayerRow {
    PlayerRow {
        id,
        username: username.into(),
        email: format!("{username}@dojo.test"),
        password_hash: String::new(),
        class: "balanced".into(),
        goal_strength: 4,
        goal_agility: 3,
        goal_intelligence: 3,
        classified_at: 0,
        timezone: "UTC".into(),
        training_days: "mon,tue,thu,fri".into(),
        weekly_goal: 4,
        wake_target: "06:30".into(),
        avatar_key: None,
        created_at: 0,
        registered_on: "2026-01-05".into(),
        total_xp: 0,
        xp_strength: 0,
        xp_agility: 0,
        xp_intelligence: 0,
        xp_fighting: 0,
        xp_discipline: 0,
        fatigue: 0,
        fatigue_at: 0,
        chain_json: "{}".into(),
        buff_expires_at: None,
        version: 0,
        calendar_json: None,
    }
}

fn world() -> World {
    let db = Arc::new(Db::default());
    db.players.lock().unwrap().insert(ASH, player(ASH, "ash"));
    db.players
        .lock()
        .unwrap()
        .insert(BROCK, player(BROCK, "brock"));
    db.activities
        .lock()
        .unwrap()
        .insert((ASH, RUN), "[]".into());
    let bucket = Arc::new(Bucket::default());
    let told = Arc::new(Told::default());
    let clock = Arc::new(Clock::default());
    let media = Media::new(
        db.clone(),
        bucket.clone(),
        Arc::new(LocalLinks::new(b"test secret")),
        told.clone(),
        clock.clone(),
    );
    World {
        media,
        db,
        bucket,
        told,
        clock,
    }
}

fn png(w: u32, h: u32, alpha: bool) -> Bytes {
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
    Bytes::from(out)
}

fn dimensions(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).unwrap();
    (img.width(), img.height())
}

/// `/api/v1/files/{key}?expires=E&sig=S` → (key, E, S).
fn parts(link: &str) -> (String, String, String) {
    let rest = link.strip_prefix("/api/v1/files/").unwrap();
    let (key, query) = rest.split_once('?').unwrap();
    let (expires, sig) = query.split_once('&').unwrap();
    (
        key.to_string(),
        expires.strip_prefix("expires=").unwrap().to_string(),
        sig.strip_prefix("sig=").unwrap().to_string(),
    )
}

async fn read(w: &World, link: &str) -> MediaResult<File> {
    let (key, expires, sig) = parts(link);
    w.media.file(&key, Some(&expires), Some(&sig)).await
}

#[tokio::test]
async fn an_avatar_is_stored_reencoded_as_a_thumbnail_and_the_cached_player_dropped() {
    let w = world();
    let url = w.media.set_avatar(ASH, png(600, 400, false)).await.unwrap();
    assert_eq!(url.avatar_url, "/api/v1/players/ash/avatar");
    assert_eq!(w.bucket.keys(), ["avatars/1"]);
    let stored = w.bucket.object("avatars/1").unwrap();
    // Opaque → JPEG, scaled to fit 256×256.
    assert_eq!(images::content_type(&stored), "image/jpeg");
    assert_eq!(dimensions(&stored), (256, 171));
    let p = w.db.players.lock().unwrap()[&ASH].clone();
    assert_eq!(p.avatar_key.as_deref(), Some("avatars/1"));
    assert_eq!(*w.told.players.lock().unwrap(), [ASH]);

    let img = w.media.avatar("ash").await.unwrap();
    assert_eq!(img.bytes, stored);
    assert_eq!(img.content_type, "image/jpeg");
    // A strong validator: 16 bytes of SHA-256 in hex, quoted.
    assert_eq!(img.etag.len(), 34);
    assert!(img.etag.starts_with('"') && img.etag.ends_with('"'));
    assert!(img.matches(&img.etag));
    assert!(img.matches(&format!("W/{}", img.etag)));
    assert!(img.matches(&format!("\"other\", {}", img.etag)));
    assert!(img.matches("*"));
    assert!(!img.matches("\"other\""));
}

#[tokio::test]
async fn a_new_avatar_replaces_the_old_one() {
    let w = world();
    w.media.set_avatar(ASH, png(64, 64, false)).await.unwrap();
    let first = w.media.avatar("ash").await.unwrap();
    // Transparency is kept: PNG this time.
    w.media.set_avatar(ASH, png(32, 32, true)).await.unwrap();
    let second = w.media.avatar("ash").await.unwrap();
    assert_eq!(w.bucket.keys(), ["avatars/1"], "one object per player");
    assert_eq!(second.content_type, "image/png");
    assert_eq!(dimensions(&second.bytes), (32, 32));
    assert_ne!(first.etag, second.etag);
    assert!(!second.matches(&first.etag));
    assert_eq!(*w.told.players.lock().unwrap(), [ASH, ASH]);
}

#[tokio::test]
async fn reading_an_avatar_that_is_not_there() {
    let w = world();
    assert!(matches!(
        w.media.avatar("nobody").await,
        Err(MediaError::PlayerNotFound)
    ));
    assert!(matches!(
        w.media.avatar("brock").await,
        Err(MediaError::AvatarNotFound)
    ));
    // The row names an object the bucket lost.
    w.db.players
        .lock()
        .unwrap()
        .get_mut(&BROCK)
        .unwrap()
        .avatar_key = Some("avatars/2".into());
    assert!(matches!(
        w.media.avatar("brock").await,
        Err(MediaError::AvatarNotFound)
    ));
    // An unknown uploader is refused only after the image is read, and nothing is kept.
    assert!(matches!(
        w.media.set_avatar(99, png(8, 8, false)).await,
        Err(MediaError::PlayerNotFound)
    ));
    assert!(w.bucket.keys().is_empty());
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_before_anything_else() {
    let w = world();
    // A PNG signature and garbage: decoding would fail, the size says first.
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(MAX_IMAGE_BYTES + 1, 0);
    let big = Bytes::from(big);
    fn too_large<T>(r: MediaResult<T>) -> bool {
        matches!(
            r,
            Err(MediaError::Image(crate::images::ImageError::TooLarge))
        )
    }
    assert!(too_large(w.media.set_avatar(ASH, big.clone()).await));
    assert!(too_large(
        w.media.add_photo(ASH, RUN, big.clone(), None).await
    ));
    // Even to an activity that is not the player's, or a player that does not exist.
    assert!(too_large(
        w.media.add_photo(BROCK, RUN, big.clone(), None).await
    ));
    assert!(too_large(w.media.set_avatar(99, big).await));
    assert_eq!(w.db.calls.load(Ordering::SeqCst), 0, "the store was asked");
    assert!(w.bucket.keys().is_empty());

    // At the limit exactly it is decoded (and found unreadable).
    let mut at_limit = b"\x89PNG\r\n\x1a\n".to_vec();
    at_limit.resize(MAX_IMAGE_BYTES, 0);
    assert!(matches!(
        w.media.set_avatar(ASH, Bytes::from(at_limit)).await,
        Err(MediaError::Image(crate::images::ImageError::Undecodable(_)))
    ));
}

#[tokio::test]
async fn what_is_not_an_image_is_never_stored() {
    let w = world();
    let cases = [
        (Bytes::new(), "empty"),
        (Bytes::from_static(b"<script>alert(1)</script>"), "type"),
        (Bytes::from_static(b"GIF89a\x01\x00\x01\x00"), "type"),
        (
            Bytes::from_static(b"\x89PNG\r\n\x1a\n truncated"),
            "undecodable",
        ),
    ];
    for (body, why) in cases {
        for r in [
            w.media.set_avatar(ASH, body.clone()).await.err(),
            w.media.add_photo(ASH, RUN, body.clone(), None).await.err(),
        ] {
            use crate::images::ImageError as E;
            let ok = match (why, r) {
                ("empty", Some(MediaError::Image(E::Empty))) => true,
                ("type", Some(MediaError::Image(E::UnsupportedType))) => true,
                ("undecodable", Some(MediaError::Image(E::Undecodable(_)))) => true,
                (_, other) => panic!("{why}: {other:?}"),
            };
            assert!(ok);
        }
    }
    assert!(w.bucket.keys().is_empty());
    assert!(w.db.players.lock().unwrap()[&ASH].avatar_key.is_none());
    assert!(w.db.photos(ASH, RUN).is_empty());
    assert!(w.told.players.lock().unwrap().is_empty());
    assert!(w.told.dashboards.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_photo_is_listed_on_its_activity_and_answered_with_a_signed_link() {
    let w = world();
    let out = w
        .media
        .add_photo(ASH, RUN, png(40, 30, false), None)
        .await
        .unwrap();
    let keys = w.bucket.keys();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    let photo_id = key.strip_prefix("photos/1/10/").unwrap();
    assert_eq!(photo_id.len(), 16);
    assert!(photo_id.chars().all(|c| c.is_ascii_hexdigit()));
    // Stored by its path; the answer is a link to the object.
    assert_eq!(
        w.db.photos(ASH, RUN),
        [format!("/api/v1/activities/10/photos/{photo_id}")]
    );
    assert_eq!(parts(&out.photo_url).0, *key);
    let file = read(&w, &out.photo_url).await.unwrap();
    assert_eq!(file.content_type, "image/jpeg");
    assert_eq!(dimensions(&file.bytes), (40, 30));
    assert_eq!(*w.told.dashboards.lock().unwrap(), [ASH]);

    // The owner reads it with the token; nobody else, and no other id.
    let photo = w.media.photo(ASH, RUN, photo_id).await.unwrap();
    assert_eq!(photo.bytes, file.bytes);
    assert_eq!(photo.content_type, "image/jpeg");
    for (player, id) in [
        (BROCK, photo_id),
        (ASH, "0123456789abcdef"),
        (ASH, "../../avatars/1"),
        (ASH, ""),
    ] {
        assert!(
            matches!(
                w.media.photo(player, RUN, id).await,
                Err(MediaError::PhotoNotFound)
            ),
            "{player} {id}"
        );
    }
}

#[tokio::test]
async fn an_upload_run_again_with_its_key_stores_one_photo_and_links_it_afresh() {
    let w = world();
    let first = w
        .media
        .add_photo(ASH, RUN, png(8, 8, false), Some("k-1"))
        .await
        .unwrap();
    // Run again (a retry after the first run died, say): the same photo, once.
    let again = w
        .media
        .add_photo(ASH, RUN, png(8, 8, false), Some("k-1"))
        .await
        .unwrap();
    assert_eq!(w.bucket.keys().len(), 1);
    assert_eq!(w.db.photos(ASH, RUN).len(), 1);
    assert_eq!(parts(&first.photo_url).0, parts(&again.photo_url).0);
    // The replay's link names the same object.
    let replayed = w.media.stored_photo_link(ASH, RUN, "k-1").await.unwrap();
    assert_eq!(parts(&replayed.photo_url).0, parts(&first.photo_url).0);
    // Another key, or none, is another photo; the same key on another player's
    // activity is not this one.
    w.media
        .add_photo(ASH, RUN, png(8, 8, false), Some("k-2"))
        .await
        .unwrap();
    w.media
        .add_photo(ASH, RUN, png(8, 8, false), None)
        .await
        .unwrap();
    assert_eq!(w.db.photos(ASH, RUN).len(), 3);
    let other = w.media.stored_photo_link(BROCK, RUN, "k-1").await.unwrap();
    assert_ne!(parts(&other.photo_url).0, parts(&first.photo_url).0);
}

#[tokio::test]
async fn photos_accumulate_and_only_on_ones_own_activities() {
    let w = world();
    let (a, b, c) = tokio::join!(
        w.media.add_photo(ASH, RUN, png(8, 8, false), None),
        w.media.add_photo(ASH, RUN, png(9, 9, false), None),
        w.media.add_photo(ASH, RUN, png(10, 10, true), None),
    );
    let links = [a.unwrap(), b.unwrap(), c.unwrap()];
    assert_eq!(w.db.photos(ASH, RUN).len(), 3);
    assert_eq!(w.bucket.keys().len(), 3);
    for l in &links {
        read(&w, &l.photo_url).await.unwrap();
    }
    // Brock cannot add to Ash's run; a missing activity is not found either.
    for (player, activity) in [(BROCK, RUN), (ASH, 11)] {
        assert!(matches!(
            w.media
                .add_photo(player, activity, png(8, 8, false), None)
                .await,
            Err(MediaError::ActivityNotFound)
        ));
    }
    assert_eq!(
        w.bucket.keys().len(),
        3,
        "nothing stored for a refused upload"
    );
}

#[tokio::test]
async fn an_activity_keeps_at_most_ten_photos() {
    let w = world();
    for n in 0..MAX_PHOTOS {
        w.media
            .add_photo(ASH, RUN, png(8, 8, false), Some(&format!("k{n}")))
            .await
            .unwrap();
    }
    assert!(matches!(
        w.media.add_photo(ASH, RUN, png(8, 8, false), None).await,
        Err(MediaError::PhotoLimit { limit: 10 })
    ));
    assert_eq!(w.db.photos(ASH, RUN).len(), MAX_PHOTOS);
    assert_eq!(w.bucket.keys().len(), MAX_PHOTOS, "nothing stored past it");
    // A retry of an upload already listed still answers.
    w.media
        .add_photo(ASH, RUN, png(8, 8, false), Some("k3"))
        .await
        .unwrap();
    assert_eq!(w.db.photos(ASH, RUN).len(), MAX_PHOTOS);
}

#[tokio::test]
async fn links_expire_and_refuse_any_alteration() {
    let w = world();
    w.bucket
        .objects
        .lock()
        .unwrap()
        .insert("photos/1/10/ab".into(), png(4, 4, false));
    let link = w.media.link("photos/1/10/ab").await.unwrap();
    let (key, expires, sig) = parts(&link);
    let now = w.clock.now().timestamp();
    let file = read(&w, &link).await.unwrap();
    assert_eq!(file.content_type, "image/png");
    // Cacheable until the link expires: at least the lifetime, at most one bucket more.
    assert!(file.max_age > LINK_LIFETIME_SECS - 2, "{}", file.max_age);
    assert!(file.max_age <= LINK_LIFETIME_SECS + LINK_BUCKET_SECS);
    assert_eq!(expires.parse::<i64>().unwrap() - now, file.max_age);

    let later = (expires.parse::<i64>().unwrap() + 3600).to_string();
    let mut flipped = sig.clone().into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    for (k, e, s) in [
        ("photos/1/10/ac", Some(expires.as_str()), Some(sig.as_str())),
        ("photos/2/10/ab", Some(expires.as_str()), Some(sig.as_str())),
        (key.as_str(), Some(later.as_str()), Some(sig.as_str())),
        (key.as_str(), Some(expires.as_str()), Some(flipped.as_str())),
        (key.as_str(), Some(expires.as_str()), Some("not hex")),
        (key.as_str(), Some(expires.as_str()), None),
        (key.as_str(), None, Some(sig.as_str())),
        (key.as_str(), Some("soon"), Some(sig.as_str())),
    ] {
        assert!(
            matches!(
                w.media.file(k, e, s).await,
                Err(MediaError::InvalidSignature)
            ),
            "{k} {e:?} {s:?}"
        );
    }

    // Valid until its expiry, then expired (not merely invalid).
    let left = expires.parse::<i64>().unwrap() - now;
    w.clock.advance(left - 1);
    assert_eq!(read(&w, &link).await.unwrap().max_age, 1);
    w.clock.advance(1);
    assert!(matches!(
        read(&w, &link).await,
        Err(MediaError::LinkExpired)
    ));
    // A fresh link reads it again.
    let fresh = w.media.link("photos/1/10/ab").await.unwrap();
    assert_ne!(fresh, link);
    read(&w, &fresh).await.unwrap();
}

#[tokio::test]
async fn a_valid_link_to_a_missing_object_or_a_replay() {
    let w = world();
    let gone = w.media.link("photos/1/10/ff").await.unwrap();
    assert!(matches!(
        read(&w, &gone).await,
        Err(MediaError::FileNotFound)
    ));
    w.bucket
        .objects
        .lock()
        .unwrap()
        .insert("replays/7.json".into(), Bytes::from_static(b"{}"));
    let replay = w.media.link("replays/7.json").await.unwrap();
    let file = read(&w, &replay).await.unwrap();
    assert_eq!(file.content_type, "application/json");
    assert_eq!(file.bytes, "{}");
}

fn activity(photos: &[&str]) -> Activity {
    serde_json::from_value(serde_json::json!({
        "id": RUN, "kind": "running", "occurred_at": "2026-01-05T07:00:00Z",
        "local_date": "2026-01-05", "xp": 10, "stat": "agility", "edited": false,
        "note": null, "created_at": "2026-01-05T07:00:00Z", "photos": photos,
    }))
    .unwrap()
}

#[tokio::test]
async fn served_activities_carry_fresh_links_to_their_own_photos_only() {
    let w = world();
    let mut a = activity(&[
        "/api/v1/activities/10/photos/ab12",
        "https://elsewhere.test/a.png",
        "/api/v1/activities/10/photos/../../avatars/2",
    ]);
    w.media.sign_activity(ASH, &mut a).await.unwrap();
    let (key, _, _) = parts(&a.photos[0]);
    assert_eq!(
        key, "photos/1/10/ab12",
        "the owner's key, whoever's path it names"
    );
    assert_eq!(a.photos[1], "https://elsewhere.test/a.png");
    assert_eq!(a.photos[2], "/api/v1/activities/10/photos/../../avatars/2");

    // The dashboard's cached text: unparsed without photos, signed with them.
    let plain = serde_json::to_string(&[activity(&[])]).unwrap();
    let raw = RawValue::from_string(plain.clone()).unwrap();
    assert_eq!(w.media.sign_recent(ASH, raw).await.unwrap().get(), plain);
    let with = serde_json::to_string(&[activity(&["/api/v1/activities/10/photos/cd34"])]).unwrap();
    let raw = RawValue::from_string(with).unwrap();
    let signed = w.media.sign_recent(ASH, raw).await.unwrap();
    let items: Vec<Activity> = serde_json::from_str(signed.get()).unwrap();
    assert_eq!(parts(&items[0].photos[0]).0, "photos/1/10/cd34");
    // A cached list that no longer parses is ours to report, not the client's.
    let broken = RawValue::from_string(r#"[{"photos": ["/photos/"]}]"#.into()).unwrap();
    assert!(matches!(
        w.media.sign_recent(ASH, broken).await,
        Err(MediaError::Internal(_))
    ));
}

#[tokio::test]
async fn an_object_store_failure_changes_nothing_else() {
    let w = world();
    w.bucket.down.store(true, Ordering::SeqCst);
    assert!(matches!(
        w.media.set_avatar(ASH, png(8, 8, false)).await,
        Err(MediaError::Objects(_))
    ));
    assert!(matches!(
        w.media.add_photo(ASH, RUN, png(8, 8, false), None).await,
        Err(MediaError::Objects(_))
    ));
    assert!(w.db.players.lock().unwrap()[&ASH].avatar_key.is_none());
    assert!(w.db.photos(ASH, RUN).is_empty());
    assert!(w.told.players.lock().unwrap().is_empty());
    assert!(w.told.dashboards.lock().unwrap().is_empty());
}

#[test]
fn stored_photo_paths_map_to_keys() {
    assert_eq!(
        photo_key_of(3, "/api/v1/activities/9/photos/ab12").as_deref(),
        Some("photos/3/9/ab12")
    );
    assert_eq!(photo_key_of(3, "/api/v1/activities/x/photos/ab"), None);
    assert_eq!(photo_key_of(3, "/api/v1/activities/9/photos/../../x"), None);
    assert_eq!(photo_key_of(3, "/api/v1/activities/9/photos/"), None);
    assert_eq!(photo_key_of(3, "https://elsewhere/a.png"), None);
    assert_eq!(photo_path(9, "ab12"), "/api/v1/activities/9/photos/ab12");
}

#[test]
fn a_photo_is_appended_to_the_stored_list() {
    assert_eq!(with_photo("[]", "/p/1").unwrap(), r#"["/p/1"]"#);
    assert_eq!(
        with_photo(r#"["/p/1"]"#, "/p/2").unwrap(),
        r#"["/p/1","/p/2"]"#
    );
    // Whatever else the list holds stays; a list that does not parse starts again.
    assert_eq!(
        with_photo(r#"[1,{"a":2}]"#, "/p/2").unwrap(),
        r#"[1,{"a":2},"/p/2"]"#
    );
    assert_eq!(with_photo("not json", "/p/1").unwrap(), r#"["/p/1"]"#);
    assert_eq!(with_photo("", "/p/1").unwrap(), r#"["/p/1"]"#);
}
