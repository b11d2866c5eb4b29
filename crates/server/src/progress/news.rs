//! What a committed change to a player's progress tells the world: the adapters
//! publish it as real-time events (`boss_damaged`, `boss_defeated`, `boss_escaped`)
//! once the transaction has committed. Each event's fields are the contract's, in
//! the order the events have always had.

use serde::Serialize;
use shonen_rules::villain::ObjectiveProgress;

/// `boss_damaged`: the boss lost HP.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BossDamaged {
    pub week: String,
    pub name: String,
    pub damage: i64,
    pub hp: i64,
    pub hp_max: i64,
    pub objectives: Vec<ObjectiveProgress>,
}

/// What defeating a boss paid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DefeatReward {
    /// The XP actually posted (0 when the reward's rule key was already used).
    pub xp: i64,
    pub stat: String,
    pub badge: String,
}

/// `boss_defeated`: every objective done; the reward is posted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BossDefeated {
    pub week: String,
    pub name: String,
    pub badge: String,
    /// Whether the badge is new (a boss defeated again in another week is not).
    pub badge_new: bool,
    pub reward: DefeatReward,
    pub total_xp: i64,
}

/// `boss_escaped`: the week ended with the boss alive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BossEscaped {
    pub week: String,
    pub name: String,
    /// The XP taken (0 in a grace week).
    pub penalty: i64,
    pub grace: bool,
    pub cutscene: String,
    pub total_xp: i64,
}

/// What changed in a boss fight, announced after the transaction commits.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct BossNews {
    pub damaged: Vec<BossDamaged>,
    pub defeated: Vec<BossDefeated>,
    pub escaped: Vec<BossEscaped>,
}

impl BossNews {
    /// Whether XP changed (a reward or a penalty was posted).
    pub fn xp_changed(&self) -> bool {
        !self.defeated.is_empty() || self.escaped.iter().any(|e| e.penalty != 0)
    }
}
