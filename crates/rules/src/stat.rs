//! The five stats every XP award goes to.

use serde::{Deserialize, Serialize};

/// A player stat. Every award goes to exactly one; penalties go to none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stat {
    Strength,
    Agility,
    Intelligence,
    Fighting,
    Discipline,
}

impl Stat {
    pub const ALL: [Stat; 5] = [
        Stat::Strength,
        Stat::Agility,
        Stat::Intelligence,
        Stat::Fighting,
        Stat::Discipline,
    ];

    /// The serde name (`"strength"`, ...), handy for database columns.
    pub fn as_str(self) -> &'static str {
        match self {
            Stat::Strength => "strength",
            Stat::Agility => "agility",
            Stat::Intelligence => "intelligence",
            Stat::Fighting => "fighting",
            Stat::Discipline => "discipline",
        }
    }

    /// The display name (`"Strength"`, ...).
    pub fn display_name(self) -> &'static str {
        match self {
            Stat::Strength => "Strength",
            Stat::Agility => "Agility",
            Stat::Intelligence => "Intelligence",
            Stat::Fighting => "Fighting",
            Stat::Discipline => "Discipline",
        }
    }

    /// Parses the serde name.
    pub fn parse(s: &str) -> Option<Stat> {
        Stat::ALL.into_iter().find(|stat| stat.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_lowercase() {
        for stat in Stat::ALL {
            let json = serde_json::to_string(&stat).unwrap();
            assert_eq!(json, format!("\"{}\"", stat.as_str()));
            assert_eq!(Stat::parse(stat.as_str()), Some(stat));
        }
        assert_eq!(Stat::parse("luck"), None);
    }
}
