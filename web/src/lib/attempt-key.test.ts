import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { AttemptKey, isUnanswered, keyedWrite } from './attempt-key';

const offline = new ApiError(0, 'network_error', 'Cannot reach the server.');
const stillRunning = new ApiError(409, 'request_in_progress', 'still being processed');
const refused = new ApiError(422, 'validation_failed', 'duration too short', { field: 'duration_min' });

describe('AttemptKey', () => {
  it('keeps the key for the same body while it has no final answer', () => {
    const a = new AttemptKey();
    const k = a.keyFor({ kind: 'study', duration_min: 30 });
    a.settle(k, offline);
    expect(a.keyFor({ kind: 'study', duration_min: 30 })).toBe(k);
    a.settle(k, stillRunning);
    expect(a.keyFor({ kind: 'study', duration_min: 30 })).toBe(k);
    a.settle(k, new ApiError(503, 'unavailable', 'down'));
    expect(a.keyFor({ kind: 'study', duration_min: 30 })).toBe(k);
  });

  it('takes a fresh key after an answer, for a changed body, and when told to forget', () => {
    const a = new AttemptKey();
    const k1 = a.keyFor({ n: 1 });
    a.settle(k1, refused);
    const k2 = a.keyFor({ n: 1 });
    expect(k2).not.toBe(k1);
    a.settle(k2);
    const k3 = a.keyFor({ n: 1 });
    expect(k3).not.toBe(k2);
    a.settle(k3, offline);
    const k4 = a.keyFor({ n: 2 });
    expect(k4).not.toBe(k3);
    a.forget();
    expect(a.keyFor({ n: 2 })).not.toBe(k4);
  });

  it('knows a file by its name, size, type and date', () => {
    const a = new AttemptKey();
    const file = (name: string) => new File(['abc'], name, { type: 'image/png', lastModified: 1 });
    const k = a.keyFor({ id: 1, file: file('a.png') });
    a.settle(k, offline);
    expect(a.keyFor({ id: 1, file: file('a.png') })).toBe(k);
    expect(a.keyFor({ id: 1, file: file('b.png') })).not.toBe(k);
  });

  it('tells an unanswered failure from a final one', () => {
    expect(isUnanswered(offline)).toBe(true);
    expect(isUnanswered(stillRunning)).toBe(true);
    expect(isUnanswered(new ApiError(500, 'internal', 'x'))).toBe(true);
    expect(isUnanswered(refused)).toBe(false);
    expect(isUnanswered(new ApiError(409, 'duel_already_open', 'x'))).toBe(false);
    expect(isUnanswered(new Error('x'))).toBe(false);
  });
});

describe('keyedWrite', () => {
  it('retries an unanswered send with its key, and a new send with a new one', async () => {
    const send = vi.fn<(opponent: string, key: string) => Promise<string>>();
    const challenge = keyedWrite(send);
    send.mockRejectedValueOnce(offline).mockResolvedValueOnce('sent').mockResolvedValueOnce('sent again');
    await expect(challenge('vegeta')).rejects.toBe(offline);
    await expect(challenge('vegeta')).resolves.toBe('sent');
    await expect(challenge('vegeta')).resolves.toBe('sent again');
    const keys = send.mock.calls.map(([, key]) => key);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[1]);
  });
});
