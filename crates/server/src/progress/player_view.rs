//! The contract's `player` object of a stored row at a moment: levels, title, stats,
//! fatigue, streak, buffs, skills, Plot Armor charges and the settings waiting to
//! apply. Pure: the adapters bring whether the player trained today (from the hot
//! state) and the avatar's link.

use crate::clock::from_micros;
use crate::model::{Buff, Pending, Player, SkillState, Stats};
use crate::player::{
    buff_active, calendar, chain, class, display_streak, fatigue_now, schedule_of, settle, today,
    training_days,
};
use crate::storage::PlayerRow;
use chrono::{DateTime, Utc};
use shonen_rules::{level_for_xp, skills_for, title, xp_for_next_level, xp_into_level};

pub fn stats_of(p: &PlayerRow) -> Stats {
    Stats {
        strength: p.xp_strength,
        agility: p.xp_agility,
        intelligence: p.xp_intelligence,
        fighting: p.xp_fighting,
        discipline: p.xp_discipline,
    }
}

/// The contract's `player` object.
pub fn player_of(
    p: &PlayerRow,
    now: DateTime<Utc>,
    trained_today: bool,
    avatar_url: Option<String>,
) -> Player {
    let pending = calendar(p).pending(now);
    let mut settled = p.clone();
    settle(&mut settled, now);
    let p = &settled;
    let level = level_for_xp(p.total_xp);
    let class = class(p);
    let buffs = if buff_active(p, now) {
        vec![Buff {
            name: "Training Arc Buff".into(),
            multiplier: shonen_rules::award::TRAINING_ARC_BUFF,
            expires_at: p.buff_expires_at.map(|t| from_micros(t).to_rfc3339()),
        }]
    } else {
        Vec::new()
    };
    let skills = skills_for(class, level)
        .into_iter()
        .map(|s| SkillState {
            name: s.name,
            level: s.level,
            active: s.active,
        })
        .collect();
    let days = training_days(p)
        .days()
        .iter()
        .map(|d| d.as_str().to_string())
        .collect();
    Player {
        id: p.id,
        username: p.username.clone(),
        class: p.class.clone(),
        level,
        title: title(level).to_string(),
        total_xp: p.total_xp,
        xp_into_level: xp_into_level(p.total_xp),
        xp_for_next_level: xp_for_next_level(p.total_xp),
        stats: stats_of(p),
        fatigue: fatigue_now(p, now),
        streak: display_streak(p, trained_today),
        buffs,
        skills,
        plot_armor_charges: chain(p).plot_armor_charges(today(p, now), level),
        timezone: p.timezone.clone(),
        training_days: days,
        weekly_goal: p.weekly_goal,
        wake_target: p.wake_target.clone(),
        avatar_url,
        created_at: from_micros(p.created_at).to_rfc3339(),
        pending: pending.map(|w| pending_view(&w)),
    }
}

/// The contract's `player.pending`: the waiting settings in their API forms.
fn pending_view(w: &shonen_rules::Pending) -> Pending {
    Pending {
        timezone: w.timezone.clone(),
        training_days: w.training_days.as_ref().map(|days| {
            schedule_of(days)
                .days()
                .iter()
                .map(|d| d.as_str().to_string())
                .collect()
        }),
        weekly_goal: w.weekly_goal.map(i64::from),
        wake_target: w.wake_target.clone(),
        effective_at: w.effective_at.to_rfc3339(),
        weekly_goal_effective_at: w.weekly_goal_effective_at.map(|t| t.to_rfc3339()),
    }
}
