//! The typed results of the use cases (`crate::model`) as their protobuf messages,
//! field by field: the hot replies (a logged activity, the dashboard, the player,
//! the boss) are built without going through JSON text. `message` (in `convert`)
//! remains for the replies not listed here.
//!
//! The contract's `null` (absent) is an unset optional field; a `null` list is an
//! empty repeated field; a `null` string that protobuf declares plain is `""`, as
//! the JSON conversion gives.

use super::proto;
use crate::model;
use crate::progress::ActivityBody;
use crate::validate::is_clean_text;
use chrono::{DateTime, FixedOffset, Utc};
use shonen_rules::Set;
use tonic::Status;

impl From<model::Stats> for proto::Stats {
    fn from(s: model::Stats) -> Self {
        proto::Stats {
            strength: s.strength,
            agility: s.agility,
            intelligence: s.intelligence,
            fighting: s.fighting,
            discipline: s.discipline,
        }
    }
}

impl From<model::Buff> for proto::Buff {
    fn from(b: model::Buff) -> Self {
        proto::Buff {
            name: b.name,
            multiplier: b.multiplier,
            expires_at: b.expires_at.unwrap_or_default(),
        }
    }
}

impl From<model::SkillState> for proto::SkillStatus {
    fn from(s: model::SkillState) -> Self {
        proto::SkillStatus {
            name: s.name,
            level: s.level,
            active: s.active,
        }
    }
}

impl From<model::Pending> for proto::PendingSettings {
    fn from(p: model::Pending) -> Self {
        proto::PendingSettings {
            timezone: p.timezone,
            training_days: p.training_days.unwrap_or_default(),
            weekly_goal: p.weekly_goal,
            wake_target: p.wake_target,
            effective_at: p.effective_at,
            weekly_goal_effective_at: p.weekly_goal_effective_at,
        }
    }
}

impl From<model::Player> for proto::Player {
    fn from(p: model::Player) -> Self {
        proto::Player {
            id: p.id,
            username: p.username,
            class: p.class,
            level: p.level,
            title: p.title,
            total_xp: p.total_xp,
            xp_into_level: p.xp_into_level,
            xp_for_next_level: p.xp_for_next_level,
            stats: Some(p.stats.into()),
            fatigue: u32::from(p.fatigue),
            streak: p.streak,
            buffs: p.buffs.into_iter().map(Into::into).collect(),
            skills: p.skills.into_iter().map(Into::into).collect(),
            plot_armor_charges: u32::from(p.plot_armor_charges),
            timezone: p.timezone,
            training_days: p.training_days,
            weekly_goal: p.weekly_goal,
            wake_target: p.wake_target,
            avatar_url: p.avatar_url,
            created_at: p.created_at,
            pending: p.pending.map(Into::into),
        }
    }
}

impl From<model::SetView> for proto::Set {
    fn from(s: model::SetView) -> Self {
        proto::Set {
            exercise: s.exercise,
            weight_kg: s.weight_kg,
            reps: s.reps,
        }
    }
}

impl From<model::Activity> for proto::Activity {
    fn from(a: model::Activity) -> Self {
        proto::Activity {
            id: a.id,
            kind: a.kind,
            occurred_at: a.occurred_at,
            local_date: a.local_date,
            xp: a.xp,
            stat: a.stat,
            edited: a.edited,
            capped: a.capped,
            duration_min: a.duration_min,
            distance_km: a.distance_km,
            sets: a
                .sets
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            style: a.style,
            woke_at: a.woke_at,
            note: a.note,
            created_at: a.created_at,
            photos: a.photos,
        }
    }
}

impl From<model::Factor> for proto::Factor {
    fn from(f: model::Factor) -> Self {
        proto::Factor {
            name: f.name,
            value: f.value,
            stage: f.stage.unwrap_or_default(),
        }
    }
}

impl From<model::LevelUp> for proto::LevelUp {
    fn from(l: model::LevelUp) -> Self {
        proto::LevelUp {
            from: l.from,
            to: l.to,
            title: l.title,
        }
    }
}

