//! Classes (§1): how the registration goals pick a class, and the class affinity
//! multiplier each class applies to its focus stats.

use crate::error::RuleError;
use crate::stat::Stat;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A player may re-take the classification at most once per this many days.
pub const RECLASSIFY_COOLDOWN_DAYS: i64 = 30;
/// Multiplier on the focus stat of Brawler, Speedster and Strategist.
pub const FOCUS_AFFINITY: f64 = 1.25;
/// Multiplier of Balanced on Strength, Agility, Intelligence and Fighting.
pub const BALANCED_AFFINITY: f64 = 1.10;
/// The highest goal score.
pub const GOAL_MAX: u8 = 10;

/// The player's three stated goals, each 0–10. Build with [`Goals::new`] or deserialize:
/// both validate, so a `Goals` in hand is always in range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawGoals")]
pub struct Goals {
    strength: u8,
    agility: u8,
    intelligence: u8,
}

#[derive(Deserialize)]
struct RawGoals {
    strength: i64,
    agility: i64,
    intelligence: i64,
}

impl TryFrom<RawGoals> for Goals {
    type Error = RuleError;
    fn try_from(raw: RawGoals) -> Result<Self, RuleError> {
        Goals::new(raw.strength, raw.agility, raw.intelligence)
    }
}

impl Goals {
    /// Validates each score into 0–10; the error names the field (`goals.agility`).
    pub fn new(strength: i64, agility: i64, intelligence: i64) -> Result<Goals, RuleError> {
        let check = |name: &str, v: i64| -> Result<u8, RuleError> {
            u8::try_from(v)
                .ok()
                .filter(|v| *v <= GOAL_MAX)
                .ok_or_else(|| {
                    RuleError::invalid(
                        format!("goals.{name}"),
                        format!("goals.{name} must be an integer from 0 to 10, got {v}"),
                    )
                })
        };
        Ok(Goals {
            strength: check("strength", strength)?,
            agility: check("agility", agility)?,
            intelligence: check("intelligence", intelligence)?,
        })
    }

    pub fn strength(&self) -> u8 {
        self.strength
    }
    pub fn agility(&self) -> u8 {
        self.agility
    }
    pub fn intelligence(&self) -> u8 {
        self.intelligence
    }
}

/// The four MC types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Brawler,
    Speedster,
    Strategist,
    Balanced,
}

impl Class {
    pub const ALL: [Class; 4] = [
        Class::Brawler,
        Class::Speedster,
        Class::Strategist,
        Class::Balanced,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Brawler => "brawler",
            Class::Speedster => "speedster",
            Class::Strategist => "strategist",
            Class::Balanced => "balanced",
        }
    }

    pub fn parse(s: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The stat this class specialises in; Balanced has none (it favours four).
    pub fn focus(self) -> Option<Stat> {
        match self {
            Class::Brawler => Some(Stat::Strength),
            Class::Speedster => Some(Stat::Agility),
            Class::Strategist => Some(Stat::Intelligence),
            Class::Balanced => None,
        }
    }
}

/// §1: the class of the top goal when it leads the second by at least 2, else Balanced.
/// A tie at the top has a lead of 0, so it is always Balanced.
pub fn classify(goals: Goals) -> Class {
    let mut scored = [
        (goals.strength, Class::Brawler),
        (goals.agility, Class::Speedster),
        (goals.intelligence, Class::Strategist),
    ];
    scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    let [(top, class), (second, _), _] = scored;
    if top - second >= 2 {
        class
    } else {
        Class::Balanced
    }
}

/// The class affinity multiplier for XP going to `stat`.
pub fn affinity(class: Class, stat: Stat) -> f64 {
    match (class, stat) {
        (Class::Balanced, Stat::Discipline) => 1.0,
        (Class::Balanced, _) => BALANCED_AFFINITY,
        (class, stat) if class.focus() == Some(stat) => FOCUS_AFFINITY,
        _ => 1.0,
    }
}

/// Whether a player who last classified at `last` may re-take it at `now`
/// (30 full days later, or never classified since registration).
pub fn can_reclassify(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    match last {
        None => true,
        Some(last) => now - last >= Duration::days(RECLASSIFY_COOLDOWN_DAYS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: i64, a: i64, i: i64) -> Goals {
        Goals::new(s, a, i).unwrap()
    }

    #[test]
    fn classification_needs_a_lead_of_two() {
        assert_eq!(classify(g(9, 7, 3)), Class::Brawler);
        assert_eq!(classify(g(9, 8, 3)), Class::Balanced);
        assert_eq!(classify(g(2, 10, 8)), Class::Speedster);
        assert_eq!(classify(g(2, 10, 9)), Class::Balanced);
        assert_eq!(classify(g(0, 0, 2)), Class::Strategist);
        assert_eq!(classify(g(0, 0, 1)), Class::Balanced);
        assert_eq!(classify(g(5, 5, 5)), Class::Balanced);
        assert_eq!(classify(g(10, 10, 0)), Class::Balanced);
        assert_eq!(classify(g(0, 0, 0)), Class::Balanced);
        assert_eq!(classify(g(10, 0, 0)), Class::Brawler);
    }

    #[test]
    fn goals_are_validated() {
        let err = Goals::new(11, 0, 0).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("goals.strength"));
        assert!(Goals::new(0, -1, 0).is_err());
        assert!(Goals::new(0, 0, 10).is_ok());
        let parsed: Result<Goals, _> =
            serde_json::from_str(r#"{"strength": 3, "agility": 12, "intelligence": 1}"#);
        assert!(parsed.is_err());
        let ok: Goals =
            serde_json::from_str(r#"{"strength": 3, "agility": 7, "intelligence": 1}"#).unwrap();
        assert_eq!(classify(ok), Class::Speedster);
    }

    #[test]
    fn affinity_table() {
        assert_eq!(affinity(Class::Brawler, Stat::Strength), 1.25);
        assert_eq!(affinity(Class::Brawler, Stat::Agility), 1.0);
        assert_eq!(affinity(Class::Speedster, Stat::Agility), 1.25);
        assert_eq!(affinity(Class::Speedster, Stat::Fighting), 1.0);
        assert_eq!(affinity(Class::Strategist, Stat::Intelligence), 1.25);
        assert_eq!(affinity(Class::Strategist, Stat::Discipline), 1.0);
        for stat in [
            Stat::Strength,
            Stat::Agility,
            Stat::Intelligence,
            Stat::Fighting,
        ] {
            assert_eq!(affinity(Class::Balanced, stat), 1.10);
        }
        assert_eq!(affinity(Class::Balanced, Stat::Discipline), 1.0);
    }

    #[test]
    fn class_serde_is_lowercase() {
        assert_eq!(
            serde_json::to_string(&Class::Strategist).unwrap(),
            "\"strategist\""
        );
        assert_eq!(Class::parse("balanced"), Some(Class::Balanced));
    }

    #[test]
    fn reclassify_cooldown_is_thirty_days() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert!(can_reclassify(None, t0));
        assert!(!can_reclassify(
            Some(t0),
            t0 + Duration::days(30) - Duration::seconds(1)
        ));
        assert!(can_reclassify(Some(t0), t0 + Duration::days(30)));
    }
}
