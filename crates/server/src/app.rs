//! Building and running the application: state, router, listener, workers and
//! graceful shutdown. `Application::build` binds the port first, so tests can start
//! the real service on port 0.

use crate::accounts::{Accounts, TokenSecret};
use crate::clock::Clock;
use crate::config::Config;
use crate::duels::Duels;
use crate::events::Events;
use crate::leaderboards::Leaderboards;
use crate::media::Media;
use crate::progress::Progress;
use crate::services::hot::PlayerCaches;
use crate::services::progress::Players;
use crate::state::AppState;
use crate::storage::Store;
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

pub struct Application {
    listener: TcpListener,
    state: Arc<AppState>,
}

/// The `service_state` row that holds the generated secret.
const SECRET_STATE: &str = "token_secret";

/// The token-hashing secret: `SHONEN_SECRET`, else the one kept in the database, so
/// every instance on one database agrees with no configuration. The first start
/// stores it: the secret file an older version kept in the data dir when there is
/// one (so tokens issued before keep working), else a fresh random one. Instances
/// starting at once race on one insert; all of them read back the winner's value.
async fn load_secret(config: &Config, store: &Store) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = &config.secret {
        return Ok(s.as_bytes().to_vec());
    }
    if let Some(s) = store.state(SECRET_STATE).await? {
        return Ok(s.into_bytes());
    }
    let legacy = config.data_dir.join("secret");
    let candidate = match std::fs::read_to_string(&legacy) {
        Ok(s) if s.trim().len() >= 32 => {
            tracing::info!(file = %legacy.display(), "moving the generated secret into the database");
            s.trim().to_string()
        }
        _ => {
            let mut bytes = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
            hex::encode(bytes)
        }
    };
    let kept = store
        .state_or_init(SECRET_STATE, &candidate)
        .await
        .context("storing the generated secret")?;
    Ok(kept.into_bytes())
}

/// With Redis: the boards of the players behind the last ledger entries are written
/// again from their committed rows. A process killed between a commit and its
/// board update, or restarted while Redis was away (its repair log is in memory),
/// would otherwise leave those boards stale until the player's next change.
fn spawn_board_resync(state: &Arc<AppState>) {
    if !state.cache.is_redis() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let ids = match state.store.players_of_recent_entries(10_000).await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "boards not re-synced at start-up");
                return;
            }
        };
        for id in &ids {
            if let Ok(Some(p)) = state.store.player(*id).await {
                state.players.after_commit(&p).await;
            }
        }
        tracing::info!(players = ids.len(), "boards re-synced with the database");
    });
}

/// With the dev clock: follows the offset other instances on the same database save
/// (read every 200 ms; the clock only moves forward), so a clock moved on one
/// instance is the clock of all.
fn spawn_dev_clock_follower(state: &Arc<AppState>) {
    if !state.config.dev_clock {
        return;
    }
    let weak = Arc::downgrade(state);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let Some(state) = weak.upgrade() else { return };
            if let Ok(Some(saved)) = state.store.state("dev_clock_offset_micros").await
                && let Ok(saved) = saved.parse::<i64>()
                && saved > state.clock.offset_micros()
            {
                let _moving = state.clock.moving.lock().await;
                if saved > state.clock.offset_micros() {
                    state.clock.set_offset_micros(saved);
                }
            }
        }
    });
}

