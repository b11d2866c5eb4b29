import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  apiRequest,
  buildUrl,
  classChangeAvailableAt,
  errorMessage,
  fieldErrorsFromDetails,
  humanizeMessage,
  isRetryable,
  normalizeFieldPath,
  parseErrorResponse,
  STILL_RUNNING_PAUSES_MS,
  waitPhrase,
} from './api';
import { formatDateTime } from './format';
import { resetServerClock, serverNow } from './server-clock';
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

  it('keeps a session started while a request with the old token was out', async () => {
    tokenStore.set('old', 1);
    let answer!: (r: Response) => void;
    fetchMock.mockReturnValue(new Promise<Response>((resolve) => (answer = resolve)));
    const req = apiRequest('/me');
    tokenStore.set('new', 2);
    answer(jsonResponse(401, { error: { code: 'unauthorized', message: 'bad token', details: {} } }));
    await expect(req).rejects.toMatchObject({ status: 401 });
    expect([tokenStore.get(), tokenStore.owner()]).toEqual(['new', '2']);
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

  it('fails at once while the browser is offline, and sends nothing then or later', async () => {
    vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    await expect(apiRequest('/duels', { method: 'POST', body: { opponent: 'vegeta' }, idempotencyKey: 'k' })).rejects.toMatchObject({
      status: 0,
      code: 'network_error',
      message: 'Cannot reach the server. Check your connection.',
    });
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('keeps the server clock from the Date header', async () => {
    resetServerClock();
    const device = Date.now();
    const server = new Date(device + 3 * 3600e3).toUTCString();
    fetchMock.mockResolvedValue(jsonResponse(200, {}, { Date: server }));
    await apiRequest('/me');
    expect(Math.abs(serverNow() - (device + 3 * 3600e3))).toBeLessThan(2000);
    resetServerClock();
  });
});

describe('a keyed write answered "still in progress"', () => {
  const fetchMock = vi.fn();
  const inProgress = () =>
    jsonResponse(409, { error: { code: 'request_in_progress', message: 'a request with this Idempotency-Key is still being processed', details: {} } });
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('fetch', fetchMock);
    fetchMock.mockReset();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('is asked again with the same key, and the first answer is returned', async () => {
    fetchMock.mockResolvedValueOnce(inProgress()).mockResolvedValueOnce(inProgress()).mockResolvedValueOnce(jsonResponse(201, { activity: { id: 7 } }));
    const p = apiRequest('/activities', { method: 'POST', body: { kind: 'study' }, idempotencyKey: 'same' });
    await vi.advanceTimersByTimeAsync(STILL_RUNNING_PAUSES_MS[0] + STILL_RUNNING_PAUSES_MS[1]);
    await expect(p).resolves.toEqual({ activity: { id: 7 } });
    expect(fetchMock).toHaveBeenCalledTimes(3);
    expect(fetchMock.mock.calls.map(([, init]) => init.headers['Idempotency-Key'])).toEqual(['same', 'same', 'same']);
  });

  it('gives up after about 10 seconds with the error', async () => {
    fetchMock.mockImplementation(async () => inProgress());
    const p = apiRequest('/activities', { method: 'POST', body: {}, idempotencyKey: 'k' });
    const caught = p.catch((e: unknown) => e);
    const total = STILL_RUNNING_PAUSES_MS.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(10_000);
    await vi.advanceTimersByTimeAsync(total);
    expect(await caught).toMatchObject({ status: 409, code: 'request_in_progress' });
    expect(fetchMock).toHaveBeenCalledTimes(STILL_RUNNING_PAUSES_MS.length + 1);
  });

  it('is not asked again without a key, nor for another 409', async () => {
    fetchMock.mockResolvedValueOnce(inProgress());
    await expect(apiRequest('/x', { method: 'POST', body: {} })).rejects.toMatchObject({ code: 'request_in_progress' });
    fetchMock.mockResolvedValueOnce(jsonResponse(409, { error: { code: 'duel_already_open', message: 'open', details: {} } }));
    await expect(apiRequest('/duels', { method: 'POST', body: {}, idempotencyKey: 'k' })).rejects.toMatchObject({ code: 'duel_already_open' });
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });
});

describe('humanizeMessage', () => {
  it('speaks of rows as people count them, in words', async () => {
    expect(humanizeMessage('sets[2].weight_kg must be between 0 and 500')).toBe('Set 3 weight must be between 0 and 500 kg');
    expect(humanizeMessage('duration_min is required')).toBe('Duration is required');
    expect(humanizeMessage('duration_min must be at least 20')).toBe('Duration must be at least 20 minutes');
    expect(humanizeMessage('sets[0].reps must be 1-100')).toBe('Set 1 reps must be 1-100');
    expect(humanizeMessage('username is taken')).toBe('Username is taken');
    const e = new ApiError(422, 'validation_failed', 'reps must be between 1 and 100, got 0', { field: 'sets[2].reps' });
    expect(e.fieldErrors()).toEqual({ 'sets.2.reps': 'Set 3 reps must be between 1 and 100 (you entered 0)' });
  });

  it('says kg after a weight in both shapes, the limit and what was entered', () => {
    expect(humanizeMessage('sets[0].weight_kg must be between 0 and 500, got 600')).toBe('Set 1 weight must be between 0 and 500 kg (you entered 600 kg)');
    const e = new ApiError(422, 'validation_failed', 'weight_kg must be between 0 and 500, got 600', { field: 'sets[0].weight_kg' });
    expect(e.fieldErrors()).toEqual({ 'sets.0.weight_kg': 'Set 1 weight must be between 0 and 500 kg (you entered 600 kg)' });
    expect(humanizeMessage('duration_min must be at least 20, got 5')).toBe('Duration must be at least 20 minutes (you entered 5 minutes)');
  });
});

describe('messages for people', () => {
  it('keeps a field named inside a sentence in lower case', () => {
    expect(humanizeMessage('that is not a valid email address')).toBe('That is not a valid email address');
    expect(humanizeMessage('"Mars/Olympus" is not an IANA timezone such as "Europe/Berlin"')).toBe('"Mars/Olympus" is not an IANA time zone such as "Europe/Berlin"');
    expect(humanizeMessage('timezone is required')).toBe('Time zone is required');
  });

  it('words a taken username as taken, next to the field and in a banner', () => {
    const e = new ApiError(409, 'username_taken', 'that username is already registered', { field: 'username' });
    expect(e.fieldErrors()).toEqual({ username: 'That username is already taken' });
    expect(errorMessage(e)).toBe('That username is already taken');
  });

  it('words an ended session in the app\'s words, not the server\'s', () => {
    expect(errorMessage(new ApiError(401, 'unauthorized', 'a valid bearer token is required'))).toBe('Your session has ended. Log in again');
  });

  it('sentence-cases what the server says in lower case', () => {
    expect(errorMessage(new ApiError(401, 'invalid_credentials', 'wrong username or password'))).toBe('Wrong username or password');
    expect(errorMessage(new ApiError(404, 'not_found', 'player not found'))).toBe('Player not found');
  });

  it('says when to try again in words', () => {
    expect(waitPhrase(12)).toBe('in 12 seconds');
    expect(waitPhrase(90)).toBe('in 2 minutes');
    expect(waitPhrase(3597)).toBe('in about 1 hour');
    expect(waitPhrase(5 * 3600)).toBe('in about 5 hours');
    expect(waitPhrase(3 * 86400)).toBe('in about 3 days');
    const reg = new ApiError(429, 'registration_limit', 'at most 10 registrations per address per hour; try again later', {}, 3597);
    expect(errorMessage(reg)).toBe('At most 10 registrations per address per hour; try again in about 1 hour');
    expect(errorMessage(new ApiError(429, 'rate_limited', 'too many requests; slow down', {}, 90))).toBe('Too many requests; slow down. Try again in 2 minutes');
    expect(errorMessage(new ApiError(429, 'daily_challenge_limit', 'at most 3 challenges a day; try again after midnight', {}, 7200))).toBe(
      'At most 3 challenges a day; try again after midnight (in about 2 hours)',
    );
    expect(errorMessage(new ApiError(429, 'http_429', 'Too many requests. Catch your breath and try again.', {}, 5))).toBe(
      'Too many requests. Catch your breath and try again in 5 seconds.',
    );
  });

  it('says when the class may change again', () => {
    const at = '2027-01-04T10:00:00+00:00';
    const e = new ApiError(409, 'reclassify_cooldown', 'you can re-take the classification once every 30 days', { available_at: at });
    expect(classChangeAvailableAt(e)).toBe(at);
    expect(errorMessage(e)).toBe(`You can change class once every 30 days: your next change is possible from ${formatDateTime(at)}`);
    expect(errorMessage(new ApiError(409, 'reclassify_cooldown', 'x'))).toBe('You can change class once every 30 days');
  });

  it('offers Retry only where asking again may help', () => {
    expect(isRetryable(new ApiError(0, 'network_error', 'x'))).toBe(true);
    expect(isRetryable(new ApiError(503, 'unavailable', 'x'))).toBe(true);
    expect(isRetryable(new ApiError(404, 'not_found', 'x'))).toBe(false);
    expect(isRetryable(new ApiError(409, 'conflict', 'x'))).toBe(false);
    expect(isRetryable(new Error('boom'))).toBe(true);
  });
});
