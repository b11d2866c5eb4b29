//! An activity, as every adapter serves it: log and edit through the progress
//! capability, then what follows a commit outside the database (cached state,
//! boards, events); read one or a page; photo links signed per read. REST
//! (`http::activities`) and gRPC parse their requests and call these.

use crate::error::{ApiError, ApiResult};
use crate::events::Events;
use crate::media::Media;
use crate::model::{ActivityAward, ActivityPage};
use crate::progress::Progress;
use crate::progress::{
    ActivityBody, EditBody, LogInput, Logged, PageQuery, activity_view, award_of,
};
use crate::services::progress::Players;
use crate::storage::{ActivityRow, Store};

/// What the activity use cases use: the progress and media capabilities, what
/// follows a commit (caches, boards, events), and the store for reads.
pub struct Activities<'a> {
    pub progress: &'a Progress,
    pub media: &'a Media,
    pub players: &'a Players,
    pub events: &'a Events,
    pub store: &'a Store,
}

impl Activities<'_> {
    /// What follows a committed activity outside the database: the player's cached state
    /// and boards, then the events (closed days, the award, the boss fight).
    async fn announce(&self, logged: &Logged) {
        let p = &logged.player;
        let week = logged.week.as_ref().map(|(w, xp)| (w.as_str(), *xp));
        self.players.after_commit_knowing_week(p, week).await;
        self.events.after_penalties(p, &logged.closed);
        self.events.after_award(p, &logged.award);
        self.events.after_streak(p.id, logged.streak);
        self.events.after_boss(p.id, &logged.boss);
    }

    /// Logs an activity; `idem_key` is the request's `Idempotency-Key`, written with it.
    pub async fn log(
        &self,
        player_id: i64,
        body: ActivityBody,
        idem_key: Option<String>,
    ) -> ApiResult<ActivityAward> {
        let input = LogInput::parse(body)?;
        let logged = self.progress.log(player_id, input, idem_key).await?;
        self.answer(player_id, &logged).await
    }

    /// `log` for a caller that names the attempt with a key of its own (gRPC's
    /// `idempotency-key` metadata): the activity already written with that key is the
    /// answer, as first given, and nothing is logged twice, also when two tries race
    /// (the key is unique per player in the activities table).
    pub async fn log_once(
        &self,
        player_id: i64,
        body: ActivityBody,
        key: String,
    ) -> ApiResult<ActivityAward> {
        if let Some(a) = self.store.activity_by_idem_key(player_id, &key).await? {
            return self.first_answer(player_id, &body, a).await;
        }
        // Kept to tell a retry from another request under the same key, should the
        // first one win a race with this one.
        let sent = body.clone();
        match self.log(player_id, body, Some(key.clone())).await {
            Err(e) if e.status.as_u16() == 409 || e.status.is_server_error() => {
                match self.store.activity_by_idem_key(player_id, &key).await {
                    Ok(Some(a)) => self.first_answer(player_id, &sent, a).await,
                    _ => Err(e),
                }
            }
            answer => answer,
        }
    }

    /// The answer to a retry of the request that wrote `a` with its key; another
    /// request under that key is refused, as REST refuses a reused key.
    async fn first_answer(
        &self,
        player_id: i64,
        body: &ActivityBody,
        a: ActivityRow,
    ) -> ApiResult<ActivityAward> {
        if !body.describes(&a) {
            return Err(ApiError::validation(
                "idempotency-key",
                "idempotency_key_reused",
                "this idempotency-key was used for a different request",
            ));
        }
        self.answer_of(player_id, a).await
    }

    /// Edits a strength session within its window (recomputed with the edit penalty).
    pub async fn edit(&self, player_id: i64, id: i64, body: EditBody) -> ApiResult<ActivityAward> {
        let logged = self.progress.edit(player_id, id, body).await?;
        self.answer(player_id, &logged).await
    }

    async fn answer(&self, player_id: i64, logged: &Logged) -> ApiResult<ActivityAward> {
        self.announce(logged).await;
        let mut out = logged.answer();
        self.media
            .sign_activity(player_id, &mut out.activity)
            .await?;
        Ok(out)
    }

    /// One of the player's activities with its award; another player's is not found.
    pub async fn show(&self, player_id: i64, id: i64) -> ApiResult<ActivityAward> {
        let a = self
            .store
            .activity(player_id, id)
            .await?
            .ok_or_else(|| ApiError::not_found("activity"))?;
        self.answer_of(player_id, a).await
    }

    /// A stored activity of the player's as the contract's `{activity, award}`.
    async fn answer_of(&self, player_id: i64, a: ActivityRow) -> ApiResult<ActivityAward> {
        let mut out = ActivityAward {
            award: award_of(&a)?,
            activity: activity_view(&a),
        };
        self.media
            .sign_activity(player_id, &mut out.activity)
            .await?;
        Ok(out)
    }

    /// The player's activities, newest first, from the cursor on.
    pub async fn page(&self, player_id: i64, q: PageQuery) -> ApiResult<ActivityPage> {
        let rows = self.store.activities(player_id, q.before, q.limit).await?;
        let next = if rows.len() as i64 == q.limit {
            rows.last().map(|a| a.id.to_string())
        } else {
            None
        };
        let mut items: Vec<_> = rows.iter().map(activity_view).collect();
        for a in &mut items {
            self.media.sign_activity(player_id, a).await?;
        }
        Ok(ActivityPage {
            items,
            next_before: next,
        })
    }
}
