//! Recomputes every worked example of `docs/rules.md`, so the rulebook cannot drift
//! from the engine. The level table is parsed from the document itself.

use crate::award::{AwardContext, FactorName, TodayUsage, award, edit_correction};
use crate::battle::{exchange_odds, power};
use crate::streak::{ChainState, DayEventKind, DayFacts, apply_penalty, close_day};
use crate::strength::tests::{input, sets};
use crate::*;
use chrono::NaiveDate;

const RULES_MD: &str = include_str!("../../../docs/rules.md");

fn strength_xp(s: Vec<Set>, minutes: f64, fatigue: u8) -> Result<i64, RuleError> {
    session_xp(&input(s, minutes, fatigue), StrengthOptions::default()).map(|b| b.session_xp)
}

#[test]
fn seed_scenarios() {
    let light = session_xp(&input(sets(4, 10.0, 15), 25.0, 0), Default::default()).unwrap();
    assert!((light.base - 29.347).abs() < 0.001);
    assert!((light.raw - 23.48).abs() < 0.01);
    assert_eq!(light.session_xp, 23);

    let heavy = session_xp(&input(sets(12, 100.0, 5), 70.0, 0), Default::default()).unwrap();
    assert!((heavy.density - 85.71).abs() < 0.01);
    assert!((heavy.base - 122.22).abs() < 0.01);
    assert!((heavy.raw - 97.78).abs() < 0.01);
    assert_eq!(heavy.session_xp, 98);

    assert_eq!(
        strength_xp(sets(50, 0.0, 10), 60.0, 0).unwrap_err().code,
        ErrorCode::VolumeZero
    );
    assert_eq!(strength_xp(sets(12, 100.0, 5), 70.0, 85).unwrap(), 54);
}

#[test]
fn classification_examples() {
    let c = |s, a, i| classify(Goals::new(s, a, i).unwrap());
    assert_eq!(c(9, 7, 3), Class::Brawler);
    assert_eq!(c(9, 8, 3), Class::Balanced);
    assert_eq!(c(2, 10, 8), Class::Speedster);
    assert_eq!(c(5, 5, 5), Class::Balanced);
}

#[test]
fn edit_example() {
    let ctx = AwardContext {
        class: Class::Brawler,
        streak: 4,
        fatigue: 85,
        ..AwardContext::default()
    };
    let original = award(
        &ActivityInput::Strength {
            sets: sets(12, 100.0, 5),
            duration_min: 70.0,
        },
        &ctx,
    )
    .unwrap();
    assert_eq!(original.final_xp, 78);
    let fix = edit_correction(&original, sets(12, 100.0, 5), 70.0).unwrap();
    assert_eq!(fix.award.base, 43.0);
    assert_eq!(fix.award.final_xp, 62);
    assert_eq!(fix.delta, -16);
}

#[test]
fn run_examples() {
    let run = |km: f64, min: f64| ActivityInput::Run {
        distance_km: km,
        duration_min: min,
    };
    let balanced = AwardContext {
        class: Class::Balanced,
        fatigue: 45,
        streak: 3,
        ..AwardContext::default()
    };
    let a = award(&run(5.5, 33.0), &balanced).unwrap();
    assert!((a.base - 93.5).abs() < 1e-9);
    assert!((a.base * a.stack_product() - 113.135).abs() < 1e-9);
    assert_eq!(a.final_xp, 113);

    let speedster = AwardContext {
        class: Class::Speedster,
        level: 3,
        fatigue: 10,
        streak: 4,
        ..AwardContext::default()
    };
    let a = award(&run(8.0, 44.0), &speedster).unwrap();
    assert_eq!(a.base, 160.0);
    assert_eq!(
        a.factors
            .iter()
            .find(|f| f.name == FactorName::Combo)
            .map(|f| f.value),
        Some(1.15)
    );
    assert_eq!(a.final_xp, 230);

    let capped = AwardContext {
        today: TodayUsage {
            run_km: 45.0,
            ..TodayUsage::default()
        },
        ..AwardContext::default()
    };
    let a = award(&run(10.0, 60.0), &capped).unwrap();
    assert!(a.capped);
    assert_eq!(a.base, 100.0);
}

