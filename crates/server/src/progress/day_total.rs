//! One activity added to its day total, in memory: the twin of the database's
//! `storage::activities::ADD_TO_DAY_TOTAL`, shared by the planner's snapshot and the
//! boss fight's hit.

use crate::storage::{DayKind, NewActivity};

/// Adds one activity to its day total in `days` (the aggregates `day_kinds` keeps):
/// THE definition of a day total on this side of the database, for the snapshot a
/// commit leaves behind and for the boss fight an activity is about to hit. The
/// database's own is `storage::activities::ADD_TO_DAY_TOTAL`. `id` is the activity's
/// (the day's first of its kind keeps its id).
pub fn add_to_day_total(days: &mut Vec<DayKind>, a: &NewActivity, id: i64) {
    match days
        .iter_mut()
        .find(|d| d.local_date == a.local_date && d.kind == a.kind)
    {
        Some(d) => {
            d.sessions += 1;
            d.distance_km += a.distance_km.unwrap_or(0.0);
            d.duration_min += a.duration_min.unwrap_or(0.0);
        }
        None => {
            days.push(DayKind {
                local_date: a.local_date.clone(),
                kind: a.kind.clone(),
                training: i64::from(a.training),
                sessions: 1,
                distance_km: a.distance_km.unwrap_or(0.0),
                duration_min: a.duration_min.unwrap_or(0.0),
                first_id: id,
            });
            days.sort_by(|x, y| {
                (x.local_date.as_str(), x.first_id).cmp(&(y.local_date.as_str(), y.first_id))
            });
        }
    }
}