impl TryFrom<model::Award> for proto::Award {
    type Error = Status;
    fn try_from(a: model::Award) -> Result<Self, Status> {
        // The strength working is the rules crate's breakdown, kept as JSON in the
        // model; its message has the same field names.
        let strength = match a.strength {
            Some(v) => Some(super::convert::message::<proto::StrengthBreakdown>(v)?),
            None => None,
        };
        Ok(proto::Award {
            stat: a.stat,
            base: a.base,
            r#final: a.final_xp,
            factors: a.factors.into_iter().map(Into::into).collect(),
            capped: a.capped,
            message: a.message,
            level_up: a.level_up.map(Into::into),
            skills_unlocked: a.skills_unlocked,
            moves_unlocked: a.moves_unlocked,
            strength,
        })
    }
}

impl TryFrom<model::ActivityAward> for proto::ActivityReply {
    type Error = Status;
    fn try_from(r: model::ActivityAward) -> Result<Self, Status> {
        Ok(proto::ActivityReply {
            activity: Some(r.activity.into()),
            award: Some(r.award.try_into()?),
        })
    }
}

impl From<model::Objective> for proto::Objective {
    fn from(o: model::Objective) -> Self {
        proto::Objective {
            text: o.text,
            target: o.target,
            progress: o.progress,
            done: o.done,
        }
    }
}

impl From<model::BossReward> for proto::BossReward {
    fn from(r: model::BossReward) -> Self {
        proto::BossReward {
            xp: r.xp,
            stat: r.stat,
            badge: r.badge,
        }
    }
}

impl From<model::PendingCutscene> for proto::PendingCutscene {
    fn from(c: model::PendingCutscene) -> Self {
        proto::PendingCutscene {
            week: c.week,
            name: c.name,
            cutscene: c.cutscene.unwrap_or_default(),
            also_unseen: c.also_unseen,
        }
    }
}

impl From<model::Boss> for proto::Boss {
    fn from(b: model::Boss) -> Self {
        proto::Boss {
            week: b.week,
            week_start: b.week_start,
            ends_at: b.ends_at,
            name: b.name,
            epithet: b.epithet,
            taunt: b.taunt,
            weakness: b.weakness,
            level: b.level,
            hp: b.hp,
            hp_max: b.hp_max,
            objectives: b.objectives.into_iter().map(Into::into).collect(),
            status: b.status,
            reward: Some(b.reward.into()),
            badge: b.badge,
            cutscene: b.cutscene,
            penalty: b.penalty,
            resolved_at: b.resolved_at,
            pending_cutscene: b.pending_cutscene.map(Into::into),
        }
    }
}

impl From<model::WeekPoint> for proto::WeeklyPoint {
    fn from(w: model::WeekPoint) -> Self {
        proto::WeeklyPoint {
            week_start: w.week_start,
            xp: w.xp,
            by_stat: Some(w.by_stat.into()),
        }
    }
}

