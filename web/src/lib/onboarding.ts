/**
 * What this device remembers between sessions: whether someone has had an account
 * here (the first visit starts at sign-up, a returning one at log-in), and the goals
 * last chosen per player (the API does not return them; the class test starts there).
 */
import type { Goals, PlayerClass } from './types';

const KNOWN = 'shonen.known';
const goalsKey = (username: string) => `shonen.goals.${username.toLowerCase()}`;

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
