/**
 * What a lifter wants from their history, computed from logged activities: the
 * last sets of each exercise ("last time: 100 kg × 5"), the best set and estimated
 * one-rep max per exercise with the sessions that set a record, and training days.
 */
import type { Activity } from './types';

/** Epley's estimate of a one-rep max: w × (1 + reps / 30); a single is itself. */
export function estimated1rm(weightKg: number, reps: number): number {
  if (weightKg <= 0 || reps <= 0) return 0;
  if (reps === 1) return weightKg;
  return weightKg * (1 + reps / 30);
}

export const exerciseKey = (name: string) => name.trim().toLowerCase().replace(/\s+/g, ' ');

const when = (a: Activity) => a.occurred_at;

export interface LastSet {
  exercise: string;
  weight_kg: number;
  reps: number;
  at: string;
}

/** Per exercise, the heaviest set of the most recent session that had it. */
export function lastSets(activities: Activity[]): Map<string, LastSet> {
  const out = new Map<string, LastSet>();
  const sorted = [...activities].filter((a) => a.kind === 'strength').sort((a, b) => when(b).localeCompare(when(a)));
  for (const a of sorted) {
    const seen = new Map<string, LastSet>();
    for (const s of a.sets ?? []) {
      const k = exerciseKey(s.exercise);
      if (!k || out.has(k)) continue;
      const cur = seen.get(k);
      if (!cur || s.weight_kg > cur.weight_kg || (s.weight_kg === cur.weight_kg && s.reps > cur.reps)) {
        seen.set(k, { exercise: s.exercise.trim(), weight_kg: s.weight_kg, reps: s.reps, at: when(a) });
      }
    }
    for (const [k, v] of seen) out.set(k, v);
  }
  return out;
}

export function formatSet(s: { weight_kg: number; reps: number }): string {
  return s.weight_kg > 0 ? `${s.weight_kg} kg × ${s.reps}` : `bodyweight × ${s.reps}`;
}

export interface ExerciseRecord {
  exercise: string;
  best: LastSet;
  best1rm: number;
  /** Sessions that raised the estimated 1RM, oldest first. */
  prs: { at: string; e1rm: number; set: LastSet }[];
  sessions: number;
}

/** Best set and estimated-1RM records per exercise, most trained first. */
export function exerciseRecords(activities: Activity[]): ExerciseRecord[] {
  const sorted = [...activities].filter((a) => a.kind === 'strength').sort((a, b) => when(a).localeCompare(when(b)));
  const recs = new Map<string, ExerciseRecord>();
  for (const a of sorted) {
    const bestHere = new Map<string, { e: number; set: LastSet }>();
    for (const s of a.sets ?? []) {
      const k = exerciseKey(s.exercise);
      if (!k) continue;
      const e = estimated1rm(s.weight_kg, s.reps);
      const cur = bestHere.get(k);
      if (!cur || e > cur.e) bestHere.set(k, { e, set: { exercise: s.exercise.trim(), weight_kg: s.weight_kg, reps: s.reps, at: when(a) } });
    }
    for (const [k, { e, set }] of bestHere) {
      const r = recs.get(k);
      if (!r) {
        recs.set(k, { exercise: set.exercise, best: set, best1rm: e, prs: [{ at: set.at, e1rm: e, set }], sessions: 1 });
        continue;
      }
      r.sessions += 1;
      if (e > r.best1rm) {
        r.best1rm = e;
        r.best = set;
        r.prs.push({ at: set.at, e1rm: e, set });
      }
    }
  }
  return [...recs.values()].sort((a, b) => b.sessions - a.sessions || a.exercise.localeCompare(b.exercise));
}

/** Local calendar dates (YYYY-MM-DD) with at least one activity, with counts. */
export function trainingDays(activities: Activity[]): Map<string, number> {
  const days = new Map<string, number>();
  for (const a of activities) {
    const d = new Date(when(a));
    if (Number.isNaN(d.getTime())) continue;
    const k = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    days.set(k, (days.get(k) ?? 0) + 1);
  }
  return days;
}
