/**
 * Pure logic behind the live WebSocket: parsing server events, which queries each event
 * makes stale, reconnect backoff, and the connection/toast state reducer.
 */
import type { QueryKey } from '@tanstack/react-query';
import { queryKeys } from './query-keys';
import { formatXp, sentence, signedXp, statLabel } from './format';

export const LIVE_EVENT_TYPES = [
  'xp_awarded',
  'level_up',
  'skill_unlocked',
  'penalty',
  'streak',
  'duel_challenged',
  'duel_resolved',
  'boss_damaged',
  'boss_defeated',
  'boss_escaped',
  'leaderboard',
] as const;

export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

export interface LiveEvent {
  type: string;
  at: string;
  data: Record<string, unknown>;
}

export function parseLiveEvent(raw: unknown): LiveEvent | null {
  if (typeof raw !== 'string') return null;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.type !== 'string') return null;
  const data = o.data && typeof o.data === 'object' && !Array.isArray(o.data) ? (o.data as Record<string, unknown>) : {};
  return { type: o.type, at: typeof o.at === 'string' ? o.at : new Date().toISOString(), data };
}

const PLAYER_STATE: QueryKey[] = [queryKeys.me, queryKeys.dashboard, queryKeys.players];

/** The query prefixes an event makes stale. Unknown events refresh nothing. */
export function queryKeysForEvent(type: string): QueryKey[] {
  switch (type) {
    case 'xp_awarded':
      return [...PLAYER_STATE, queryKeys.ledger, queryKeys.leaderboard, queryKeys.activities, queryKeys.boss];
    case 'level_up':
    case 'skill_unlocked':
      return [...PLAYER_STATE, queryKeys.leaderboard];
    case 'penalty':
      return [...PLAYER_STATE, queryKeys.ledger, queryKeys.leaderboard];
    case 'streak':
      return [...PLAYER_STATE];
    case 'duel_challenged':
      return [queryKeys.duels];
    case 'duel_resolved':
      return [queryKeys.duels, ...PLAYER_STATE, queryKeys.ledger, queryKeys.leaderboard];
    case 'boss_damaged':
      return [queryKeys.boss, queryKeys.dashboard];
    case 'boss_defeated':
    case 'boss_escaped':
      return [queryKeys.boss, ...PLAYER_STATE, queryKeys.ledger, queryKeys.leaderboard];
    case 'leaderboard':
      return [queryKeys.leaderboard];
    default:
      return [];
  }
}

