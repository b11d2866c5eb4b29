/** The class a player's goals lead to (game rules §1), previewed while they register. */
import type { Goals, PlayerClass } from '../../lib/types';

const CLASS_OF_GOAL: Record<keyof Goals, PlayerClass> = {
  strength: 'brawler',
  agility: 'speedster',
  intelligence: 'strategist',
};

/** Highest goal wins if it leads the second highest by at least 2; otherwise Balanced. */
export function classForGoals(goals: Goals): PlayerClass {
  const ranked = (Object.keys(CLASS_OF_GOAL) as (keyof Goals)[])
    .map((k) => ({ k, v: clampGoal(goals[k]) }))
    .sort((a, b) => b.v - a.v);
  const [top, second] = ranked;
  return top.v - second.v >= 2 ? CLASS_OF_GOAL[top.k] : 'balanced';
}

export function clampGoal(v: number): number {
  if (!Number.isFinite(v)) return 0;
  return Math.min(10, Math.max(0, Math.round(v)));
}
