//! The five kinds of activity (§2) and the stat each one trains: what the other rules
//! (fatigue, awards, streaks) name without needing an activity's inputs.

use crate::stat::Stat;
use serde::{Deserialize, Serialize};

/// The kinds of activity a player can log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Run,
    Strength,
    Study,
    MartialArts,
    WakeUp,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 5] = [
        ActivityKind::Run,
        ActivityKind::Strength,
        ActivityKind::Study,
        ActivityKind::MartialArts,
        ActivityKind::WakeUp,
    ];

    /// Training extends streaks and prevents skips; waking up does neither.
    pub fn is_training(self) -> bool {
        !matches!(self, ActivityKind::WakeUp)
    }

    /// The stat this kind's XP goes to.
    pub fn stat(self) -> Stat {
        match self {
            ActivityKind::Run => Stat::Agility,
            ActivityKind::Strength => Stat::Strength,
            ActivityKind::Study => Stat::Intelligence,
            ActivityKind::MartialArts => Stat::Fighting,
            ActivityKind::WakeUp => Stat::Discipline,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Run => "run",
            ActivityKind::Strength => "strength",
            ActivityKind::Study => "study",
            ActivityKind::MartialArts => "martial_arts",
            ActivityKind::WakeUp => "wake_up",
        }
    }

    pub fn parse(s: &str) -> Option<ActivityKind> {
        ActivityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}