/// Replays cache writes missed during a Redis outage once the cache answers again
/// (even when no request comes in to trigger it).
fn spawn_cache_repair(state: &Arc<AppState>) {
    let weak = Arc::downgrade(state);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            let Some(state) = weak.upgrade() else { return };
            if state.cache.ping().await.is_ok() {
                state.players.repair().await;
                state.events.resend_revocations().await;
            }
        }
    });
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        Self::build_on(config, None).await
    }

    /// `build`, serving on `listener` when given (a port already held, see
    /// `crate::starting`), else on a new one bound to `config.addr`.
    pub async fn build_on(
        config: Config,
        listener: Option<std::net::TcpListener>,
    ) -> anyhow::Result<Application> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data dir {}", config.data_dir.display()))?;
        let store = Store::connect_with(&config.effective_database_url(), &config.timeouts)
            .await
            .context("opening the database")?;
        store.migrate().await.context("migrating the database")?;
        store.start_watchdog();
        let clock = Arc::new(Clock::default());
        if config.dev_clock {
            tracing::warn!(
                "SHONEN_DEV_CLOCK is on: the clock can be moved forward over HTTP; never use this in production"
            );
            if let Some(offset) = store.state("dev_clock_offset_micros").await? {
                clock.set_offset_micros(offset.parse().unwrap_or(0));
            }
        }
        let secret = load_secret(&config, &store).await?;
        let mut objects =
            crate::objects::Objects::open(&config.object_store_url, &config.data_dir, &config.s3)?;
        objects.enable_links(&secret).await?;
        let battles = Arc::new(crate::battles::Executor::from_config(&config).await?);
        tracing::info!(objects = %objects.location, battles = battles.name(), "duel backends");
        let listener = match listener {
            Some(held) => {
                held.set_nonblocking(true)?;
                TcpListener::from_std(held)?
            }
            None => TcpListener::bind(config.addr)
                .await
                .with_context(|| format!("binding {}", config.addr))?,
        };
        // Writes each week's villain (procedural, or the optional text generator).
        let villains: Arc<dyn crate::progress::VillainGenerator> = match &config.villain_llm {
            Some(settings) => Arc::new(
                crate::services::villains::LlmVillains::new(settings.clone())
                    .map_err(|e| anyhow::anyhow!("villain generator: {e}"))?,
            ),
            None => Arc::new(crate::services::villains::Procedural),
        };
        let cache = Arc::new(match &config.redis_url {
            Some(url) => {
                tracing::info!("using Redis for caches, leaderboards and events");
                crate::cache::Cache::redis_with_timeout(
                    url,
                    &config.redis_prefix,
                    config.timeouts.redis_command,
                )
                .context("SHONEN_REDIS_URL")?
            }
            None => crate::cache::Cache::memory(&config.redis_prefix),
        });
        let job_wakeup = Arc::new(Notify::new());
        let duels = Duels::new(
            store.clone(),
            Arc::new(crate::jobs::DuelJobs::new(job_wakeup.clone())),
            clock.clone(),
            objects.clone(),
            battles,
        );
        let events = Events::new(clock.clone(), cache.clone());
        let repairs: Arc<crate::cache::Repairs> = Default::default();
        let leaderboards = Arc::new(Leaderboards::new(
            store.clone(),
            cache.clone(),
            Arc::new(crate::player_rows::HotRows {
                cache: cache.clone(),
                store: store.clone(),
            }),
            Arc::new(events.clone()),
            repairs.clone(),
            clock.clone(),
        ));
        let tokens = TokenSecret::new(secret);
        let hot = PlayerCaches::new(
            cache.clone(),
            store.clone(),
            repairs,
            clock.clone(),
            tokens.clone(),
        );
        let players = Players::new(
            hot.clone(),
            leaderboards.clone(),
            store.clone(),
            clock.clone(),
        );
        let objects_port = Arc::new(objects.clone());
        let media = Media::new(
            store.clone(),
            objects_port.clone(),
            objects_port,
            Arc::new(hot.clone()),
            clock.clone(),
        );
        let state = Arc::new(AppState {
            accounts: Accounts::new(
                store.clone(),
                Arc::new(crate::jobs::PlayerJobs),
                clock.clone(),
                tokens,
            ),
            duels,
            progress: Progress::new(
                store.clone(),
                Arc::new(crate::jobs::BossJobs),
                villains,
                clock.clone(),
            ),
            leaderboards,
            media,
            events,
            cache,
            hot,
            players,
            limiter: crate::ratelimit::RateLimiter::new(clock.clone()),
            job_wakeup,
            jobs_running: Arc::new(tokio::sync::watch::Sender::new(0)),
            metrics: crate::http::ops::metrics_handle(),
            objects,
            config,
            store,
            clock,
        });
        if let Err(e) = state.cache.check_generation().await {
            tracing::warn!(error = %e, "redis not checked at start-up; the watchdog will");
        }
        spawn_cache_repair(&state);
        spawn_board_resync(&state);
        spawn_dev_clock_follower(&state);
        Ok(Application { listener, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| self.state.config.addr)
    }

    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// Serves until `shutdown` resolves, then stops accepting, finishes in-flight
    /// requests and stops the workers.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        if self.state.config.workers > 0 {
            // Work a killed process had claimed resumes at once, not after its lease.
            match self
                .state
                .store
                .release_job_claims(self.state.clock.now_micros())
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(jobs = n, "released job claims left by a stopped process"),
                Err(e) => tracing::warn!(error = %e, "could not release old job claims"),
            }
        }
        let mut workers = Vec::new();
        for _ in 0..self.state.config.workers {
            workers.push(tokio::spawn(crate::jobs::worker(
                self.state.clone(),
                stop_rx.clone(),
            )));
        }
        let router = crate::http::router(self.state.clone());
        // Compress the embedded web UI before the first visitor asks for it.
        crate::http::web::warm_up();
        tracing::info!(addr = %self.local_addr(), "serving");
        let timeouts = self.state.config.timeouts.clone();
        let started = std::time::Instant::now();
        // WebSockets (upgraded, no longer the listener's) are told to close (1001)
        // as soon as the shutdown begins.
        let events = self.state.events.clone();
        let shutdown = async move {
            shutdown.await;
            events.going_away();
        };
        crate::serve::serve(self.listener, router, timeouts.clone(), shutdown).await;
        // Connections are done (or were dropped at the deadline): the workers finish
        // the job in hand, within what is left of the shutdown budget.
        let _ = stop_tx.send(true);
        let left = timeouts
            .shutdown
            .saturating_sub(started.elapsed().min(timeouts.shutdown))
            .max(std::time::Duration::from_secs(1));
        let workers_done = tokio::time::timeout(left, async {
            for w in workers.iter_mut() {
                let _ = w.await;
            }
        })
        .await;
        if workers_done.is_err() {
            tracing::warn!("shutdown timeout: stopping the job workers mid-job");
            for w in &workers {
                w.abort();
            }
        }
        if tokio::time::timeout(std::time::Duration::from_secs(1), self.state.store.close())
            .await
            .is_err()
        {
            tracing::warn!("shutdown timeout: database connections left open");
        }
        tracing::info!("stopped");
        Ok(())
    }
}