/** Exponential backoff with jitter: 1 s, 2 s, 4 s … capped at 30 s, each scaled by 0.5–1. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.5 + random() / 2));
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** Who the viewer is, so events about the viewer's own actions read right. */
export interface Viewer {
  username?: string;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The XP amount of an `xp_awarded` event: `data.award.final` (older shapes too). */
export function awardedXp(d: Record<string, unknown>): number | undefined {
  const award = obj(d.award);
  return num(award.final) ?? num(d.final) ?? num(d.amount) ?? num(d.xp);
}

/**
 * A one-line toast for an event, or null for events shown another way (level-ups,
 * unlocks and boss endings get their own animated moment) or too chatty to announce.
 */
export function describeEvent(e: LiveEvent, viewer: Viewer = {}): string | null {
  const d = e.data;
  switch (e.type) {
    case 'xp_awarded': {
      const amount = awardedXp(d);
      const stat = str(obj(d.award).stat) ?? str(d.stat);
      return amount !== undefined ? `+${formatXp(amount)} ${statLabel(stat)} XP` : null;
    }
    case 'penalty': {
      const amount = num(d.amount);
      return `${sentence(str(d.reason) ?? 'Penalty')}${amount !== undefined ? ` (${signedXp(-Math.abs(amount))} XP)` : ''}`;
    }
    case 'duel_challenged': {
      const challenger = str(d.challenger) ?? str(obj(d.duel).challenger);
      // The challenger's own screen already says the challenge went out.
      if (viewer.username && challenger && challenger.toLowerCase() === viewer.username.toLowerCase()) return null;
      return `${challenger ?? 'A rival'} challenges you to a duel!`;
    }
    case 'duel_resolved': {
      const winner = str(d.winner) ?? str(obj(d.duel).winner);
      return winner ? `Duel over — ${winner} wins!` : 'A duel has been resolved.';
    }
    case 'boss_damaged':
      return 'Direct hit on this week’s boss!';
    default:
      return null;
  }
}

/** The big moments that get a full-screen animation instead of a toast. */
export type MomentKind = 'level_up' | 'skill_unlocked' | 'boss_defeated' | 'boss_escaped';

export interface Moment {
  id: number;
  kind: MomentKind;
  title: string;
  detail?: string;
}

export function momentFor(e: LiveEvent): Omit<Moment, 'id'> | null {
  const d = e.data;
  switch (e.type) {
    case 'level_up':
      return { kind: 'level_up', title: `Level ${str(d.to) ?? str(d.level) ?? '?'}`, detail: str(d.title) };
    case 'skill_unlocked':
      return { kind: 'skill_unlocked', title: str(d.name) ?? str(d.skill) ?? 'New skill', detail: 'Skill unlocked' };
    case 'boss_defeated':
      return { kind: 'boss_defeated', title: `${str(d.name) ?? 'The boss'} defeated!`, detail: str(obj(d.reward).badge) ?? str(d.badge) };
    case 'boss_escaped':
      return { kind: 'boss_escaped', title: `${str(d.name) ?? 'The boss'} escaped…`, detail: str(d.cutscene) };
    default:
      return null;
  }
}

/** `offline`: the browser has no connection; no socket is tried until it has one again. */
export type LiveStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'offline';

export interface Toast {
  id: number;
  type: string;
  text: string;
}

export interface LiveState {
  status: LiveStatus;
  /** Failed connection attempts since the last successful open. */
  attempt: number;
  toasts: Toast[];
  /** Big moments waiting to be shown, oldest first (one at a time). */
  moments: Moment[];
  nextId: number;
  viewer: Viewer;
}

export type LiveAction =
  | { type: 'connecting' }
  | { type: 'open' }
  | { type: 'closed' }
  | { type: 'stopped' }
  | { type: 'offline' }
  | { type: 'event'; event: LiveEvent }
  | { type: 'viewer'; viewer: Viewer }
  | { type: 'dismiss'; id: number }
  | { type: 'moment_done'; id: number };

export const initialLiveState: LiveState = { status: 'idle', attempt: 0, toasts: [], moments: [], nextId: 1, viewer: {} };

/** At most this many toasts on screen; older ones make way. */
export const MAX_TOASTS = 2;

export function liveReducer(state: LiveState, action: LiveAction): LiveState {
  switch (action.type) {
    case 'connecting':
      return { ...state, status: 'connecting' };
    case 'open':
      return { ...state, status: 'open', attempt: 0 };
    case 'closed':
      return { ...state, status: 'reconnecting', attempt: state.attempt + 1 };
    case 'stopped':
      return { ...state, status: 'idle', attempt: 0 };
    case 'offline':
      return { ...state, status: 'offline' };
    case 'event': {
      const moment = momentFor(action.event);
      if (moment) {
        // The same moment twice in a row (two tabs' worth of events, a replay) shows once.
        const last = state.moments[state.moments.length - 1];
        if (last && last.kind === moment.kind && last.title === moment.title) return state;
        return { ...state, moments: [...state.moments, { ...moment, id: state.nextId }], nextId: state.nextId + 1 };
      }
      const text = describeEvent(action.event, state.viewer);
      if (!text) return state;
      const toast = { id: state.nextId, type: action.event.type, text };
      return { ...state, toasts: [...state.toasts, toast].slice(-MAX_TOASTS), nextId: state.nextId + 1 };
    }
    case 'viewer':
      return { ...state, viewer: action.viewer };
    case 'dismiss':
      return { ...state, toasts: state.toasts.filter((t) => t.id !== action.id) };
    case 'moment_done':
      return { ...state, moments: state.moments.filter((m) => m.id !== action.id) };
    default:
      return state;
  }
}

export function liveEventsUrl(token: string, loc: { protocol: string; host: string } = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}/api/v1/ws?token=${encodeURIComponent(token)}`;
}
