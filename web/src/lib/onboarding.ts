/**
 * What this device remembers between sessions: whether someone has had an account
 * here (the first visit starts at sign-up, a returning one at log-in), the goals
 * last chosen per player (the API does not return them; the class test starts there),
 * and until when a player's class is locked after a change (the API says so only by
 * refusing a change).
 */
import type { Goals, PlayerClass } from './types';

const KNOWN = 'shonen.known';
const goalsKey = (username: string) => `shonen.goals.${username.toLowerCase()}`;
const classLockKey = (username: string) => `shonen.class-locked-until.${username.toLowerCase()}`;

/** A class may be changed once every this many days (game rules §1). */
export const CLASS_CHANGE_COOLDOWN_DAYS = 30;

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}
function write(key: string, value: string) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Storage disabled: nothing to remember.
  }
}

export const hasAccountHere = () => read(KNOWN) === '1';
export const rememberAccount = () => write(KNOWN, '1');

export function rememberGoals(username: string, goals: Goals) {
  write(goalsKey(username), JSON.stringify(goals));
}

/** The goals last saved for the player, else ones that lead to their class. */
export function goalsFor(username: string, cls: PlayerClass | string): Goals {
  const raw = read(goalsKey(username));
  if (raw) {
    try {
      const g = JSON.parse(raw) as Partial<Goals>;
      if ([g.strength, g.agility, g.intelligence].every((v) => typeof v === 'number')) return g as Goals;
    } catch {
      // Corrupt value: fall through.
    }
  }
  switch (cls) {
    case 'brawler':
      return { strength: 8, agility: 4, intelligence: 4 };
    case 'speedster':
      return { strength: 4, agility: 8, intelligence: 4 };
    case 'strategist':
      return { strength: 4, agility: 4, intelligence: 8 };
    default:
      return { strength: 5, agility: 5, intelligence: 5 };
  }
}

/** Remembers that the player's class cannot change before `until` (RFC 3339). */
export function rememberClassLock(username: string, until: string) {
  write(classLockKey(username), until);
}

/** Until when the player's class is locked, if this device knows and it is still `now` before then. */
export function classLockedUntil(username: string, now: number): string | null {
  const until = read(classLockKey(username));
  const t = until ? Date.parse(until) : NaN;
  return until && Number.isFinite(t) && t > now ? until : null;
}
