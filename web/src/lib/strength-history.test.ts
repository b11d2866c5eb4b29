import { describe, expect, it } from 'vitest';
import { estimated1rm, exerciseRecords, formatSet, lastSets, trainingDays } from './strength-history';
import { makeActivity } from './fixtures';
import type { Activity } from './types';

const session = (id: number, at: string, sets: [string, number, number][]): Activity =>
  makeActivity({
    id,
    kind: 'strength',
    occurred_at: at,
    sets: sets.map(([exercise, weight_kg, reps]) => ({ exercise, weight_kg, reps })),
    duration_min: 40,
  });

const history = [
  session(1, '2026-11-02T10:00:00Z', [['Back squat', 90, 5], ['Bench', 60, 8]]),
  session(2, '2026-11-09T10:00:00Z', [['back squat', 100, 5], ['Back squat', 100, 3]]),
  session(3, '2026-11-16T10:00:00Z', [['Back Squat', 95, 8]]),
];

describe('strength history', () => {
  it('estimates a one-rep max (Epley)', () => {
    expect(estimated1rm(100, 1)).toBe(100);
    expect(estimated1rm(100, 5)).toBeCloseTo(116.67, 1);
    expect(estimated1rm(0, 10)).toBe(0);
  });

  it('remembers the last time per exercise, whatever the spelling', () => {
    const last = lastSets(history);
    expect(formatSet(last.get('back squat')!)).toBe('95 kg × 8');
    expect(formatSet(last.get('bench')!)).toBe('60 kg × 8');
  });

  it('finds best sets and PR sessions', () => {
    const [squat] = exerciseRecords(history);
    expect(squat.sessions).toBe(3);
    expect(squat.prs.map((p) => p.at.slice(0, 10))).toEqual(['2026-11-02', '2026-11-09', '2026-11-16']);
    expect(formatSet(squat.best)).toBe('95 kg × 8');
  });

  it('counts training days', () => {
    expect(trainingDays(history).size).toBe(3);
  });
});