/// A LogActivity request as the body REST parses, built field by field when every
/// field is one the REST parser accepts as it is (clean text, a finite number, an
/// RFC 3339 time); `None` otherwise, and the caller goes the JSON way, which gives
/// the REST error for the offending field.
pub fn activity_body(r: &proto::LogActivityRequest) -> Option<ActivityBody> {
    let clean = |s: &Option<String>| s.as_deref().is_none_or(is_clean_text);
    let finite = |n: Option<f64>| n.is_none_or(f64::is_finite);
    let sets_ok = r
        .sets
        .iter()
        .all(|s| is_clean_text(&s.exercise) && s.weight_kg.is_finite());
    if !(is_clean_text(&r.kind)
        && clean(&r.occurred_at)
        && clean(&r.style)
        && clean(&r.woke_at)
        && clean(&r.note)
        && finite(r.duration_min)
        && finite(r.distance_km)
        && sets_ok)
    {
        return None;
    }
    let occurred_at = match &r.occurred_at {
        Some(t) => Some(t.parse::<DateTime<FixedOffset>>().ok()?.with_timezone(&Utc)),
        None => None,
    };
    let sets = (!r.sets.is_empty()).then(|| {
        r.sets
            .iter()
            .map(|s| Set {
                exercise: s.exercise.clone(),
                weight_kg: s.weight_kg,
                reps: s.reps,
            })
            .collect()
    });
    Some(ActivityBody {
        kind: r.kind.clone(),
        occurred_at,
        duration_min: r.duration_min,
        distance_km: r.distance_km,
        sets,
        style: r.style.clone(),
        woke_at: r.woke_at.clone(),
        note: r.note.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The field-by-field conversion gives the message the JSON conversion gives
    /// (which the parity tests check against REST).
    #[test]
    fn typed_conversion_matches_the_json_one() {
        let activity: model::Activity = serde_json::from_value(json!({
            "id": 7, "kind": "strength", "occurred_at": "2026-11-30T10:00:00Z",
            "local_date": "2026-11-30", "xp": 61, "stat": "strength", "edited": false,
            "capped": true, "note": null, "created_at": "2026-11-30T10:00:01Z", "photos": ["/x"],
            "duration_min": 45.0,
            "sets": [{"exercise": "Back squat", "weight_kg": 100.0, "reps": 5}]
        }))
        .unwrap();
        let award: model::Award = serde_json::from_value(json!({
            "stat": "strength", "base": 50.5, "final": 61, "capped": false, "message": "ok",
            "factors": [{"name": "streak", "value": 1.1, "stage": "stack"}, {"name": "x", "value": 1.0}],
            "level_up": {"from": 1, "to": 2, "title": "Rookie"},
            "skills_unlocked": ["Tenacity"], "moves_unlocked": [],
            "strength": {"volume": 1500.0, "intensity": 0.8, "session_xp": 61, "message": "m"}
        }))
        .unwrap();
        let both = model::ActivityAward { activity, award };
        let by_json: proto::ActivityReply = super::super::convert::message(&both).unwrap();
        let typed: proto::ActivityReply = both.try_into().unwrap();
        assert_eq!(typed, by_json);

        let boss: model::Boss = serde_json::from_value(json!({
            "week": "2026-W49", "week_start": "2026-11-30", "ends_at": null, "name": "Laziness Demon",
            "epithet": "e", "taunt": "t", "weakness": "discipline", "level": 3, "hp": 10, "hp_max": 20,
            "objectives": [{"text": "o", "target": 3.0, "progress": 1.0, "done": false}],
            "status": "active", "reward": {"xp": 100, "stat": "discipline", "badge": "b"},
            "pending_cutscene": {"week": "2026-W48", "name": "n", "cutscene": null, "also_unseen": []}
        }))
        .unwrap();
        let by_json: proto::Boss = super::super::convert::message(&boss).unwrap();
        assert_eq!(proto::Boss::from(boss), by_json);
    }

    /// The direct build gives what the REST parser gives for the same body, and
    /// leaves anything the parser would reject to the parser.
    #[test]
    fn activity_bodies_match_the_rest_parser() {
        let r = proto::LogActivityRequest {
            kind: "strength".into(),
            occurred_at: Some("2026-11-30T07:15:00+01:00".into()),
            duration_min: Some(45.0),
            sets: vec![proto::Set {
                exercise: "Back squat".into(),
                weight_kg: 100.0,
                reps: 5,
            }],
            note: Some("legs\tday".into()),
            ..Default::default()
        };
        let direct = activity_body(&r).unwrap();
        let mut v = super::super::convert::body(&r).unwrap();
        v.as_object_mut().unwrap().remove("style");
        let parsed: ActivityBody = crate::extract::parse_value(v).unwrap();
        assert_eq!(format!("{direct:?}"), format!("{parsed:?}"));

        let bad = |f: fn(&mut proto::LogActivityRequest)| {
            let mut r = r.clone();
            f(&mut r);
            activity_body(&r).is_none()
        };
        assert!(bad(|r| r.occurred_at = Some("yesterday".into())));
        assert!(bad(|r| r.note = Some("a\u{0}b".into())));
        assert!(bad(|r| r.sets[0].exercise = "sq\u{7}uat".into()));
        assert!(bad(|r| r.duration_min = Some(f64::NAN)));
        assert!(bad(|r| r.sets[0].weight_kg = f64::INFINITY));
    }
}
