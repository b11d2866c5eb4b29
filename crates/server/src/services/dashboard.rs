//! The dashboard and a public profile, as REST and gRPC serve them: the head
//! (player, boss, chart weeks) read per call, the ledger-derived parts (weekly
//! points, recent activities) cached per player version.

use crate::clock::Clock;
use crate::error::{ApiError, ApiResult};
use crate::local;
use crate::media::Media;
use crate::model::{Dashboard, Profile, Stats, WeekPoint};
use crate::progress::Progress;
use crate::services::hot::HotDashboard;
use crate::services::hot::PlayerCaches;
use crate::services::progress;
use crate::services::progress::Players;
use crate::storage::PlayerRow;
use crate::storage::Store;
use chrono::Duration;
use serde_json::value::RawValue;

/// What a dashboard shows besides its ledger-derived parts, and the player row and
/// first chart week those parts are read for (REST and gRPC build on this).
pub struct DashboardHead {
    pub row: PlayerRow,
    pub player: crate::model::Player,
    pub boss: crate::model::Boss,
    pub first_week: String,
}

/// What the dashboard and profile use cases read: the hot state and player views,
/// the progress capability (boss, badges), signed media links, the store, the clock.
pub struct Dashboards<'a> {
    pub hot: &'a PlayerCaches,
    pub players: &'a Players,
    pub progress: &'a Progress,
    pub media: &'a Media,
    pub store: &'a Store,
    pub clock: &'a Clock,
}

impl Dashboards<'_> {
    /// The player's dashboard (photo links signed for this read).
    pub async fn dashboard(&self, player_id: i64) -> ApiResult<Dashboard> {
        let head = self.dashboard_head(player_id).await?;
        let parts = self
            .dashboard_cached_parts(&head.row, &head.first_week)
            .await?;
        // Photo links are signed per read (never cached: they expire).
        let recent = self.media.sign_recent(head.row.id, parts.recent).await?;
        Ok(Dashboard {
            streak: head.player.streak,
            buffs: head.player.buffs.clone(),
            player: head.player,
            weekly: parts.weekly,
            boss: head.boss,
            recent,
        })
    }

    pub async fn dashboard_head(&self, player_id: i64) -> ApiResult<DashboardHead> {
        let p = self.players.row(player_id).await?;
        let player = self.players.player_view_of(&p).await?;
        let this_week = local::week_start(progress::today(&p, self.clock.now()));
        let first_week = (this_week - Duration::weeks(11)).to_string();
        // The boss is read through the cache; a miss computes and caches it. A cached
        // boss of another week (the week turned since it was cached, and a fight that had
        // already ended mid-week leaves nothing for the rollover to clear) is a miss.
        let boss = match self.hot.boss(p.id, p.version, &this_week.to_string()).await {
            Some(b) => b,
            None => {
                let b = self.progress.boss(p.id).await?;
                self.hot.set_boss(p.id, p.version, &b).await;
                b
            }
        };
        Ok(DashboardHead {
            row: p,
            player,
            boss,
            first_week,
        })
    }

    /// The weekly points and recent activities: they change only when the player
    /// writes, so they are cached and dropped by every committed change of the player.
    pub async fn dashboard_cached_parts(
        &self,
        p: &PlayerRow,
        first: &str,
    ) -> ApiResult<HotDashboard> {
        if let Some(parts) = self.hot.dashboard(p.id, p.version, first).await {
            return Ok(parts);
        }
        let parts = self.dashboard_parts(p, first).await?;
        self.hot.set_dashboard(p.id, &parts).await;
        Ok(parts)
    }

    /// The 12 weekly points from the Monday `first` and the 5 most recent activities,
    /// from the database.
    async fn dashboard_parts(&self, p: &PlayerRow, first: &str) -> ApiResult<HotDashboard> {
        let id = p.id;
        let (rows, recent) = tokio::try_join!(
            self.store.weekly_since(id, first),
            self.store.activities(id, None, 5),
        )?;
        let monday =
            local::parse_date(first).ok_or_else(|| ApiError::internal("bad week start"))?;
        let weekly: Vec<WeekPoint> = (0..12)
            .map(|i| {
                let week = (monday + Duration::weeks(i)).to_string();
                let mut by_stat = Stats {
                    strength: 0,
                    agility: 0,
                    intelligence: 0,
                    fighting: 0,
                    discipline: 0,
                };
                let mut xp = 0;
                for r in rows.iter().filter(|r| r.week_start == week) {
                    xp += r.xp;
                    let slot = match r.stat.as_str() {
                        "strength" => &mut by_stat.strength,
                        "agility" => &mut by_stat.agility,
                        "intelligence" => &mut by_stat.intelligence,
                        "fighting" => &mut by_stat.fighting,
                        "discipline" => &mut by_stat.discipline,
                        // NO_STAT rows (penalties) count in the week's total only.
                        _ => continue,
                    };
                    *slot = r.xp;
                }
                WeekPoint {
                    week_start: week,
                    xp,
                    by_stat,
                }
            })
            .collect();
        let recent: Vec<_> = recent.iter().map(crate::progress::activity_view).collect();
        let raw = |text: String| RawValue::from_string(text).map_err(ApiError::internal);
        Ok(HotDashboard {
            version: p.version,
            first_week: first.to_string(),
            weekly: raw(serde_json::to_string(&weekly).map_err(ApiError::internal)?)?,
            recent: raw(serde_json::to_string(&recent).map_err(ApiError::internal)?)?,
        })
    }

    /// A player's public profile, by username.
    pub async fn profile(&self, username: &str) -> ApiResult<Profile> {
        let p = self
            .store
            .player_by_username(username)
            .await?
            .ok_or_else(|| ApiError::not_found("player"))?;
        let now = self.clock.now();
        let today = progress::today(&p, now).to_string();
        let trained = self.store.trained_on(p.id, &today).await?;
        let level = shonen_rules::level_for_xp(p.total_xp);
        Ok(Profile {
            stats: progress::stats_of(&p),
            streak: progress::display_streak(&p, trained),
            badges: self.progress.badges(p.id).await?,
            // Public, like the profile: an `<img src>` needs no token.
            avatar_url: p
                .avatar_key
                .as_ref()
                .map(|_| crate::media::avatar_path(&p.username)),
            username: p.username,
            class: p.class,
            level,
            title: shonen_rules::title(level).to_string(),
            total_xp: p.total_xp,
        })
    }
}
