//! Skills (§6): which skill each class unlocks at which level, and whether it is active.

use crate::class::Class;
use serde::{Deserialize, Serialize};

/// Every skill of the game.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Skill {
    Tenacity,
    RageBoost,
    PlotArmor,
    LimitBreaker,
    FlashStep,
    CheckmateForesight,
    FullCowl,
}

impl Skill {
    pub const ALL: [Skill; 7] = [
        Skill::Tenacity,
        Skill::RageBoost,
        Skill::PlotArmor,
        Skill::LimitBreaker,
        Skill::FlashStep,
        Skill::CheckmateForesight,
        Skill::FullCowl,
    ];

    /// The display name shown to players.
    pub fn name(self) -> &'static str {
        match self {
            Skill::Tenacity => "Tenacity",
            Skill::RageBoost => "Shonen Rage Boost",
            Skill::PlotArmor => "Plot Armor",
            Skill::LimitBreaker => "Limit Breaker",
            Skill::FlashStep => "Flash Step",
            Skill::CheckmateForesight => "Checkmate Foresight",
            Skill::FullCowl => "Full Cowl",
        }
    }

    /// The level at which the skill becomes active.
    pub fn level(self) -> u32 {
        match self {
            Skill::Tenacity => 5,
            Skill::RageBoost => 10,
            Skill::PlotArmor => 15,
            _ => 20,
        }
    }

    /// The only class that can learn it; `None` = every class.
    pub fn class(self) -> Option<Class> {
        match self {
            Skill::LimitBreaker => Some(Class::Brawler),
            Skill::FlashStep => Some(Class::Speedster),
            Skill::CheckmateForesight => Some(Class::Strategist),
            Skill::FullCowl => Some(Class::Balanced),
            _ => None,
        }
    }

    pub fn effect(self) -> &'static str {
        match self {
            Skill::Tenacity => "The fatigue penalty is halved.",
            Skill::RageBoost => "x2 on training XP while behind schedule.",
            Skill::PlotArmor => {
                "3 charges a month: a skipped scheduled day gives +10 Discipline instead of the skip penalty and does not count toward a streak break."
            }
            Skill::LimitBreaker => "Strength session ceiling 150 instead of 120.",
            Skill::FlashStep => "Runs at a pace under 5:00 min/km get x1.25.",
            Skill::CheckmateForesight => {
                "Study cap 10 h a day; study sessions of 90 min or more get x1.20."
            }
            Skill::FullCowl => "The third and later distinct training kinds of a day get x1.20.",
        }
    }

    /// Whether a class can ever learn this skill.
    pub fn available_to(self, class: Class) -> bool {
        self.class().is_none_or(|c| c == class)
    }
}

/// Whether a player of `class` at `level` has `skill` active.
pub fn has(class: Class, level: u32, skill: Skill) -> bool {
    skill.available_to(class) && level >= skill.level()
}

/// One line of the player's skill list, as in the API's `player.skills`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillStatus {
    pub name: String,
    pub level: u32,
    pub active: bool,
}

/// The skills a class can learn, in unlock order, with whether each is active.
pub fn skills_for(class: Class, level: u32) -> Vec<SkillStatus> {
    Skill::ALL
        .into_iter()
        .filter(|s| s.available_to(class))
        .map(|s| SkillStatus {
            name: s.name().to_string(),
            level: s.level(),
            active: level >= s.level(),
        })
        .collect()
}

/// Skills that became active when the level went from `from` to `to`
/// (empty when the level did not rise).
pub fn skills_unlocked_between(class: Class, from: u32, to: u32) -> Vec<Skill> {
    Skill::ALL
        .into_iter()
        .filter(|s| s.available_to(class) && from < s.level() && s.level() <= to)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_class_sees_three_shared_skills_and_its_own() {
        for class in Class::ALL {
            let list = skills_for(class, 1);
            assert_eq!(list.len(), 4);
            assert!(list.iter().all(|s| !s.active));
            assert_eq!(list[0].name, "Tenacity");
            assert_eq!(list[1].name, "Shonen Rage Boost");
            assert_eq!(list[2].name, "Plot Armor");
        }
        let names = |c| {
            skills_for(c, 20)
                .into_iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Class::Brawler)[3], "Limit Breaker");
        assert_eq!(names(Class::Speedster)[3], "Flash Step");
        assert_eq!(names(Class::Strategist)[3], "Checkmate Foresight");
        assert_eq!(names(Class::Balanced)[3], "Full Cowl");
    }

    #[test]
    fn activation_levels() {
        let active = |level| {
            skills_for(Class::Brawler, level)
                .into_iter()
                .filter(|s| s.active)
                .count()
        };
        assert_eq!(active(4), 0);
        assert_eq!(active(5), 1);
        assert_eq!(active(9), 1);
        assert_eq!(active(10), 2);
        assert_eq!(active(14), 2);
        assert_eq!(active(15), 3);
        assert_eq!(active(19), 3);
        assert_eq!(active(20), 4);
        assert!(has(Class::Speedster, 20, Skill::FlashStep));
        assert!(!has(Class::Brawler, 20, Skill::FlashStep));
        assert!(!has(Class::Speedster, 19, Skill::FlashStep));
    }

    #[test]
    fn unlocked_between_levels() {
        assert_eq!(
            skills_unlocked_between(Class::Balanced, 4, 15),
            vec![Skill::Tenacity, Skill::RageBoost, Skill::PlotArmor]
        );
        assert_eq!(
            skills_unlocked_between(Class::Balanced, 19, 20),
            vec![Skill::FullCowl]
        );
        assert!(skills_unlocked_between(Class::Strategist, 5, 9).is_empty());
        assert!(skills_unlocked_between(Class::Strategist, 20, 5).is_empty());
    }
}
