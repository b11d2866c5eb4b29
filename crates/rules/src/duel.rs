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

/// Duel wins a player is paid for per local day (§8).
pub const PAID_WINS_PER_DAY: u32 = 3;

/// Why a resolved duel paid nothing (§8): it is a friendly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Friendly {
    /// The pair already had a resolved duel this ISO week.
    WeeklyPairLimit,
    /// The winner was already paid for 3 wins on this local day.
    DailyWinLimit,
}

impl Friendly {
    pub fn as_str(self) -> &'static str {
        match self {
            Friendly::WeeklyPairLimit => "weekly_pair_limit",
            Friendly::DailyWinLimit => "daily_win_limit",
        }
    }
}

/// Whether a duel being resolved pays its rewards: only the first resolved duel of a
/// pair in an ISO week (`pair_resolved_this_week` counts the pair's earlier ones),
/// and only while the winner has been paid for fewer than 3 wins on their local date
/// (`winner_paid_today`). `Some` says why it is a friendly.
pub fn friendly(pair_resolved_this_week: u32, winner_paid_today: u32) -> Option<Friendly> {
    if pair_resolved_this_week > 0 {
        Some(Friendly::WeeklyPairLimit)
    } else if winner_paid_today >= PAID_WINS_PER_DAY {
        Some(Friendly::DailyWinLimit)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::battle::tests::fighter;
    use proptest::prelude::*;

    #[test]
    fn only_the_first_duel_of_a_pair_a_week_and_three_wins_a_day_pay() {
        assert_eq!(friendly(0, 0), None);
        assert_eq!(friendly(0, 2), None);
        assert_eq!(friendly(0, 3), Some(Friendly::DailyWinLimit));
        assert_eq!(friendly(1, 0), Some(Friendly::WeeklyPairLimit));
        assert_eq!(friendly(1, 5), Some(Friendly::WeeklyPairLimit));
    }

    proptest! {
        /// The alt farm: whatever order duels between any pairs resolve in,
        /// a player is paid at most 3 wins a day and each pair at most once a week.
        #[test]
        fn alt_farming_pays_at_most_the_limits(wins in prop::collection::vec((0u8..4, any::<bool>()), 0..60)) {
            // Player 0 duels alts 1..=4 within one day and one week.
            let mut pair_resolved = [0u32; 5];
            let mut paid = [0u32; 5];
            for (alt, main_wins) in wins {
                let alt = usize::from(alt) + 1;
                let winner = if main_wins { 0 } else { alt };
                if friendly(pair_resolved[alt], paid[winner]).is_none() {
                    paid[winner] += 1;
                }
                pair_resolved[alt] += 1;
            }
            prop_assert!(paid[0] <= PAID_WINS_PER_DAY);
            prop_assert!(paid.iter().sum::<u32>() <= 4, "one paid duel per pair");
        }
    }

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
