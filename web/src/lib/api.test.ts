import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, apiRequest, buildUrl, fieldErrorsFromDetails, normalizeFieldPath, parseErrorResponse } from './api';
import { tokenStore } from './token';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

describe('parseErrorResponse', () => {
  it('reads the contract error body', async () => {
    const err = await parseErrorResponse(
      jsonResponse(422, { error: { code: 'validation_failed', message: 'duration too short', details: { field: 'duration_min' } } }),
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.code).toBe('validation_failed');
    expect(err.message).toBe('duration too short');
    expect(err.details).toEqual({ field: 'duration_min' });
    expect(err.isValidation).toBe(true);
    expect(err.fieldErrors()).toEqual({ duration_min: 'Duration too short' });
  });

  it('falls back when the body is not JSON', async () => {
    const err = await parseErrorResponse(new Response('<html>bad gateway</html>', { status: 502 }));
    expect(err.code).toBe('http_502');
    expect(err.message).toMatch(/server/i);
    expect(err.details).toEqual({});
  });

  it('falls back when JSON lacks the error envelope', async () => {
    const err = await parseErrorResponse(jsonResponse(404, { message: 'nope' }));
    expect(err.code).toBe('http_404');
    expect(err.message).toBe('Not found.');
  });

  it('keeps Retry-After of a 429', async () => {
    const err = await parseErrorResponse(
      jsonResponse(429, { error: { code: 'rate_limited', message: 'slow down', details: {} } }, { 'Retry-After': '7' }),
    );
    expect(err.retryAfter).toBe(7);
    expect(err.code).toBe('rate_limited');
  });

  it('tolerates missing message and non-object details', async () => {
    const err = await parseErrorResponse(jsonResponse(409, { error: { code: 'cooldown', details: ['x'] } }));
    expect(err.code).toBe('cooldown');
    expect(err.message).toMatch(/conflict/i);
    expect(err.details).toEqual({});
  });
});

describe('fieldErrorsFromDetails', () => {
  it('normalizes nested paths', () => {
    expect(normalizeFieldPath('sets[2].reps')).toBe('sets.2.reps');
    expect(normalizeFieldPath('/sets/0/weight_kg')).toBe('sets.0.weight_kg');
    expect(normalizeFieldPath('goals.strength')).toBe('goals.strength');
  });

  it('accepts {field, reason}', () => {
    expect(fieldErrorsFromDetails({ field: 'sets[1].reps', reason: 'must be 1–100' }, 'bad')).toEqual({ 'sets.1.reps': 'must be 1–100' });
  });

  it('accepts a fields map and a fields list', () => {
    expect(fieldErrorsFromDetails({ fields: { email: 'taken', password: ['too short', 'too weak'] } }, 'bad')).toEqual({
      email: 'taken',
      password: 'too short; too weak',
    });
    expect(fieldErrorsFromDetails({ errors: [{ field: 'woke_at', message: 'HH:MM please' }] }, 'bad')).toEqual({ woke_at: 'HH:MM please' });
  });

  it('accepts a plain field → message map', () => {
    expect(fieldErrorsFromDetails({ distance_km: 'pace too fast' }, 'bad')).toEqual({ distance_km: 'pace too fast' });
  });

  it('uses the top-level message when the field has none', () => {
    expect(fieldErrorsFromDetails({ field: 'sets' }, 'volume is zero')).toEqual({ sets: 'volume is zero' });
  });

  it('returns nothing for details without a field', () => {
    expect(fieldErrorsFromDetails({ limit: 5 }, 'bad')).toEqual({});
  });
});

describe('apiRequest', () => {
  const fetchMock = vi.fn();
  beforeEach(() => {
    vi.stubGlobal('fetch', fetchMock);
    fetchMock.mockReset();
    tokenStore.set(null);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    tokenStore.set(null);
  });

  it('builds URLs under /api/v1 and drops empty query values', () => {
    expect(buildUrl('/activities', { limit: 20, before: undefined, x: '' })).toBe('/api/v1/activities?limit=20');
  });

  it('sends the bearer token, JSON body and Idempotency-Key', async () => {
    tokenStore.set('tok123');
    fetchMock.mockResolvedValue(jsonResponse(201, { ok: true }));
    const res = await apiRequest<{ ok: boolean }>('/activities', { method: 'POST', body: { kind: 'study' }, idempotencyKey: 'k1' });
    expect(res).toEqual({ ok: true });
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/v1/activities');
    expect(init.method).toBe('POST');
    expect(init.headers.Authorization).toBe('Bearer tok123');
    expect(init.headers['Idempotency-Key']).toBe('k1');
    expect(init.headers['Content-Type']).toBe('application/json');
    expect(init.body).toBe('{"kind":"study"}');
  });

  it('throws a typed ApiError and clears a rejected token', async () => {
    tokenStore.set('stale');
    fetchMock.mockResolvedValue(jsonResponse(401, { error: { code: 'unauthorized', message: 'bad token', details: {} } }));
    await expect(apiRequest('/me')).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(tokenStore.get()).toBeNull();
  });

  it('does not clear anything when a login without token fails', async () => {
    const seen: (string | null)[] = [];
    const unsub = tokenStore.subscribe(() => seen.push(tokenStore.get()));
    fetchMock.mockResolvedValue(jsonResponse(401, { error: { code: 'invalid_credentials', message: 'wrong password', details: {} } }));
    await expect(apiRequest('/auth/login', { method: 'POST', body: {} })).rejects.toBeInstanceOf(ApiError);
    expect(seen).toEqual([]);
    unsub();
  });

  it('maps a network failure to network_error', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
    await expect(apiRequest('/me')).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('returns undefined for 204', async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
    await expect(apiRequest('/x')).resolves.toBeUndefined();
  });
});

describe('humanizeMessage', () => {
  it('speaks of rows as people count them, in words', async () => {
    const { humanizeMessage } = await import('./api');
    expect(humanizeMessage('sets[2].weight_kg must be between 0 and 500')).toBe('Set 3 weight must be between 0 and 500 kg');
    expect(humanizeMessage('duration_min is required')).toBe('Duration is required');
    expect(humanizeMessage('duration_min must be at least 20')).toBe('Duration must be at least 20 minutes');
    expect(humanizeMessage('sets[0].reps must be 1-100')).toBe('Set 1 reps must be 1-100');
    expect(humanizeMessage('username is taken')).toBe('Username is taken');
    const e = new ApiError(422, 'validation_failed', 'reps must be between 1 and 100, got 0', { field: 'sets[2].reps' });
    expect(e.fieldErrors()).toEqual({ 'sets.2.reps': 'Set 3 reps must be between 1 and 100 (you entered 0)' });
  });
});
