//! Rival duels (§8): the power formula and a seeded, deterministic battle simulation
//! with a round-by-round replay. The same snapshots and seed always give the same
//! battle, on the server or in the battle Lambda (the types travel as JSON).
//!
//! **Power** = 50 + 4 × √(total XP) + 2 × √(Strength XP) + 3 × min(streak, 30).
//! Square roots keep veterans ahead without making them untouchable; the streak term
//! (at most +90) rewards showing up lately.
//!
//! **Battle**: both fighters start at 100 HP. Each round one exchange is won by the
//! challenger with probability `0.5 + 0.4 × (Pc − Po) / (Pc + Po)` (so always between
//! 10% and 90%); the exchange winner hits with a basic strike or one of their moves for
//! 14–26 damage plus a fifth of the move's power, 1 in 10 hits being critical (×1.5).
//! First to 0 HP loses; after 30 rounds (not reachable in practice) the higher HP wins,
//! then the higher power, then the challenger. Moves size the hits; power decides who
//! lands them.

use crate::class::Class;
use crate::moves::Move;
use crate::rng::{SplitMix64, fnv1a};
use serde::{Deserialize, Serialize};

pub const START_HP: i64 = 100;
pub const MAX_ROUNDS: u32 = 30;
/// Fighting XP for the winner.
pub const WIN_XP: i64 = 40;
/// Extra Fighting XP when the winner had the lower power.
pub const UPSET_BONUS_XP: i64 = 20;
/// The loser's Training Arc Buff.
pub const LOSER_BUFF_MULTIPLIER: f64 = 1.25;
pub const LOSER_BUFF_HOURS: i64 = 72;
const MIN_DAMAGE: u64 = 14;
const MAX_DAMAGE: u64 = 26;
const CRIT_CHANCE: f64 = 0.10;
const STREAK_CAP: u32 = 30;

/// A player's duel snapshot, taken when the duel is accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fighter {
    pub username: String,
    pub total_xp: i64,
    pub streak: u32,
    pub strength_xp: i64,
    pub class: Class,
    pub level: u32,
    pub moves: Vec<Move>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Challenger,
    Opponent,
}

/// One round of the replay, as in the API's `duel.rounds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub n: u32,
    pub lines: Vec<String>,
    pub challenger_hp: i64,
    pub opponent_hp: i64,
}

/// What the duel pays out (fixed amounts: no multiplier applies).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rewards {
    /// Fighting XP for the winner (40, or 60 on an upset).
    pub winner_fighting_xp: i64,
    pub loser_buff_multiplier: f64,
    pub loser_buff_hours: i64,
}

/// A resolved duel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Battle {
    pub seed: u64,
    pub winner: Side,
    pub winner_username: String,
    pub loser_username: String,
    /// The winner's power was lower than the loser's.
    pub upset: bool,
    pub challenger_power: f64,
    pub opponent_power: f64,
    pub rounds: Vec<Round>,
    pub rewards: Rewards,
}

/// The documented power formula (see the module doc). Negative inputs count as 0.
pub fn power(f: &Fighter) -> f64 {
    50.0 + 4.0 * (f.total_xp.max(0) as f64).sqrt()
        + 2.0 * (f.strength_xp.max(0) as f64).sqrt()
        + 3.0 * f64::from(f.streak.min(STREAK_CAP))
}

/// The challenger's chance to win one exchange.
pub fn exchange_odds(challenger_power: f64, opponent_power: f64) -> f64 {
    let sum = challenger_power + opponent_power;
    if sum.is_nan() || sum <= 0.0 {
        return 0.5;
    }
    (0.5 + 0.4 * (challenger_power - opponent_power) / sum).clamp(0.1, 0.9)
}

/// A stable seed from a duel id (64-bit FNV-1a of its UTF-8 bytes).
pub fn seed_from_duel_id(duel_id: &str) -> u64 {
    fnv1a(duel_id.as_bytes())
}

fn basic_strike(class: Class) -> &'static str {
    match class {
        Class::Brawler => "Haymaker",
        Class::Speedster => "Blitz Kick",
        Class::Strategist => "Calculated Jab",
        Class::Balanced => "Smash",
    }
}

