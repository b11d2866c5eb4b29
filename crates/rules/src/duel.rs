//! The battle request that travels to a battle executor (in-process or the battle
//! Lambda) and the one function both run on it, so the two give identical results.

use crate::battle::{Battle, Fighter, seed_from_duel_id, simulate};
use serde::{Deserialize, Serialize};

/// What a battle executor receives: the duel id (the seed's source) and the two
/// snapshots taken at acceptance. The Lambda's input JSON has exactly this shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuelInput {
    pub duel_id: String,
    pub challenger: Fighter,
    pub opponent: Fighter,
}

/// Fights the duel: `simulate` seeded with `seed_from_duel_id(duel_id)`.
pub fn fight(input: &DuelInput) -> Battle {
    simulate(
        &input.challenger,
        &input.opponent,
        seed_from_duel_id(&input.duel_id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battle::tests::fighter;

    #[test]
    fn fight_is_simulate_seeded_by_the_duel_id() {
        let input = DuelInput {
            duel_id: "42".into(),
            challenger: fighter("Kenji", 6000, 5, 2000),
            opponent: fighter("Rin", 4000, 12, 800),
        };
        let b = fight(&input);
        assert_eq!(b.seed, seed_from_duel_id("42"));
        assert_eq!(
            b,
            simulate(&input.challenger, &input.opponent, seed_from_duel_id("42"))
        );
        let json = serde_json::to_string(&input).unwrap();
        let back: DuelInput = serde_json::from_str(&json).unwrap();
        assert_eq!(fight(&back), b);
        // Another duel between the same fighters is another fight.
        let other = DuelInput {
            duel_id: "43".into(),
            ..input
        };
        assert_ne!(fight(&other).seed, b.seed);
    }
}