#[test]
fn streak_break_example() {
    let day = |d: u32| NaiveDate::from_ymd_opt(2025, 3, d).unwrap();
    let schedule = TrainingDays::default();
    let trained = [true, true, false, false, false];
    let mut state = ChainState::default();
    let mut total = 120i64;
    let mut rows = vec![];
    for (i, trained) in trained.into_iter().enumerate() {
        let date = day(3 + i as u32);
        let scheduled = schedule.contains(Weekday::from_chrono(chrono::Datelike::weekday(&date)));
        let (next, events) = close_day(
            state,
            date,
            DayFacts {
                trained,
                scheduled,
                registration_day: false,
            },
            1,
        );
        state = next;
        for e in &events {
            total -= apply_penalty(total, -e.xp);
        }
        rows.push((
            events.iter().map(|e| e.kind).collect::<Vec<_>>(),
            total,
            state.streak,
        ));
    }
    assert_eq!(
        rows,
        vec![
            (vec![], 120, 1),
            (vec![], 120, 2),
            (vec![], 120, 2),
            (vec![DayEventKind::Skip], 70, 2),
            (vec![DayEventKind::Skip, DayEventKind::StreakBroken], 0, 0),
        ]
    );
    assert_eq!(apply_penalty(20, 100), 20);
}

#[test]
fn level_table_in_the_doc_matches() {
    let mut rows = 0;
    for line in RULES_MD.lines() {
        let cells: Vec<String> = line
            .split('|')
            .map(|c| c.trim().replace(',', ""))
            .filter(|c| !c.is_empty())
            .collect();
        if cells.len() != 4 {
            continue;
        }
        let (Ok(level), Ok(start)) = (cells[0].parse::<u32>(), cells[1].parse::<i64>()) else {
            continue;
        };
        assert_eq!(xp_at_level(level), start, "level {level} start");
        let next = if cells[2] == "—" {
            0
        } else {
            cells[2].parse().unwrap()
        };
        assert_eq!(level::xp_to_next(level), next, "level {level} next");
        assert_eq!(title(level), cells[3], "level {level} title");
        rows += 1;
    }
    assert_eq!(rows, 25, "every row of the level table was checked");
}

#[test]
fn moves_table_in_the_doc_matches() {
    for m in moves::all_moves() {
        let row = format!("| {} | {} |", m.name, m.power);
        assert!(RULES_MD.contains(&row), "missing move row {row}");
    }
}

#[test]
fn power_example() {
    let f = |total_xp, strength_xp, streak| Fighter {
        username: "x".into(),
        total_xp,
        streak,
        strength_xp,
        class: Class::Brawler,
        level: 1,
        moves: vec![],
    };
    let strong = power(&f(10_000, 2_500, 7));
    let rival = power(&f(2_500, 500, 3));
    assert_eq!(strong, 571.0);
    assert!((rival - 303.72).abs() < 0.005);
    assert!((exchange_odds(strong, rival) - 0.622).abs() < 0.0005);
}

#[test]
fn behind_schedule_example() {
    let g = WeeklyGoal::default();
    // 1 day by Wednesday, 2 by Friday, 3 by Sunday.
    assert!(behind_schedule(g, 3, 0) && !behind_schedule(g, 3, 1));
    assert!(behind_schedule(g, 5, 1) && !behind_schedule(g, 5, 2));
    assert!(behind_schedule(g, 7, 2) && !behind_schedule(g, 7, 3));
    assert!(!behind_schedule(g, 2, 0));
}

#[test]
fn boss_example() {
    let objectives = vec![villain::Objective {
        kind: villain::ObjectiveKind::RunKm,
        text: "Run 15 km".into(),
        target: 15.0,
    }];
    let p = villain::progress(
        &objectives,
        &villain::WeekSummary {
            run_km: 7.5,
            ..Default::default()
        },
    );
    assert_eq!(p.hp_max - p.hp, 50);
    assert_eq!(villain::ObjectiveKind::RunKm.target(1), 10.0);
    assert_eq!(villain::DEFEAT_XP, 150);
    assert_eq!(villain::ESCAPE_PENALTY, 75);
}

