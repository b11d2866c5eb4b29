//! The contract's `duel` from a stored row and its two players: pure, so REST,
//! gRPC and the real-time events show a duel the same way. What needs I/O (the
//! replay's signed link, the battle job's state) the use cases add on top.

use crate::clock::from_micros;
use crate::model::{Duel, DuelBuff, DuelRewards, Round};
use crate::storage::{DuelRow, JobState, PlayerRow};
use shonen_rules::Battle;

pub fn duel_of(d: &DuelRow, challenger: &PlayerRow, opponent: &PlayerRow) -> Duel {
    let t = |m: Option<i64>| m.map(|m| from_micros(m).to_rfc3339());
    let mut v = Duel {
        id: d.id,
        challenger: challenger.username.clone(),
        opponent: opponent.username.clone(),
        status: d.status.clone(),
        created_at: from_micros(d.created_at).to_rfc3339(),
        expires_at: from_micros(d.expires_at).to_rfc3339(),
        accepted_at: t(d.accepted_at),
        resolved_at: t(d.resolved_at),
        winner: None,
        upset: None,
        rounds: None,
        challenger_power: None,
        opponent_power: None,
        replay_url: None,
        rewards: None,
        job_status: None,
        job_attempts: None,
        job_error: None,
    };
    if d.status == "resolved"
        && let Some(battle) = d
            .result_json
            .as_deref()
            .and_then(|j| serde_json::from_str::<Battle>(j).ok())
    {
        v.rewards = Some(rewards(&battle, d.friendly.as_deref()));
        v.winner = Some(battle.winner_username);
        v.upset = Some(battle.upset);
        v.rounds = Some(
            battle
                .rounds
                .into_iter()
                .map(|r| Round {
                    n: r.n,
                    lines: r.lines,
                    challenger_hp: r.challenger_hp,
                    opponent_hp: r.opponent_hp,
                })
                .collect(),
        );
        v.challenger_power = Some(battle.challenger_power.round());
        v.opponent_power = Some(battle.opponent_power.round());
    }
    v
}

/// What a resolved battle paid; a friendly (`friendly` says why) paid nothing.
fn rewards(battle: &Battle, friendly: Option<&str>) -> DuelRewards {
    let r = &battle.rewards;
    match friendly {
        Some(why) => DuelRewards {
            friendly: Some(why.to_string()),
            winner: Some(battle.winner_username.clone()),
            loser: Some(battle.loser_username.clone()),
            fighting_xp: Some(0),
            xp: Some(0),
            description: Some(format!(
                "A friendly: {} wins, but no XP and no buff are paid ({}).",
                battle.winner_username,
                if why == "weekly_pair_limit" {
                    "you two already fought a duel that counted this week"
                } else {
                    "the winner was already paid for 3 duel wins today"
                }
            )),
            buff: None,
        },
        None => DuelRewards {
            winner: Some(battle.winner_username.clone()),
            fighting_xp: Some(r.winner_fighting_xp),
            // `xp` and `description` are what the web UI's reward label reads.
            xp: Some(r.winner_fighting_xp),
            description: Some(format!(
                "{} earns {} Fighting XP{}; {} gets the Training Arc Buff (x{} for {} h)",
                battle.winner_username,
                r.winner_fighting_xp,
                if battle.upset { " (upset!)" } else { "" },
                battle.loser_username,
                r.loser_buff_multiplier,
                r.loser_buff_hours,
            )),
            loser: Some(battle.loser_username.clone()),
            buff: Some(DuelBuff {
                name: "Training Arc Buff".into(),
                multiplier: r.loser_buff_multiplier,
                hours: r.loser_buff_hours,
            }),
            friendly: None,
        },
    }
}

/// Where a queued duel's battle job is: waiting, running, retrying after an error,
/// or failed for good (kept visible, never silently dropped).
pub fn show_job(v: &mut Duel, job: Option<JobState>) {
    v.job_status = Some(match &job {
        Some(j) if j.status == "failed" => "failed".to_string(),
        Some(j) if j.status == "queued" && j.attempts > 0 => "retrying".to_string(),
        Some(j) => j.status.clone(),
        None => "running".to_string(),
    });
    if let Some(j) = job {
        v.job_attempts = Some(j.attempts);
        // What went wrong in words for players; the cause (paths, hosts, the
        // storage's own message) stays in the job row and the log.
        v.job_error = j.last_error.map(|_| {
            if j.status == "failed" {
                "the battle could not be completed; it was tried again and again and is kept here"
            } else {
                "the battle could not be completed yet (storage or the battle runner was unavailable); it is retried"
            }
            .to_string()
        });
    }
}
