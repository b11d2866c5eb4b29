//! Martial arts moves (§7): lifetime Fighting XP unlocks named attacks whose power
//! sizes their hits in duels.

use serde::{Deserialize, Serialize};

/// (lifetime Fighting XP needed, name, power), in unlock order.
const MOVES: [(i64, &str, u32); 8] = [
    (100, "Iron Palm Jab", 10),
    (300, "Whirlwind Heel Drop", 16),
    (600, "Thunderclap Knee", 24),
    (1000, "Crimson Lotus Barrage", 34),
    (1500, "Dragon Spine Suplex", 46),
    (2100, "Heavenly Cross Counter", 60),
    (2800, "Eclipse Fang Rush", 76),
    (3600, "Sunbreaker Final Fist", 95),
];

/// An unlocked move, owned so it can travel inside a duel snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub name: String,
    pub power: u32,
    /// Lifetime Fighting XP at which it unlocks.
    pub unlock_xp: i64,
}

fn to_move((unlock_xp, name, power): (i64, &str, u32)) -> Move {
    Move {
        name: name.to_string(),
        power,
        unlock_xp,
    }
}

/// Every move of the game, in unlock order.
pub fn all_moves() -> Vec<Move> {
    MOVES.into_iter().map(to_move).collect()
}

/// The moves a player with this lifetime Fighting XP knows.
pub fn moves_for(fighting_xp: i64) -> Vec<Move> {
    MOVES
        .into_iter()
        .filter(|(at, _, _)| fighting_xp >= *at)
        .map(to_move)
        .collect()
}

/// Moves newly unlocked when lifetime Fighting XP went from `old` to `new`.
pub fn moves_unlocked_between(old: i64, new: i64) -> Vec<Move> {
    MOVES
        .into_iter()
        .filter(|(at, _, _)| old < *at && *at <= new)
        .map(to_move)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlock_thresholds() {
        let thresholds: Vec<i64> = all_moves().iter().map(|m| m.unlock_xp).collect();
        assert_eq!(
            thresholds,
            vec![100, 300, 600, 1000, 1500, 2100, 2800, 3600]
        );
        assert!(moves_for(99).is_empty());
        assert_eq!(moves_for(100).len(), 1);
        assert_eq!(moves_for(299).len(), 1);
        assert_eq!(moves_for(300).len(), 2);
        assert_eq!(moves_for(3599).len(), 7);
        assert_eq!(moves_for(1_000_000).len(), 8);
        assert_eq!(moves_for(-10).len(), 0);
    }

    #[test]
    fn unlocked_between() {
        let names: Vec<String> = moves_unlocked_between(250, 1000)
            .into_iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(
            names,
            vec![
                "Whirlwind Heel Drop",
                "Thunderclap Knee",
                "Crimson Lotus Barrage"
            ]
        );
        assert!(moves_unlocked_between(1000, 1000).is_empty());
        assert!(moves_unlocked_between(1000, 500).is_empty());
    }

    #[test]
    fn powers_rise_with_unlock_order() {
        let m = all_moves();
        assert!(m.windows(2).all(|w| w[0].power < w[1].power));
    }
}
