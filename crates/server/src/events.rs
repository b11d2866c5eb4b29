//! Real-time events for a player (`xp_awarded`, `level_up`, `penalty`, …), published
//! after the change they describe has committed. This is the in-process bus; every
//! WebSocket connection of the player subscribes to it.

use crate::services::progress::Applied;
use crate::storage::PlayerRow;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::broadcast;

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    #[serde(skip)]
    pub player_id: i64,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub at: DateTime<Utc>,
    pub data: Value,
}

#[derive(Clone)]
pub struct Events {
    tx: broadcast::Sender<Arc<Event>>,
    clock: Arc<crate::clock::Clock>,
}

impl Events {
    pub fn new(clock: Arc<crate::clock::Clock>) -> Events {
        // Bounded: a subscriber that falls this far behind loses events (and is told).
        let (tx, _) = broadcast::channel(4096);
        Events { tx, clock }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    pub fn publish(&self, player_id: i64, kind: &'static str, data: Value) {
        let event = Event {
            player_id,
            kind,
            at: self.clock.now(),
            data,
        };
        // No subscribers is fine: nobody is watching.
        let _ = self.tx.send(Arc::new(event));
    }

    pub fn after_award(&self, p: &PlayerRow, award: &Value) {
        self.publish(
            p.id,
            "xp_awarded",
            json!({ "award": award, "total_xp": p.total_xp }),
        );
        if let Some(level_up) = award.get("level_up") {
            self.publish(p.id, "level_up", level_up.clone());
        }
        if let Some(skills) = award.get("skills_unlocked").and_then(Value::as_array) {
            for s in skills {
                self.publish(p.id, "skill_unlocked", json!({ "name": s }));
            }
        }
    }

    pub fn after_penalties(&self, p: &PlayerRow, applied: &[Applied]) {
        for a in applied {
            self.publish(
                p.id,
                "penalty",
                json!({
                    "kind": a.event.kind.as_str(),
                    "date": a.event.date,
                    "amount": a.amount,
                    "reason": a.event.reason,
                    "total_xp": p.total_xp,
                }),
            );
        }
        if !applied.is_empty() {
            let chain = crate::services::progress::chain(p);
            self.publish(p.id, "streak", json!({ "streak": chain.streak }));
        }
    }
}
