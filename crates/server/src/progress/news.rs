//! What a committed change to a player's progress tells the world: the adapters
//! publish it as real-time events once the transaction has committed.

use serde_json::{Value, json};

/// What changed in a boss fight, announced after the transaction commits.
#[derive(Debug, Default)]
pub struct BossNews {
    pub damaged: Vec<Value>,
    pub defeated: Vec<Value>,
    pub escaped: Vec<Value>,
}

impl BossNews {
    /// Whether XP changed (a reward or a penalty was posted).
    pub fn xp_changed(&self) -> bool {
        !self.defeated.is_empty() || self.escaped.iter().any(|e| e["penalty"] != json!(0))
    }
}
