import { describe, expect, it } from 'vitest';
import { makeActivity } from '../../lib/fixtures';
import { buildActivityInput, canEditActivity, describeActivity, initialFormState, isPlacedField, withOccurredAt } from './activity-form';

describe('buildActivityInput', () => {
  it('builds a strength body with numeric sets', () => {
    const f = initialFormState('strength');
    f.sets = Array.from({ length: 4 }, () => ({ exercise: ' Squat ', weight_kg: '10', reps: '15' }));
    f.duration_min = '25';
    expect(buildActivityInput(f)).toEqual({
      kind: 'strength',
      sets: Array.from({ length: 4 }, () => ({ exercise: 'Squat', weight_kg: 10, reps: 15 })),
      duration_min: 25,
    });
  });

  it('sends only the fields of the chosen kind', () => {
    const f = { ...initialFormState('run'), distance_km: '5,5', duration_min: '30', style: 'ignored', woke_at: '06:00' };
    expect(buildActivityInput(f)).toEqual({ kind: 'run', distance_km: 5.5, duration_min: 30 });
    expect(buildActivityInput({ ...f, kind: 'wake_up' })).toEqual({ kind: 'wake_up', woke_at: '06:00' });
    expect(buildActivityInput({ ...f, kind: 'martial_arts', style: ' Karate ' })).toEqual({ kind: 'martial_arts', duration_min: 30, style: 'Karate' });
  });

  it('omits empty numbers so the server names the missing field', () => {
    expect(buildActivityInput(initialFormState('study'))).toEqual({ kind: 'study', duration_min: undefined });
  });

  it('converts occurred_at to RFC 3339 and keeps a note', () => {
    const body = buildActivityInput({ ...initialFormState('study'), duration_min: '60', occurred_at: '2026-11-21T08:30', note: ' hi ' });
    expect(body.occurred_at).toBe(new Date('2026-11-21T08:30').toISOString());
    expect(body.note).toBe('hi');
  });
});

describe('withOccurredAt', () => {
  it('pins an empty time to the moment given, in RFC 3339 UTC, and keeps one the player gave', () => {
    const at = Date.parse('2026-11-21T08:30:00Z');
    expect(withOccurredAt({ kind: 'study', duration_min: 30 }, at)).toEqual({ kind: 'study', duration_min: 30, occurred_at: '2026-11-21T08:30:00.000Z' });
    expect(withOccurredAt({ kind: 'study', occurred_at: '2026-11-20T07:00:00.000Z' }, at).occurred_at).toBe('2026-11-20T07:00:00.000Z');
  });
});

describe('helpers', () => {
  it('places field errors only for rendered fields', () => {
    expect(isPlacedField('strength', 'sets.2.reps')).toBe(true);
    expect(isPlacedField('strength', 'distance_km')).toBe(false);
    expect(isPlacedField('wake_up', 'woke_at')).toBe(true);
  });

  it('describes activities and the 24 h edit window', () => {
    const a = makeActivity({ id: 1, kind: 'strength', occurred_at: '2026-11-22T10:00:00Z', duration_min: 25, sets: [{ exercise: 'Squat', weight_kg: 10, reps: 15 }] });
    expect(describeActivity(a)).toBe('1 set · 150 kg volume · 25 min');
    const t = Date.parse(a.occurred_at);
    expect(canEditActivity(a, t + 23 * 3600e3)).toBe(true);
    expect(canEditActivity(a, t + 25 * 3600e3)).toBe(false);
    expect(canEditActivity({ ...a, kind: 'run' }, t)).toBe(false);
    expect(describeActivity(makeActivity({ id: 2, kind: 'run', occurred_at: '', distance_km: 5, duration_min: 27.5 }))).toBe('5 km · 27.5 min · 5:30 /km');
    // 5:59.9 rounds to 6:00, never 5:60.
    expect(describeActivity(makeActivity({ id: 3, kind: 'run', occurred_at: '', distance_km: 5.001, duration_min: 30 }))).toBe('5.001 km · 30 min · 6:00 /km');
  });
});
