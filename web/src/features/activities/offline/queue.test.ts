import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { discard, enqueue, flushQueue, listQueued, onQueuedSent } from './queue';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('the offline queue', () => {
  afterEach(async () => {
    vi.unstubAllGlobals();
    for (const q of await listQueued()) await discard(q.key);
  });

  it('sends with the queued key and tells who waits for that key', async () => {
    const fetchMock = vi.fn(async () => json(201, { activity: { id: 9, kind: 'study' }, award: { final: 20 } }));
    vi.stubGlobal('fetch', fetchMock);
    await enqueue('key-1', { kind: 'study', duration_min: 30 });
    const sent: [string, number][] = [];
    const off = onQueuedSent((key, r) => sent.push([key, Number(r.activity.id)]));
    expect(await flushQueue()).toBe(1);
    off();
    expect(sent).toEqual([['key-1', 9]]);
    expect((fetchMock.mock.calls[0] as unknown as [string, RequestInit])[1].headers).toMatchObject({ 'Idempotency-Key': 'key-1' });
    expect(await listQueued()).toEqual([]);
  });

  it('keeps an activity the server refused, with the reason in words', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(422, { error: { code: 'validation_failed', message: 'duration_min must be at least 15', details: { field: 'duration_min' } } })));
    await enqueue('key-2', { kind: 'study', duration_min: 5 });
    expect(await flushQueue()).toBe(0);
    expect((await listQueued()).map((q) => q.error)).toEqual(['Duration must be at least 15 minutes']);
  });
});