/// Runs the whole battle. Pure: same fighters and seed, same `Battle`.
pub fn simulate(challenger: &Fighter, opponent: &Fighter, seed: u64) -> Battle {
    let mut rng = SplitMix64::new(seed);
    let (pc, po) = (power(challenger), power(opponent));
    let odds = exchange_odds(pc, po);
    let mut hp = [START_HP, START_HP];
    let fighters = [challenger, opponent];
    let mut rounds = Vec::new();
    let mut winner = None;

    for n in 1..=MAX_ROUNDS {
        let mut lines = Vec::with_capacity(4);
        if n == 1 {
            lines.push(format!(
                "{} (power {:.0}) squares off against {} (power {:.0})!",
                challenger.username, pc, opponent.username, po
            ));
        }
        let attacker = if rng.next_f64() < odds { 0 } else { 1 };
        let defender = 1 - attacker;
        let a = fighters[attacker];
        let d = fighters[defender];
        // Slot 0 is the basic strike; the rest are the attacker's moves.
        let pick = rng.index(a.moves.len() + 1);
        let (move_name, move_power) = match pick.checked_sub(1).and_then(|i| a.moves.get(i)) {
            Some(m) => (m.name.as_str(), m.power),
            None => (basic_strike(a.class), 0),
        };
        let mut damage = rng.range(MIN_DAMAGE, MAX_DAMAGE) as i64 + i64::from(move_power / 5);
        let critical = rng.next_f64() < CRIT_CHANCE;
        if critical {
            damage = damage * 3 / 2;
        }
        if move_power > 0 {
            lines.push(format!("{} unleashes {}!", a.username, move_name));
        } else {
            lines.push(format!("{} throws a {}.", a.username, move_name));
        }
        if critical {
            lines.push("Critical hit! The crowd goes silent.".to_string());
        }
        hp[defender] = (hp[defender] - damage).max(0);
        lines.push(format!(
            "{} takes {} damage ({} HP left).",
            d.username, damage, hp[defender]
        ));
        if hp[defender] == 0 {
            lines.push(format!("{} is down! {} wins!", d.username, a.username));
            winner = Some(attacker);
        } else if hp[defender] <= 25 {
            lines.push(format!("{} staggers but refuses to fall!", d.username));
        }
        rounds.push(Round {
            n,
            lines,
            challenger_hp: hp[0],
            opponent_hp: hp[1],
        });
        if winner.is_some() {
            break;
        }
    }

    let winner = winner.unwrap_or_else(|| {
        // Only after MAX_ROUNDS without a knockout: decide on points.
        let by_points = if hp[0] != hp[1] {
            if hp[0] > hp[1] { 0 } else { 1 }
        } else if po > pc {
            1
        } else {
            0
        };
        if let Some(last) = rounds.last_mut() {
            last.lines.push(format!(
                "Time! The judges give it to {}.",
                fighters[by_points].username
            ));
        }
        by_points
    });
    let (win_power, lose_power) = if winner == 0 { (pc, po) } else { (po, pc) };
    let upset = win_power < lose_power;
    Battle {
        seed,
        winner: if winner == 0 {
            Side::Challenger
        } else {
            Side::Opponent
        },
        winner_username: fighters[winner].username.clone(),
        loser_username: fighters[1 - winner].username.clone(),
        upset,
        challenger_power: pc,
        opponent_power: po,
        rounds,
        rewards: Rewards {
            winner_fighting_xp: WIN_XP + if upset { UPSET_BONUS_XP } else { 0 },
            loser_buff_multiplier: LOSER_BUFF_MULTIPLIER,
            loser_buff_hours: LOSER_BUFF_HOURS,
        },
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::moves::moves_for;
    use proptest::prelude::*;

    pub(crate) fn fighter(name: &str, total_xp: i64, streak: u32, strength_xp: i64) -> Fighter {
        Fighter {
            username: name.into(),
            total_xp,
            streak,
            strength_xp,
            class: Class::Balanced,
            level: crate::level::level_for_xp(total_xp),
            moves: moves_for(total_xp / 5),
        }
    }

    #[test]
    fn power_formula() {
        assert_eq!(power(&fighter("a", 0, 0, 0)), 50.0);
        // 50 + 4×100 + 2×50 + 3×7 = 571
        assert_eq!(power(&fighter("a", 10_000, 7, 2_500)), 571.0);
        // The streak term caps at 30 days.
        assert_eq!(power(&fighter("a", 0, 100, 0)), 140.0);
        assert_eq!(power(&fighter("a", -50, 0, -3)), 50.0);
    }

    #[test]
    fn odds_are_bounded() {
        assert_eq!(exchange_odds(100.0, 100.0), 0.5);
        assert!((exchange_odds(300.0, 100.0) - 0.7).abs() < 1e-12);
        assert!(exchange_odds(1e9, 1.0) <= 0.9);
        assert!(exchange_odds(1.0, 1e9) >= 0.1);
        assert_eq!(exchange_odds(0.0, 0.0), 0.5);
    }

    #[test]
    fn battles_end_with_a_knockout_and_consistent_rewards() {
        let a = fighter("Kenji", 6000, 5, 2000);
        let b = fighter("Rin", 4000, 12, 800);
        for seed in 0..300 {
            let battle = simulate(&a, &b, seed);
            assert!(!battle.rounds.is_empty() && battle.rounds.len() <= MAX_ROUNDS as usize);
            let last = battle.rounds.last().unwrap();
            assert!(last.challenger_hp == 0 || last.opponent_hp == 0);
            let (w, l) = match battle.winner {
                Side::Challenger => (&a, &b),
                Side::Opponent => (&b, &a),
            };
            assert_eq!(battle.winner_username, w.username);
            assert_eq!(battle.loser_username, l.username);
            assert_eq!(battle.upset, power(w) < power(l));
            assert_eq!(
                battle.rewards.winner_fighting_xp,
                if battle.upset { 60 } else { 40 }
            );
            assert!(
                battle
                    .rounds
                    .iter()
                    .enumerate()
                    .all(|(i, r)| r.n == i as u32 + 1)
            );
        }
    }

    #[test]
    fn narration_names_moves() {
        let a = fighter("Kenji", 20_000, 5, 2000); // knows all moves (4000 Fighting)
        let b = fighter("Rin", 20_000, 5, 2000);
        let text: String = (0..50)
            .flat_map(|s| simulate(&a, &b, s).rounds)
            .flat_map(|r| r.lines)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains("Sunbreaker Final Fist"));
        assert!(text.contains("Smash"));
    }

    #[test]
    fn duel_id_seed_is_stable() {
        assert_eq!(seed_from_duel_id(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(
            seed_from_duel_id("3f1c2a9e-0000-4000-8000-000000000001"),
            seed_from_duel_id("3f1c2a9e-0000-4000-8000-000000000001")
        );
        assert_ne!(seed_from_duel_id("a"), seed_from_duel_id("b"));
    }

    #[test]
    fn replay_survives_json() {
        let a = fighter("Kenji", 6000, 5, 2000);
        let b = fighter("Rin", 4000, 12, 800);
        let battle = simulate(&a, &b, 7);
        let json = serde_json::to_string(&battle).unwrap();
        let back: Battle = serde_json::from_str(&json).unwrap();
        assert_eq!(back, battle);
        let a2: Fighter = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(simulate(&a2, &b, 7), battle);
    }

    fn win_rate(challenger: &Fighter, opponent: &Fighter) -> f64 {
        let wins = (0..2000u64)
            .filter(|s| {
                simulate(challenger, opponent, s.wrapping_mul(0x9E37_79B9)).winner
                    == Side::Challenger
            })
            .count();
        wins as f64 / 2000.0
    }

    #[test]
    fn win_rate_rises_with_the_gap_but_underdogs_win() {
        let opponent = fighter("Rival", 2500, 3, 500); // power ≈ 304
        let mut last = 0.0;
        let mut rates = vec![];
        for total in [2500, 3500, 5000, 8000, 15_000, 40_000] {
            let mut c = fighter("Hero", total, 3, 500);
            c.moves = opponent.moves.clone();
            let rate = win_rate(&c, &opponent);
            rates.push(rate);
            assert!(rate > last, "rates {rates:?}");
            last = rate;
        }
        // Equal fighters: a coin flip. Close fights stay far from certain.
        assert!((0.45..0.55).contains(&rates[0]), "{rates:?}");
        assert!(rates[1] < 0.8, "{rates:?}");
        // Even a clear favourite sometimes loses.
        assert!(rates[3] < 1.0, "{rates:?}");
    }

    proptest! {
        #[test]
        fn same_inputs_same_replay(
            xa in 0i64..100_000, xb in 0i64..100_000,
            sa in 0u32..60, sb in 0u32..60,
            seed in any::<u64>(),
        ) {
            let a = fighter("A", xa, sa, xa / 3);
            let b = fighter("B", xb, sb, xb / 4);
            let one = simulate(&a, &b, seed);
            let two = simulate(&a.clone(), &b.clone(), seed);
            prop_assert_eq!(&one, &two);
            prop_assert!(one.rounds.len() <= MAX_ROUNDS as usize);
        }
    }
}
