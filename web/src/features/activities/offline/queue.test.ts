import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tokenStore } from '../../../lib/token';
import { discard, enqueue, flushQueue, listQueued, listQueuedFor, onQueuedSent } from './queue';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const stored = () => json(201, { activity: { id: 9, kind: 'study' }, award: { final: 20 } });

type Call = [string, RequestInit];
const headersOf = (call: unknown) => (call as Call)[1].headers as Record<string, string>;
const bodyOf = (call: unknown) => JSON.parse(String((call as Call)[1].body)) as Record<string, unknown>;

describe('the offline queue', () => {
  beforeEach(() => {
    tokenStore.set('tok-a', 1);
  });
  afterEach(async () => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    tokenStore.set(null);
    for (const q of await listQueued()) await discard(q.key);
  });

  it('sends with the queued key and tells who waits for that key', async () => {
    const fetchMock = vi.fn(async () => stored());
    vi.stubGlobal('fetch', fetchMock);
    await enqueue('key-1', { kind: 'study', duration_min: 30 });
    const sent: [string, number][] = [];
    const off = onQueuedSent((key, r) => sent.push([key, Number(r.activity.id)]));
    expect(await flushQueue()).toBe(1);
    off();
    expect(sent).toEqual([['key-1', 9]]);
    expect(headersOf(fetchMock.mock.calls[0])).toMatchObject({ 'Idempotency-Key': 'key-1', Authorization: 'Bearer tok-a' });
    expect(await listQueued()).toEqual([]);
  });

  it('keeps an activity the server refused, with the reason in words', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(422, { error: { code: 'validation_failed', message: 'duration_min must be at least 15', details: { field: 'duration_min' } } })));
    await enqueue('key-2', { kind: 'study', duration_min: 5 });
    expect(await flushQueue()).toBe(0);
    expect((await listQueued()).map((q) => q.error)).toEqual(['Duration must be at least 15 minutes']);
  });

  it("records who queued it, and never sends it with another player's token", async () => {
    const fetchMock = vi.fn(async () => stored());
    vi.stubGlobal('fetch', fetchMock);
    await enqueue('key-a', { kind: 'study', duration_min: 30 });
    expect((await listQueued()).map((q) => q.owner)).toEqual(['1']);

    // Player 1 logs out; player 2 logs in on the same phone.
    tokenStore.set(null);
    expect(await flushQueue()).toBe(0);
    tokenStore.set('tok-b', 2);
    expect(await flushQueue()).toBe(0);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(await listQueuedFor('2')).toEqual([]);
    expect((await listQueued()).map((q) => q.key)).toEqual(['key-a']);

    // Player 1 back on this phone: it goes out with their new token.
    tokenStore.set('tok-a2', 1);
    expect((await listQueuedFor('1')).map((q) => q.key)).toEqual(['key-a']);
    expect(await flushQueue()).toBe(1);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(headersOf(fetchMock.mock.calls[0]).Authorization).toBe('Bearer tok-a2');
    expect(await listQueued()).toEqual([]);
  });

  it('stops when the session changes while a send is out', async () => {
    const fetchMock = vi.fn(async () => {
      tokenStore.set('tok-b', 2);
      return stored();
    });
    vi.stubGlobal('fetch', fetchMock);
    await enqueue('key-1', { kind: 'study', duration_min: 30 });
    await new Promise((r) => setTimeout(r, 2));
    await enqueue('key-2', { kind: 'study', duration_min: 40 });
    expect(await flushQueue()).toBe(1);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect((await listQueued()).map((q) => [q.key, q.owner])).toEqual([['key-2', '1']]);
  });

  it('pins occurred_at to when it was queued and sends the same body every time', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-21T08:30:00Z'));
    let n = 0;
    const fetchMock = vi.fn(async () => (n++ === 0 ? json(503, { error: { code: 'unavailable', message: 'down', details: {} } }) : stored()));
    vi.stubGlobal('fetch', fetchMock);
    await enqueue('key-1', { kind: 'study', duration_min: 30 });
    vi.setSystemTime(new Date('2026-11-21T20:00:00Z'));
    expect(await flushQueue()).toBe(0);
    expect(await flushQueue()).toBe(1);
    expect(bodyOf(fetchMock.mock.calls[0])).toEqual({ kind: 'study', duration_min: 30, occurred_at: '2026-11-21T08:30:00.000Z' });
    expect(bodyOf(fetchMock.mock.calls[1])).toEqual(bodyOf(fetchMock.mock.calls[0]));
  });

  it('keeps a time the player gave', async () => {
    await enqueue('key-1', { kind: 'study', duration_min: 30, occurred_at: '2026-11-20T07:00:00.000Z' });
    expect((await listQueued())[0].input.occurred_at).toBe('2026-11-20T07:00:00.000Z');
  });

  it('shows a refusal for being too old in words', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(422, { error: { code: 'validation_failed', message: 'occurred_at is more than 48 hours in the past', details: { field: 'occurred_at' } } })));
    await enqueue('key-1', { kind: 'study', duration_min: 30 });
    expect(await flushQueue()).toBe(0);
    expect((await listQueued()).map((q) => q.error)).toEqual(['Time of training is more than 48 hours in the past']);
  });

  it.each([401, 403])('leaves it queued and unmarked on a %i, for the owner to send after logging in again', async (status) => {
    const code = status === 401 ? 'unauthorized' : 'forbidden';
    const fetchMock = vi.fn(async () => json(status, { error: { code, message: 'a valid bearer token is required', details: {} } }));
    vi.stubGlobal('fetch', fetchMock);
    await enqueue('key-1', { kind: 'study', duration_min: 30 });
    expect(await flushQueue()).toBe(0);
    expect((await listQueued()).map((q) => [q.key, q.error])).toEqual([['key-1', undefined]]);

    fetchMock.mockImplementation(async () => stored());
    tokenStore.set('tok-a2', 1);
    expect(await flushQueue()).toBe(1);
    expect(await listQueued()).toEqual([]);
  });

  it('sends an item an earlier version marked refused for an ended session, or queued without an owner', async () => {
    const fetchMock = vi.fn(async () => stored());
    vi.stubGlobal('fetch', fetchMock);
    const db = await openDB('shonen-offline', 1);
    await db.put('activities', { key: 'old-401', input: { kind: 'study', duration_min: 30 }, queued_at: '2026-11-21T08:00:00.000Z', error: 'A valid bearer token is required' });
    await db.put('activities', { key: 'old-ownerless', input: { kind: 'study', duration_min: 20 }, queued_at: '2026-11-21T08:01:00.000Z' });
    db.close();
    expect((await listQueuedFor('1')).map((q) => [q.key, q.error])).toEqual([
      ['old-401', undefined],
      ['old-ownerless', undefined],
    ]);
    expect(await flushQueue()).toBe(2);
    expect(await listQueued()).toEqual([]);
  });
});
