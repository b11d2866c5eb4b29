//! The pure half of logging an activity: from the player's state (the row, the day
//! totals of the activity's week, the strength sessions of the 7 days before it, the
//! current boss fight), the input and the moment, a `Plan`: the award, the rows to
//! write, and the boss damage. No I/O and no clock: the store commits the plan, and a
//! plan that needs more (a day to close, a fight to create or finish) says so.

use super::boss::{self, Hit};
use super::error::{ProgressError, internal};
use super::model::{LogInput, stored_award_json};
use super::news::BossNews;
use crate::ledger::apply_amount;
use crate::local;
use crate::model;
use crate::player::{buff_covers, calendar, chain, class, fatigue_now};
use crate::storage::{
    ActivityWrite, BattleRow, DayKind, DayUsage, NewActivity, NewLedgerEntry, PlayerRow, VillainRow,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use shonen_rules::award::{FactorStage, TodayUsage};
use shonen_rules::streak::ChainState;
use shonen_rules::{
    ActivityInput, ActivityKind, Award, AwardContext, WeeklyGoal, behind_schedule, level_for_xp,
    moves_unlocked_between, skills_unlocked_between, title,
};

/// What the player's progress looked like before an award, for level-up news.
#[derive(Debug, Clone, Copy)]
pub struct Before {
    pub level: u32,
    pub fighting: i64,
}

impl Before {
    pub fn of(p: &PlayerRow) -> Before {
        Before {
            level: level_for_xp(p.total_xp),
            fighting: p.xp_fighting,
        }
    }
}

/// The contract's `award` of a rules award, given the player before and after it.
pub fn award_view(award: &Award, before: &Before, p: &PlayerRow) -> model::Award {
    let class = class(p);
    let level = level_for_xp(p.total_xp);
    let factors = award
        .factors
        .iter()
        .map(|f| model::Factor {
            name: f.name.as_str().to_string(),
            value: f.value,
            stage: Some(
                match f.stage {
                    FactorStage::Base => "base",
                    FactorStage::Stack => "stack",
                }
                .to_string(),
            ),
        })
        .collect();
    let skills_unlocked = skills_unlocked_between(class, before.level, level)
        .into_iter()
        .map(|s| s.name().to_string())
        .collect();
    let moves_unlocked = moves_unlocked_between(before.fighting, p.xp_fighting)
        .into_iter()
        .map(|m| m.name)
        .collect();
    model::Award {
        stat: award.stat.as_str().to_string(),
        base: award.base,
        final_xp: award.final_xp,
        factors,
        capped: award.capped,
        message: award.message.clone(),
        level_up: (level > before.level).then(|| model::LevelUp {
            from: before.level,
            to: level,
            title: title(level).to_string(),
        }),
        skills_unlocked,
        moves_unlocked,
        strength: award
            .strength
            .as_ref()
            .and_then(|s| serde_json::to_value(s).ok()),
    }
}

/// A checked activity with the moment it is applied at. An activity without
/// `occurred_at` happens "now", stamped again on every attempt to write it, so that
/// the order activities are committed in is the order they happened in (the 7-day
/// strength count of one session then always sees the sessions before it).
#[derive(Debug)]
pub struct Request {
    pub input: LogInput,
    /// The `Idempotency-Key`, written with the activity.
    pub idem_key: Option<String>,
    pub occurred_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

impl Request {
    pub fn new(input: LogInput, idem_key: Option<String>, now: DateTime<Utc>) -> Request {
        let occurred_at = input.body.occurred_at.unwrap_or(now);
        Request {
            input,
            idem_key,
            occurred_at,
            now,
        }
    }

    /// The same request applied at `now`.
    pub fn stamp(&mut self, now: DateTime<Utc>) {
        self.now = now;
        self.occurred_at = self.input.body.occurred_at.unwrap_or(now);
    }

    /// The start of the 7 days before the activity, whose strength sessions count.
    pub fn strength_since(&self) -> i64 {
        (self.occurred_at - Duration::days(7)).timestamp_micros()
    }
}

/// The week of `date` up to `date`: the range `Facts::days` must cover.
pub fn fact_dates(date: NaiveDate) -> (String, String) {
    (local::week_start(date).to_string(), date.to_string())
}

/// What the rules need beyond the player row: the day totals of the activity's week
/// (at least from its Monday to its date) and the strength sessions of the 7 days
/// before it.
pub struct Facts<'a> {
    pub days: &'a [DayKind],
    pub strength_sessions_7d: i64,
    /// For training logged late into a closed date: the streak on that date, with the
    /// chain rebuilt (`day_close::rebuild_with`).
    pub late_streak: Option<u32>,
}

/// The player's fight of the current week as read, with its villain and that week's
/// day totals (without the activity).
pub struct Fight<'a> {
    pub battle: Option<&'a BattleRow>,
    pub villain: Option<&'a VillainRow>,
    pub week_days: &'a [DayKind],
}