#[test]
fn fair_play_examples() {
    use crate::calendar::{Calendar, Change, Settings};
    use chrono::{DateTime, Utc};
    // Splitting: the heavy compound (98) as 12 one-set sessions of 20 min.
    let one_set = strength_xp(sets(1, 100.0, 5), 20.0, 0).unwrap();
    assert_eq!(one_set, 28);
    let mut ctx = AwardContext {
        class: Class::Brawler,
        ..AwardContext::default()
    };
    let split = ActivityInput::Strength {
        sets: sets(1, 100.0, 5),
        duration_min: 20.0,
    };
    let mut earned = Vec::new();
    for n in 0..12 {
        ctx.today = TodayUsage {
            strength_sessions: n,
            ..TodayUsage::default()
        };
        // The sessions before this one that earned count for consistency (capped
        // ones do not).
        ctx.strength_sessions_last_7d = n.min(2);
        earned.push(award(&split, &ctx).unwrap().final_xp);
    }
    // 28 × 1.25 = 35; the second is the week's second session: 32 × 1.25 = 40.
    assert_eq!(&earned[..3], &[35, 40, 0]);
    ctx.today = TodayUsage::default();
    ctx.strength_sessions_last_7d = 0;
    let whole = ActivityInput::Strength {
        sets: sets(12, 100.0, 5),
        duration_min: 70.0,
    };
    assert_eq!(award(&whole, &ctx).unwrap().final_xp, 123);
    assert!(RULES_MD.contains("earns 98 × 1.25 = **123**"));
    assert_eq!(earned.iter().sum::<i64>(), 75);
    // One 0.5 kg rep in 20 min: the 20-XP floor, twice a day.
    assert_eq!(strength_xp(sets(1, 0.5, 1), 20.0, 0).unwrap(), 20);
    assert!(RULES_MD.contains("28 × 1.25 = **35**, the second 32 × 1.25 = **40**"));
    assert!(RULES_MD.contains("earn **75** in all"));

    // The hop east and the hop west.
    let s = |tz: &str| Settings {
        timezone: tz.into(),
        training_days: "mon,tue,thu,fri".into(),
        weekly_goal: 4,
        wake_target: "06:30".into(),
    };
    let at = |x: &str| x.parse::<DateTime<Utc>>().unwrap();
    let d = |x: &str| x.parse::<NaiveDate>().unwrap();
    let hop = |tz: &str| Change {
        timezone: Some(tz.into()),
        ..Change::default()
    };
    let utc = Calendar::new(s("UTC"), at("2026-03-02T08:00:00Z"), d("2026-03-02"))
        .change(at("2026-03-04T12:00:00Z"), &hop("Pacific/Kiritimati"));
    assert_eq!(
        utc.pending(at("2026-03-04T12:00:00Z"))
            .unwrap()
            .effective_at,
        at("2026-03-05T00:00:00Z")
    );
    assert_eq!(utc.date_at(at("2026-03-05T09:59:00Z")), d("2026-03-05"));
    assert_eq!(utc.date_at(at("2026-03-05T10:00:00Z")), d("2026-03-06"));
    let kiri = Calendar::new(
        s("Pacific/Kiritimati"),
        at("2026-03-01T00:00:00Z"),
        d("2026-03-01"),
    )
    .change(at("2026-03-03T22:00:00Z"), &hop("Pacific/Pago_Pago"));
    assert_eq!(kiri.start_of(d("2026-03-05")), at("2026-03-04T10:00:00Z"));
    assert_eq!(kiri.start_of(d("2026-03-06")), at("2026-03-06T11:00:00Z"));
    assert!(RULES_MD.contains("lasts **49 hours**"));

    // Weekly goal on a Wednesday: next Monday.
    let wed = Calendar::new(s("UTC"), at("2026-03-02T08:00:00Z"), d("2026-03-02")).change(
        at("2026-03-04T12:00:00Z"),
        &Change {
            weekly_goal: Some(7),
            ..Change::default()
        },
    );
    assert_eq!(
        wed.pending(at("2026-03-04T12:00:00Z"))
            .unwrap()
            .effective_at,
        at("2026-03-09T00:00:00Z")
    );
}
