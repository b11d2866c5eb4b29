import { describe, expect, it } from 'vitest';
import { clampGoal, classForGoals } from './class-preview';

describe('classForGoals', () => {
  it('picks the top goal when it leads by at least 2', () => {
    expect(classForGoals({ strength: 9, agility: 7, intelligence: 3 })).toBe('brawler');
    expect(classForGoals({ strength: 2, agility: 10, intelligence: 8 })).toBe('speedster');
    expect(classForGoals({ strength: 0, agility: 0, intelligence: 2 })).toBe('strategist');
  });

  it('is Balanced when the lead is under 2', () => {
    expect(classForGoals({ strength: 8, agility: 7, intelligence: 1 })).toBe('balanced');
    expect(classForGoals({ strength: 5, agility: 5, intelligence: 5 })).toBe('balanced');
    expect(classForGoals({ strength: 0, agility: 0, intelligence: 0 })).toBe('balanced');
    expect(classForGoals({ strength: 10, agility: 10, intelligence: 0 })).toBe('balanced');
  });

  it('clamps out-of-range input to 0–10', () => {
    expect(clampGoal(42)).toBe(10);
    expect(clampGoal(-3)).toBe(0);
    expect(clampGoal(Number.NaN)).toBe(0);
    expect(classForGoals({ strength: 99, agility: 9, intelligence: 0 })).toBe('balanced');
  });
});
