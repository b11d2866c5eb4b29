/**
 * Complete contract objects for tests: each helper fills every field the generated
 * type requires with a neutral value, and the test names only what it is about.
 * (Imported by tests only; the app never does.)
 */
import type { Activity, Boss, Player } from './types';

export const zeroStats = { strength: 0, agility: 0, intelligence: 0, fighting: 0, discipline: 0 };

export function makeActivity(a: Partial<Activity> & Pick<Activity, 'id' | 'kind' | 'occurred_at'>): Activity {
  return {
    capped: false,
    created_at: a.occurred_at,
    edited: false,
    local_date: a.occurred_at.slice(0, 10),
    note: null,
    photos: [],
    stat: 'strength',
    xp: 0,
    ...a,
  };
}

export function makePlayer(p: Partial<Player> = {}): Player {
  return {
    id: 1,
    username: 'deku',
    class: 'balanced',
    level: 1,
    title: 'Side Character',
    total_xp: 0,
    xp_into_level: 0,
    xp_for_next_level: 50,
    stats: { ...zeroStats },
    fatigue: 0,
    streak: 0,
    buffs: [],
    skills: [],
    plot_armor_charges: 0,
    timezone: 'UTC',
    training_days: ['mon', 'tue', 'thu', 'fri'],
    weekly_goal: 4,
    wake_target: '06:30',
    avatar_url: null,
    created_at: '2026-11-01T00:00:00Z',
    pending: null,
    ...p,
  };
}

export function makeBoss(b: Partial<Boss> = {}): Boss {
  return {
    week: '2026-W49',
    week_start: '2026-11-30',
    level: 1,
    name: 'Laziness Demon',
    epithet: 'the Couch-Bound',
    taunt: 'Sit down.',
    weakness: 'agility',
    hp: 300,
    hp_max: 300,
    objectives: [],
    status: 'active',
    ends_at: '2026-12-07T00:00:00Z',
    reward: { badge: 'Couch Breaker', stat: 'agility', xp: 50 },
    ...b,
  };
}
