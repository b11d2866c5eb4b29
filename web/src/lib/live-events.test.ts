import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  describeEvent,
  initialLiveState,
  LIVE_EVENT_TYPES,
  liveEventsUrl,
  liveReducer,
  parseLiveEvent,
  queryKeysForEvent,
  type LiveEvent,
} from './live-events';

const ev = (type: string, data: Record<string, unknown> = {}): LiveEvent => ({ type, at: '2026-11-22T10:00:00Z', data });
const keys = (type: string) => queryKeysForEvent(type).map((k) => k.join('/'));

describe('parseLiveEvent', () => {
  it('parses {type, at, data}', () => {
    expect(parseLiveEvent('{"type":"xp_awarded","at":"t","data":{"final":23}}')).toEqual({ type: 'xp_awarded', at: 't', data: { final: 23 } });
  });
  it('rejects garbage', () => {
    expect(parseLiveEvent('not json')).toBeNull();
    expect(parseLiveEvent('{"data":{}}')).toBeNull();
    expect(parseLiveEvent(new ArrayBuffer(2))).toBeNull();
  });
  it('defaults missing data to {}', () => {
    expect(parseLiveEvent('{"type":"leaderboard","at":"t"}')?.data).toEqual({});
  });
});

describe('queryKeysForEvent', () => {
  it('refreshes something for every contract event', () => {
    for (const t of LIVE_EVENT_TYPES) expect(queryKeysForEvent(t).length).toBeGreaterThan(0);
  });
  it('maps events to the queries they make stale', () => {
    expect(keys('xp_awarded')).toEqual(expect.arrayContaining(['me', 'dashboard', 'ledger', 'leaderboard', 'activities']));
    expect(keys('penalty')).toEqual(expect.arrayContaining(['me', 'dashboard', 'ledger']));
    expect(keys('duel_challenged')).toEqual(['duels']);
    expect(keys('duel_resolved')).toEqual(expect.arrayContaining(['duels', 'me', 'ledger']));
    expect(keys('boss_damaged')).toEqual(['boss', 'dashboard']);
    expect(keys('boss_escaped')).toEqual(expect.arrayContaining(['boss', 'ledger']));
    expect(keys('leaderboard')).toEqual(['leaderboard']);
    expect(keys('unknown_thing')).toEqual([]);
  });
});

describe('backoffDelay', () => {
  it('doubles from 1 s and caps at 30 s, with jitter between half and full', () => {
    expect(backoffDelay(0, () => 1)).toBe(1000);
    expect(backoffDelay(1, () => 1)).toBe(2000);
    expect(backoffDelay(3, () => 1)).toBe(8000);
    expect(backoffDelay(10, () => 1)).toBe(30000);
    expect(backoffDelay(10, () => 0)).toBe(15000);
    expect(backoffDelay(2, () => 0.5)).toBe(3000);
  });
});

describe('liveReducer', () => {
  it('tracks connection status and attempts', () => {
    let s = liveReducer(initialLiveState, { type: 'connecting' });
    expect(s.status).toBe('connecting');
    s = liveReducer(s, { type: 'closed' });
    s = liveReducer(s, { type: 'closed' });
    expect(s).toMatchObject({ status: 'reconnecting', attempt: 2 });
    s = liveReducer(s, { type: 'open' });
    expect(s).toMatchObject({ status: 'open', attempt: 0 });
    expect(liveReducer(s, { type: 'stopped' }).status).toBe('idle');
    expect(liveReducer(s, { type: 'offline' }).status).toBe('offline');
  });

  it('turns events into toasts, keeps the last two, and dismisses', () => {
    let s = initialLiveState;
    for (let i = 0; i < 6; i++) s = liveReducer(s, { type: 'event', event: ev('xp_awarded', { award: { final: i, stat: 'agility' }, total_xp: 100 }) });
    expect(s.toasts.map((t) => t.text)).toEqual(['+4 Agility XP', '+5 Agility XP']);
    const first = s.toasts[0].id;
    s = liveReducer(s, { type: 'dismiss', id: first });
    expect(s.toasts).toHaveLength(1);
    expect(s.toasts.some((t) => t.id === first)).toBe(false);
  });

  it('queues big moments once each', () => {
    let s = initialLiveState;
    s = liveReducer(s, { type: 'event', event: ev('level_up', { from: 1, to: 2, title: 'Side Character' }) });
    s = liveReducer(s, { type: 'event', event: ev('level_up', { from: 1, to: 2, title: 'Side Character' }) });
    s = liveReducer(s, { type: 'event', event: ev('boss_escaped', { name: 'Gorrath', cutscene: 'He laughs.' }) });
    expect(s.moments.map((m) => [m.kind, m.title])).toEqual([
      ['level_up', 'Level 2'],
      ['boss_escaped', 'Gorrath escaped…'],
    ]);
    expect(s.toasts).toEqual([]);
  });

  it('ignores silent events', () => {
    const s = liveReducer(initialLiveState, { type: 'event', event: ev('leaderboard') });
    expect(s).toBe(initialLiveState);
  });
});

describe('describeEvent', () => {
  it('writes shonen-flavoured lines', () => {
    expect(describeEvent(ev('xp_awarded', { award: { final: 61, stat: 'strength' }, total_xp: 61 }))).toBe('+61 Strength XP');
    expect(describeEvent(ev('level_up', { from: 4, to: 5, title: 'Supporting Cast' }))).toBeNull();
    expect(describeEvent(ev('penalty', { amount: -50, reason: 'You get weaker.' }))).toBe('You get weaker. (−50 XP)');
    expect(describeEvent(ev('penalty', { amount: 50, reason: 'skipped a training day' }))).toBe('Skipped a training day (−50 XP)');
    expect(describeEvent(ev('duel_challenged', { challenger: 'vegeta' }))).toBe('vegeta challenges you to a duel!');
    expect(describeEvent(ev('duel_challenged', { challenger: 'Goku', opponent: 'vegeta' }), { username: 'goku' })).toBeNull();
  });
});

describe('liveEventsUrl', () => {
  it('uses ws or wss on the same host with the token in the query', () => {
    expect(liveEventsUrl('a b', { protocol: 'http:', host: 'localhost:8080' })).toBe('ws://localhost:8080/api/v1/ws?token=a%20b');
    expect(liveEventsUrl('t', { protocol: 'https:', host: 'x.dev' })).toBe('wss://x.dev/api/v1/ws?token=t');
  });
});
