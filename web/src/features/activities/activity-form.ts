/** The log-activity form's state and how it becomes the contract's activity body. */
import { serverNow } from '../../lib/server-clock';
import type { Activity, ActivityInput, ActivityKind, StrengthSet } from '../../lib/types';

export interface SetRow {
  exercise: string;
  weight_kg: string;
  reps: string;
}

export interface ActivityFormState {
  kind: ActivityKind;
  sets: SetRow[];
  duration_min: string;
  distance_km: string;
  style: string;
  woke_at: string;
  occurred_at: string;
  note: string;
}

export const KIND_INFO: Record<ActivityKind, { label: string; icon: string; stat: string; hint: string }> = {
  strength: { label: 'Strength', icon: '🏋️', stat: 'Strength', hint: 'Sets × reps × weight. At least 20 minutes.' },
  run: { label: 'Run', icon: '🏃', stat: 'Agility', hint: '20 XP per km. Pace must be at least 2:30 min/km.' },
  study: { label: 'Study', icon: '📖', stat: 'Intelligence', hint: '40 XP per hour, at least 15 minutes.' },
  martial_arts: { label: 'Martial arts', icon: '🥋', stat: 'Fighting', hint: '50 XP per session of 30+ minutes. Unlocks moves.' },
  wake_up: { label: 'Wake-up', icon: '⏰', stat: 'Discipline', hint: 'Up before your target time? 10 Discipline XP.' },
};

export const KINDS = Object.keys(KIND_INFO) as ActivityKind[];

export const emptySet = (): SetRow => ({ exercise: '', weight_kg: '', reps: '' });

export function initialFormState(kind: ActivityKind = 'strength'): ActivityFormState {
  return { kind, sets: [emptySet()], duration_min: '', distance_km: '', style: '', woke_at: '', occurred_at: '', note: '' };
}

function num(s: string): number | undefined {
  if (s.trim() === '') return undefined;
  const n = Number(s.replace(',', '.'));
  return Number.isFinite(n) ? n : undefined;
}

export function setsFromRows(rows: SetRow[]): StrengthSet[] {
  return rows.map((r) => ({ exercise: r.exercise.trim(), weight_kg: num(r.weight_kg) ?? 0, reps: num(r.reps) ?? 0 }));
}

export function rowsFromSets(sets: StrengthSet[] | undefined): SetRow[] {
  if (!sets || sets.length === 0) return [emptySet()];
  return sets.map((s) => ({ exercise: s.exercise, weight_kg: String(s.weight_kg), reps: String(s.reps) }));
}

/** Only the fields the chosen kind uses; the server validates the rest and names bad fields. */
export function buildActivityInput(f: ActivityFormState): ActivityInput {
  const body: ActivityInput = { kind: f.kind };
  switch (f.kind) {
    case 'strength':
      body.sets = setsFromRows(f.sets);
      body.duration_min = num(f.duration_min);
      break;
    case 'run':
      body.distance_km = num(f.distance_km);
      body.duration_min = num(f.duration_min);
      break;
    case 'study':
      body.duration_min = num(f.duration_min);
      break;
    case 'martial_arts':
      body.duration_min = num(f.duration_min);
      body.style = f.style.trim() || undefined;
      break;
    case 'wake_up':
      body.woke_at = f.woke_at || undefined;
      break;
  }
  if (f.occurred_at) {
    const d = new Date(f.occurred_at);
    if (!Number.isNaN(d.getTime())) body.occurred_at = d.toISOString();
  }
  if (f.note.trim()) body.note = f.note.trim();
  return body;
}

/**
 * The body with `occurred_at` pinned to `at` (ms, by the server's clock) when the
 * player left it empty: a body sent later (from the offline queue, or again after no
 * answer) still says when the activity was done, and says the same every time.
 */
export function withOccurredAt(input: ActivityInput, at: number): ActivityInput {
  return input.occurred_at ? input : { ...input, occurred_at: new Date(at).toISOString() };
}

/** The field names each kind renders, so other 422 fields go to the general banner. */
export function fieldsForKind(kind: ActivityKind): string[] {
  const common = ['kind', 'occurred_at', 'note'];
  switch (kind) {
    case 'strength':
      return [...common, 'sets', 'duration_min'];
    case 'run':
      return [...common, 'distance_km', 'duration_min'];
    case 'study':
      return [...common, 'duration_min'];
    case 'martial_arts':
      return [...common, 'duration_min', 'style'];
    case 'wake_up':
      return [...common, 'woke_at'];
  }
}

export function isPlacedField(kind: ActivityKind, key: string): boolean {
  return fieldsForKind(kind).some((f) => key === f || key.startsWith(`${f}.`));
}

export function describeActivity(a: Activity): string {
  switch (a.kind) {
    case 'strength': {
      const sets = a.sets ?? [];
      const volume = sets.reduce((s, x) => s + x.weight_kg * x.reps, 0);
      const parts = [`${sets.length} set${sets.length === 1 ? '' : 's'}`, `${volume.toLocaleString('en-US')} kg volume`];
      if (a.duration_min) parts.push(`${a.duration_min} min`);
      return parts.join(' · ');
    }
    case 'run': {
      const parts = [`${a.distance_km ?? 0} km`];
      if (a.duration_min) parts.push(`${a.duration_min} min`);
      if (a.distance_km && a.duration_min) {
        // Whole seconds per km first, so 5:59.7 shows as 6:00, never 5:60.
        const secs = Math.round((a.duration_min / a.distance_km) * 60);
        const m = Math.floor(secs / 60);
        const s = secs % 60;
        parts.push(`${m}:${String(s).padStart(2, '0')} /km`);
      }
      return parts.join(' · ');
    }
    case 'study':
      return `${a.duration_min ?? 0} min of study`;
    case 'martial_arts':
      return [`${a.duration_min ?? 0} min`, a.style].filter(Boolean).join(' · ');
    case 'wake_up':
      return `Woke at ${a.woke_at ?? '?'}`;
    default:
      return String((a as { kind: string }).kind);
  }
}

export const EDIT_WINDOW_MS = 24 * 3600 * 1000;

/** Strength sessions may be edited for 24 h after completion, by the server's clock. */
export function canEditActivity(a: Activity, now: number = serverNow()): boolean {
  if (a.kind !== 'strength') return false;
  const t = Date.parse(a.occurred_at);
  return Number.isFinite(t) && now - t < EDIT_WINDOW_MS;
}
