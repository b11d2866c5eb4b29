//! GetDashboard, with the chart and the recent activities kept as messages.
//!
//! REST splices the cached parts into its JSON as text; gRPC would have to parse
//! that text into messages on every call. Parts change only when the player writes,
//! and every write bumps the player's version, so the messages are kept here per
//! player for the version (and chart weeks) they were read at, and rebuilt when
//! either moves. Parts with photo links are not kept (links are signed per read).

use super::proto;
use super::status::{self, status};
use crate::error::ApiError;
use crate::model;
use crate::state::AppState;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tonic::Status;

/// Players whose parts are kept at once; past this the memo starts over (a few KB
/// each, so memory stays small whatever the number of players).
const MAX_KEPT: usize = 1024;

struct Kept {
    version: i64,
    first_week: String,
    weekly: Vec<proto::WeeklyPoint>,
    recent: Vec<proto::Activity>,
}

#[derive(Default)]
pub struct PartsMemo {
    kept: Mutex<HashMap<i64, Arc<Kept>>>,
}

impl PartsMemo {
    fn get(&self, id: i64, version: i64, first_week: &str) -> Option<Arc<Kept>> {
        let kept = self.kept.lock().ok()?;
        kept.get(&id)
            .filter(|k| k.version == version && k.first_week == first_week)
            .cloned()
    }

    fn keep(&self, id: i64, parts: Kept) {
        if let Ok(mut kept) = self.kept.lock() {
            if kept.len() >= MAX_KEPT && !kept.contains_key(&id) {
                kept.clear();
            }
            kept.insert(id, Arc::new(parts));
        }
    }
}

fn parse<T: serde::de::DeserializeOwned, M: From<T>>(raw: &RawValue) -> Result<Vec<M>, Status> {
    let items: Vec<T> = serde_json::from_str(raw.get())
        .map_err(|e| status(ApiError::internal(format!("a cached part: {e}"))))?;
    Ok(items.into_iter().map(Into::into).collect())
}

pub async fn get(
    state: &AppState,
    memo: &PartsMemo,
    player_id: i64,
) -> Result<proto::Dashboard, Status> {
    let head = state
        .dashboards()
        .dashboard_head(player_id)
        .await
        .map_err(status)?;
    let (id, version) = (head.row.id, head.row.version);
    let (weekly, recent) = match memo.get(id, version, &head.first_week) {
        Some(k) => (k.weekly.clone(), k.recent.clone()),
        None => {
            let parts = state
                .dashboards()
                .dashboard_cached_parts(&head.row, &head.first_week)
                .await
                .map_err(status)?;
            let weekly = parse::<model::WeekPoint, proto::WeeklyPoint>(&parts.weekly)?;
            if parts.recent.get().contains("/photos/") {
                let signed = state
                    .media
                    .sign_recent(id, parts.recent)
                    .await
                    .map_err(status::media)?;
                (weekly, parse::<model::Activity, proto::Activity>(&signed)?)
            } else {
                let recent = parse::<model::Activity, proto::Activity>(&parts.recent)?;
                memo.keep(
                    id,
                    Kept {
                        version,
                        first_week: head.first_week.clone(),
                        weekly: weekly.clone(),
                        recent: recent.clone(),
                    },
                );
                (weekly, recent)
            }
        }
    };
    Ok(proto::Dashboard {
        streak: head.player.streak,
        buffs: head.player.buffs.iter().cloned().map(Into::into).collect(),
        player: Some(head.player.into()),
        weekly,
        boss: Some(head.boss.into()),
        recent,
    })
}
