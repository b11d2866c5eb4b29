//! The player's training schedule (§6, §7): training weekdays, the weekly goal, and
//! whether the player is behind schedule (which powers Shonen Rage Boost).

use crate::error::RuleError;
use serde::{Deserialize, Serialize};

/// A weekday as the API spells it (`"mon"` … `"sun"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// Monday = 1 … Sunday = 7.
    pub fn number_from_monday(self) -> u32 {
        self as u32 + 1
    }

    pub fn from_chrono(day: chrono::Weekday) -> Weekday {
        Weekday::ALL[day.num_days_from_monday() as usize % 7]
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }
}

/// The set of training weekdays. Serialized as an array in week order, no duplicates.
/// May be empty (a player with no scheduled days never skips).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "Vec<Weekday>", into = "Vec<Weekday>")]
pub struct TrainingDays(u8);

impl TrainingDays {
    pub fn new(days: &[Weekday]) -> TrainingDays {
        TrainingDays(days.iter().fold(0, |bits, d| bits | (1 << (*d as u8))))
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << (day as u8)) != 0
    }

    pub fn days(self) -> Vec<Weekday> {
        Weekday::ALL
            .into_iter()
            .filter(|d| self.contains(*d))
            .collect()
    }
}

impl Default for TrainingDays {
    /// Mon, Tue, Thu, Fri.
    fn default() -> Self {
        TrainingDays::new(&[Weekday::Mon, Weekday::Tue, Weekday::Thu, Weekday::Fri])
    }
}

impl From<Vec<Weekday>> for TrainingDays {
    fn from(days: Vec<Weekday>) -> Self {
        TrainingDays::new(&days)
    }
}

impl From<TrainingDays> for Vec<Weekday> {
    fn from(days: TrainingDays) -> Self {
        days.days()
    }
}

/// Training days per week the player aims for, 1–7 (default 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u8")]
pub struct WeeklyGoal(u8);

impl WeeklyGoal {
    pub fn new(goal: i64) -> Result<WeeklyGoal, RuleError> {
        u8::try_from(goal)
            .ok()
            .filter(|g| (1..=7).contains(g))
            .map(WeeklyGoal)
            .ok_or_else(|| {
                RuleError::invalid(
                    "weekly_goal",
                    format!("weekly_goal must be 1 to 7, got {goal}"),
                )
            })
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl Default for WeeklyGoal {
    fn default() -> Self {
        WeeklyGoal(4)
    }
}

impl TryFrom<i64> for WeeklyGoal {
    type Error = RuleError;
    fn try_from(goal: i64) -> Result<Self, RuleError> {
        WeeklyGoal::new(goal)
    }
}

impl From<WeeklyGoal> for u8 {
    fn from(goal: WeeklyGoal) -> u8 {
        goal.0
    }
}

/// §6: on weekday `d` (Monday = 1) the player is behind when the distinct training
/// days this week before day `d` number fewer than `floor(G × (d − 1) / 7)`.
pub fn behind_schedule(goal: WeeklyGoal, weekday: u32, training_days_before_today: u32) -> bool {
    let d = weekday.clamp(1, 7);
    let expected = u32::from(goal.get()) * (d - 1) / 7;
    training_days_before_today < expected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_and_serde() {
        let days = TrainingDays::default();
        assert_eq!(
            serde_json::to_string(&days).unwrap(),
            r#"["mon","tue","thu","fri"]"#
        );
        assert!(!days.contains(Weekday::Wed));
        let parsed: TrainingDays = serde_json::from_str(r#"["sun","mon","sun"]"#).unwrap();
        assert_eq!(parsed.days(), vec![Weekday::Mon, Weekday::Sun]);
        assert_eq!(Weekday::from_chrono(chrono::Weekday::Sun), Weekday::Sun);
        assert_eq!(Weekday::Thu.number_from_monday(), 4);
    }

    #[test]
    fn weekly_goal_range() {
        assert_eq!(WeeklyGoal::default().get(), 4);
        assert!(WeeklyGoal::new(0).is_err());
        assert!(WeeklyGoal::new(8).is_err());
        assert!(WeeklyGoal::new(7).is_ok());
        assert!(serde_json::from_str::<WeeklyGoal>("9").is_err());
        assert_eq!(serde_json::from_str::<WeeklyGoal>("3").unwrap().get(), 3);
    }

    #[test]
    fn behind_schedule_follows_the_floor() {
        let g4 = WeeklyGoal::default();
        // G = 4: expected before day d = floor(4(d−1)/7): 0,0,1,1,2,2,3.
        assert!(!behind_schedule(g4, 1, 0));
        assert!(!behind_schedule(g4, 2, 0));
        assert!(behind_schedule(g4, 3, 0));
        assert!(!behind_schedule(g4, 3, 1));
        assert!(behind_schedule(g4, 5, 1));
        assert!(!behind_schedule(g4, 5, 2));
        assert!(behind_schedule(g4, 7, 2));
        assert!(!behind_schedule(g4, 7, 3));
        let g7 = WeeklyGoal::new(7).unwrap();
        assert!(behind_schedule(g7, 2, 0));
        assert!(!behind_schedule(g7, 2, 1));
    }
}
