//! What the adapters (REST, gRPC, WebSockets, the job worker) share: the
//! capabilities and the service's parts. Built by `app`; capabilities never see it.

use crate::accounts::Accounts;
use crate::clock::Clock;
use crate::config::Config;
use crate::duels::Duels;
use crate::events::Events;
use crate::leaderboards::Leaderboards;
use crate::media::Media;
use crate::progress::Progress;
use crate::storage::Store;
use std::sync::Arc;
use tokio::sync::Notify;

pub struct AppState {
    pub config: Config,
    pub store: Store,
    pub clock: Arc<Clock>,
    pub accounts: Accounts,
    pub duels: Duels,
    pub progress: Progress,
    pub leaderboards: Leaderboards,
    pub media: Media,
    pub events: Events,
    pub limiter: crate::http::ratelimit::RateLimiter,
    /// Wakes an idle job worker (a battle was just queued).
    pub job_wakeup: Arc<Notify>,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// Replays, avatars and photos.
    pub objects: crate::objects::Objects,
    /// Hot state, leaderboards and the event bus: Redis or in-process.
    pub cache: Arc<crate::cache::Cache>,
    /// Cache writes that failed during a Redis outage, replayed when it is back.
    pub repairs: Arc<crate::cache::Repairs>,
}
