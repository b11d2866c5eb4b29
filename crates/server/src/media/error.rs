//! Every way a media use case can fail, one variant each, in the capability's own
//! words. No protocol in here: the REST adapter maps this enum to the contract's
//! error body once (`http::errors`), the gRPC adapter to a status once
//! (`grpc::status::media`).

use crate::images::ImageError;
use crate::storage::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The upload is not an image this service takes: empty, over the byte or pixel
    /// limit, of another type, unreadable (or, ours, not encoded again).
    #[error(transparent)]
    Image(ImageError),
    /// No player of that id or username.
    #[error("player not found")]
    PlayerNotFound,
    /// The player has no avatar (or its object is gone).
    #[error("avatar not found")]
    AvatarNotFound,
    /// Not one of the player's activities.
    #[error("activity not found")]
    ActivityNotFound,
    /// The activity has as many photos as one may keep.
    #[error("an activity keeps at most {limit} photos")]
    PhotoLimit { limit: usize },
    /// Not a photo of one of the player's activities.
    #[error("photo not found")]
    PhotoNotFound,
    /// A signed link's object is gone.
    #[error("file not found")]
    FileNotFound,
    /// A signed link past its expiry.
    #[error("this link has expired; read the resource again for a fresh one")]
    LinkExpired,
    /// A missing, malformed or altered signature (or an altered key or expiry).
    #[error("this link is not valid")]
    InvalidSignature,
    #[error(transparent)]
    Store(StoreError),
    /// The object store failed (or could not sign a link).
    #[error("object storage: {0:#}")]
    Objects(anyhow::Error),
    /// A failure of ours (encoding a cached list): logged, never shown.
    #[error("{0}")]
    Internal(String),
}

impl MediaError {
    /// A body over `MAX_IMAGE_BYTES`: refused before anything else is looked at.
    pub fn too_large() -> Self {
        MediaError::Image(ImageError::TooLarge)
    }
}

impl From<StoreError> for MediaError {
    fn from(e: StoreError) -> Self {
        MediaError::Store(e)
    }
}

impl From<ImageError> for MediaError {
    fn from(e: ImageError) -> Self {
        MediaError::Image(e)
    }
}
