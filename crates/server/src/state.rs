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
use crate::services::hot::PlayerCaches;
use crate::services::progress::Players;
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
    pub leaderboards: Arc<Leaderboards>,
    pub media: Media,
    pub events: Events,
    pub limiter: crate::ratelimit::RateLimiter,
    /// Wakes an idle job worker (a battle was just queued).
    pub job_wakeup: Arc<Notify>,
    /// Job runs under way in this process, claims included (`jobs::drain` waits for
    /// them).
    pub jobs_running: Arc<tokio::sync::watch::Sender<usize>>,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// Replays, avatars and photos.
    pub objects: crate::objects::Objects,
    /// Hot state, leaderboards and the event bus: Redis or in-process.
    pub cache: Arc<crate::cache::Cache>,
    /// The per-player hot state in the cache (rows, tokens, dashboard parts, boss),
    /// with the repairs a cache outage left to do.
    pub hot: PlayerCaches,
    /// What follows a commit outside the database (caches, boards) and the
    /// `player` view.
    pub players: Players,
}

impl AppState {
    /// The activity use cases, over the parts they use.
    pub fn activities(&self) -> crate::services::activities::Activities<'_> {
        crate::services::activities::Activities {
            progress: &self.progress,
            media: &self.media,
            players: &self.players,
            events: &self.events,
            store: &self.store,
        }
    }

    /// The dashboard and profile use cases, over the parts they read.
    pub fn dashboards(&self) -> crate::services::dashboard::Dashboards<'_> {
        crate::services::dashboard::Dashboards {
            hot: &self.hot,
            players: &self.players,
            progress: &self.progress,
            media: &self.media,
            store: &self.store,
            clock: &self.clock,
        }
    }
}