/// An activity planned from one state of the player: everything it writes (applied
/// only if the player is still at the version it was planned from), its award, and
/// the boss damage it does.
#[derive(Debug)]
pub struct Plan {
    /// The rows: the player's new totals, the activity, its ledger entry, and the
    /// fight's new state.
    pub write: ActivityWrite,
    pub award: Award,
    pub view: model::Award,
    pub before: Before,
    pub boss: BossNews,
    /// The streak shown after this activity, when it changes it: the first training
    /// of today starts or extends the chain.
    pub streak: Option<u32>,
}

/// Applies the rules to one state of the player: the award and every row it writes.
/// The boss fight is left alone (see `plan_with_fight`).
pub fn plan(p: &PlayerRow, req: &Request, facts: &Facts) -> Result<Plan, ProgressError> {
    let now = req.now;
    let input = &req.input.input;
    let body = &req.input.body;
    let cal = calendar(p);
    // The activity's date by the player's calendar (§10), and the settings that
    // date began with: its wake target and its week's goal.
    let date = cal.date_at(req.occurred_at);
    let date_s = date.to_string();
    let today = cal.date_at(now);
    let settings = cal.settings_of_date(date);
    let kind = input.kind();
    // A wake-up stamped into a local date that has not begun (the 60 s of clock
    // skew can reach past midnight) woke later than the local time now (§2).
    if kind == ActivityKind::WakeUp && date > today {
        return Err(shonen_rules::RuleError::new(
            shonen_rules::ErrorCode::WakeInFuture,
            "woke_at",
            format!(
                "a wake-up on {date} is later than your local time now: that day has not begun"
            ),
        )
        .into());
    }
    let usage = DayUsage::of(facts.days, &date_s);
    let week_start = local::week_start(date);
    let level = level_for_xp(p.total_xp);
    let trained_days_before = facts
        .days
        .iter()
        .filter(|d| d.training != 0 && d.local_date < date_s)
        .filter(|d| local::parse_date(&d.local_date).is_some_and(|d| d >= week_start))
        .map(|d| d.local_date.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let wake_target = shonen_rules::parse_hhmm("wake_target", &settings.wake_target)
        .unwrap_or_else(|_| shonen_rules::activity::default_wake_target());
    let ctx = AwardContext {
        class: class(p),
        level,
        fatigue: fatigue_now(p, now),
        streak: facts
            .late_streak
            .unwrap_or_else(|| shonen_rules::streak::streak_for_activity(&chain(p), date)),
        // The buff of a loss counts the training done after it (§4, §10).
        training_arc_buff: buff_covers(p, req.occurred_at),
        behind_schedule: behind_schedule(
            WeeklyGoal::new(i64::from(settings.weekly_goal)).unwrap_or_default(),
            date.weekday().number_from_monday(),
            u32::try_from(trained_days_before).unwrap_or(u32::MAX),
        ),
        wake_target,
        // A wake-up today may not be later than the local time now (§2).
        local_time_now: (date >= today).then(|| cal.time_at(now)),
        today: TodayUsage {
            run_km: usage.run_km,
            study_min: usage.study_min,
            martial_arts_sessions: usage.martial_arts_sessions,
            strength_sessions: usage.strength_sessions,
            woke_today: usage.woke,
            training_kinds: usage
                .training_kinds
                .iter()
                .filter_map(|k| ActivityKind::parse(k))
                .collect(),
        },
        strength_sessions_last_7d: u32::try_from(facts.strength_sessions_7d).unwrap_or(u32::MAX),
        edited: false,
    };
    let award = shonen_rules::award(input, &ctx)?;
    let streak = (kind.is_training() && date == today && usage.training_kinds.is_empty())
        .then_some(ctx.streak);

    let before = Before::of(p);
    let mut after = p.clone();
    apply_amount(&mut after, Some(award.stat), award.final_xp);
    if kind.is_training() {
        after.fatigue = i64::from(award.fatigue_after);
        after.fatigue_at = now.timestamp_micros();
    }
    let view = award_view(&award, &before, &after);
    let stored = stored_award_json(&view, &award)?;
    let (sets_json, style, woke_at) = match input {
        ActivityInput::Strength { sets, .. } => (
            Some(serde_json::to_string(sets).map_err(internal)?),
            None,
            None,
        ),
        ActivityInput::MartialArts { style, .. } => (None, Some(style.clone()), None),
        ActivityInput::WakeUp { woke_at } => (None, None, Some(woke_at.clone())),
        _ => (None, None, None),
    };
    let activity = NewActivity {
        player_id: p.id,
        kind: kind.as_str().to_string(),
        occurred_at: req.occurred_at.timestamp_micros(),
        local_date: date_s,
        training: kind.is_training(),
        // Only kinds that have minutes or a distance keep one.
        duration_min: body.duration_min.filter(|_| kind != ActivityKind::WakeUp),
        distance_km: body.distance_km.filter(|_| kind == ActivityKind::Run),
        sets_json,
        style,
        woke_at,
        note: body.note.clone(),
        fatigue_before: i64::from(ctx.fatigue),
        sessions_last_7d: facts.strength_sessions_7d,
        xp: award.final_xp,
        stat: award.stat.as_str().to_string(),
        award_json: stored,
        now: now.timestamp_micros(),
        idem_key: req.idem_key.clone(),
    };
    let ledger = NewLedgerEntry {
        player_id: p.id,
        at: now.timestamp_micros(),
        stat: Some(award.stat.as_str().to_string()),
        amount: award.final_xp,
        reason: format!("{} logged", kind.as_str()),
        activity_id: None,
        rule_key: None,
        // The week of the activity's own date (§10: one calendar), not the week it
        // was logged in: Sunday's run logged on Monday counts for Sunday's week.
        week_start: local::week_start(date).to_string(),
    };
    Ok(Plan {
        write: ActivityWrite {
            player: after,
            activity,
            ledger,
            battle: None,
        },
        award,
        view,
        before,
        boss: BossNews::default(),
        streak,
    })
}

/// The settled local date a training activity (of `kind`, on local `date`) is logged
/// late into — a closed date, or one before the player `registered` — when that date
/// had no training yet in `days`: the chain is rebuilt with it, and a skip or a
/// streak break it may have cost is taken back (`log_locked`).
pub fn late_first_training(
    kind: ActivityKind,
    date: NaiveDate,
    chain: &ChainState,
    registered: NaiveDate,
    days: &[DayKind],
) -> Option<NaiveDate> {
    if !settled_training(kind, date, chain, registered) {
        return None;
    }
    let date_s = date.to_string();
    let trained = days
        .iter()
        .any(|d| d.local_date == date_s && d.training != 0);
    (!trained).then_some(date)
}

/// Whether a training activity on `date` is logged into a settled local date (closed,
/// or before registration): its combo is that date's place in the chain, which only
/// the days themselves tell (`day_close`).
pub fn settled_training(
    kind: ActivityKind,
    date: NaiveDate,
    chain: &ChainState,
    registered: NaiveDate,
) -> bool {
    kind.is_training()
        && (date < registered || chain.last_closed.is_some_and(|closed| date <= closed))
}

/// `plan` with the activity's hit on the current boss fight written along, or `None`
/// when the activity needs the player's lock: a day that ended and is not closed
/// yet, a first training logged late into a closed day (its skip is taken back), a
/// fight to create, or a boss it defeats.
pub fn plan_with_fight(
    p: &PlayerRow,
    req: &Request,
    facts: &Facts,
    fight: &Fight,
) -> Result<Option<Plan>, ProgressError> {
    let cal = calendar(p);
    let today = cal.date_at(req.now);
    let registered = local::parse_date(&p.registered_on).unwrap_or(today);
    let chain = chain(p);
    let kind = req.input.input.kind();
    if !shonen_rules::streak::days_to_close(&chain, registered, today).is_empty()
        || settled_training(kind, cal.date_at(req.occurred_at), &chain, registered)
    {
        return Ok(None);
    }
    let mut plan = plan(p, req, facts)?;
    Ok(strike_with(&mut plan, p, fight, req.now)?.then_some(plan))
}

/// Writes the planned activity's hit on the fight into `plan` (its new state, the
/// damage news); `false` when the fight needs the locked steps instead (a fight to
/// create, a boss it defeats), and `plan` is left as it was.
pub fn strike_with(
    plan: &mut Plan,
    p: &PlayerRow,
    fight: &Fight,
    now: DateTime<Utc>,
) -> Result<bool, ProgressError> {
    match boss::strike(
        p,
        fight.battle,
        fight.villain,
        fight.week_days,
        &plan.write.activity,
        now,
    )? {
        Hit::NeedsLock => Ok(false),
        Hit::Nothing => Ok(true),
        Hit::Damage(write, news) => {
            plan.write.battle = Some(write);
            plan.boss = news;
            Ok(true)
        }
    }
}
