/**
 * The one API client: prefixes /api/v1, adds the bearer token, and turns the contract's
 * error body `{"error": {"code", "message", "details"}}` into a typed ApiError with a
 * message for people. Offline it fails at once (nothing goes out later by itself); a
 * keyed write the server is still running is asked again with the same key; every
 * answer's `Date` header keeps the server clock (`server-clock.ts`).
 */
import { formatDateTime } from './format';
import { noteServerDate } from './server-clock';
import { tokenStore } from './token';

export const API_BASE = '/api/v1';

export type ErrorDetails = Record<string, unknown>;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetails;
  /** Seconds to wait, from a 429's Retry-After header. */
  readonly retryAfter?: number;

  constructor(status: number, code: string, message: string, details: ErrorDetails = {}, retryAfter?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }

  /** A 422, or a 409 about one field (a username or email already taken): either
   * is shown next to the field it names. */
  get isValidation(): boolean {
    return this.status === 422 || (this.status === 409 && typeof this.details?.field === 'string');
  }

  /** The message for people: the app's own words for a few codes, else the server's, humanized. */
  get displayMessage(): string {
    if (this.status === 0) return this.message;
    return CODE_MESSAGES[this.code]?.(this) ?? humanizeMessage(this.message);
  }

  /** Field name → a human message, for showing 422 errors next to the named input. */
  fieldErrors(): Record<string, string> {
    const out = fieldErrorsFromDetails(this.details, CODE_MESSAGES[this.code]?.(this) ?? this.message);
    for (const k of Object.keys(out)) out[k] = humanizeMessage(rowMessage(k, out[k]));
    return out;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** Whether asking again may help: no connection or server trouble, not a refusal (4xx). */
export function isRetryable(e: unknown): boolean {
  return !(e instanceof ApiError) || e.status === 0 || e.status >= 500;
}

/** `sets[2].reps`, `sets/2/reps` and `sets.2.reps` all become `sets.2.reps`. */
export function normalizeFieldPath(path: string): string {
  return path
    .replace(/^\/+/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/\//g, '.')
    .replace(/^\.+/, '');
}

function asMessage(v: unknown, fallback: string): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length > 0) return v.map((x) => asMessage(x, fallback)).join('; ');
  if (v && typeof v === 'object' && 'message' in v && typeof (v as { message: unknown }).message === 'string') {
    return (v as { message: string }).message;
  }
  return fallback;
}

/**
 * The contract only promises that a 422 "names the offending field in details", so accept
 * the shapes servers commonly use: `{field, reason?}`, `{fields: {name: msg}}`,
 * `{fields: [{field, message}]}`, `{errors: …}` or a plain `{name: msg}` map.
 */
export function fieldErrorsFromDetails(details: ErrorDetails, message: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!details || typeof details !== 'object') return out;

  const field = details.field ?? details.path ?? details.param;
  if (typeof field === 'string') {
    out[normalizeFieldPath(field)] = asMessage(details.reason ?? details.message ?? details.detail, message);
  } else if (Array.isArray(field)) {
    for (const f of field) if (typeof f === 'string') out[normalizeFieldPath(f)] = message;
  }

  for (const listKey of ['fields', 'errors']) {
    const list = details[listKey];
    if (Array.isArray(list)) {
      for (const item of list) {
        if (item && typeof item === 'object') {
          const o = item as Record<string, unknown>;
          const name = o.field ?? o.path ?? o.name;
          if (typeof name === 'string') out[normalizeFieldPath(name)] = asMessage(o.message ?? o.reason, message);
        } else if (typeof item === 'string') {
          out[normalizeFieldPath(item)] = message;
        }
      }
    } else if (list && typeof list === 'object') {
      for (const [k, v] of Object.entries(list)) out[normalizeFieldPath(k)] = asMessage(v, message);
    }
  }

  if (Object.keys(out).length === 0) {
    const reserved = new Set(['field', 'path', 'param', 'reason', 'message', 'detail', 'fields', 'errors']);
    for (const [k, v] of Object.entries(details)) {
      if (!reserved.has(k) && (typeof v === 'string' || Array.isArray(v))) out[normalizeFieldPath(k)] = asMessage(v, message);
    }
  }
  return out;
}

/** Reads an error response into an ApiError, whatever its body turns out to be. */
export async function parseErrorResponse(res: Response): Promise<ApiError> {
  const retryHeader = res.headers.get('Retry-After');
  const retryAfter = retryHeader != null && retryHeader !== '' && !Number.isNaN(Number(retryHeader)) ? Number(retryHeader) : undefined;
  let text = '';
  try {
    text = await res.text();
  } catch {
    // Body unreadable: fall through to the generic error.
  }
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  const err = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; details?: unknown };
    const code = typeof e.code === 'string' ? e.code : `http_${res.status}`;
    const message = typeof e.message === 'string' && e.message ? e.message : defaultMessage(res.status);
    const details = e.details && typeof e.details === 'object' && !Array.isArray(e.details) ? (e.details as ErrorDetails) : {};
    return new ApiError(res.status, code, message, details, retryAfter);
  }
  return new ApiError(res.status, `http_${res.status}`, defaultMessage(res.status), {}, retryAfter);
}

function defaultMessage(status: number): string {
  switch (status) {
    case 400:
      return 'The request was malformed.';
    case 401:
      return 'Please log in again.';
    case 404:
      return 'Not found.';
    case 409:
      return 'That conflicts with the current state.';
    case 413:
      return 'That upload is too large.';
    case 429:
      return 'Too many requests. Catch your breath and try again.';
    default:
      return status >= 500 ? 'The server stumbled. Try again in a moment.' : `Request failed (${status}).`;
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** JSON-encoded unless it is a Blob (uploads). */
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  const qs = new URLSearchParams();
  if (query) {
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  }
  const s = qs.toString();
  return `${API_BASE}${path}${s ? `?${s}` : ''}`;
}

const OFFLINE_MESSAGE = 'Cannot reach the server. Check your connection.';

function networkError(): ApiError {
  return new ApiError(0, 'network_error', OFFLINE_MESSAGE);
}

/** Codes by which the server says "a request with this key is still running": ask again, same key. */
const STILL_RUNNING = new Set(['request_in_progress', 'idempotency_conflict']);

/**
 * A keyed write answered "still running" (a double tap, a retry that overtook the first
 * send) is asked again with the same key after these pauses, for at most about 10 s in
 * all, so the caller gets the first request's answer instead of an error.
 */
export const STILL_RUNNING_PAUSES_MS = [250, 500, 1000, 2000, 2000, 2000, 2000];

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DOMException('Aborted', 'AbortError'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new DOMException('Aborted', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function apiRequest<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const token = tokenStore.get();
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.body instanceof Blob) {
    body = opts.body;
    if (opts.body.type) headers['Content-Type'] = opts.body.type;
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
  const method = opts.method ?? 'GET';
  // A read that a newer one supersedes (a save and a live event both asking for the
  // dashboard within milliseconds) is left to finish and its answer dropped by the
  // query cache: aborting it showed up as a failed request every time. Only writes
  // and uploads may be aborted by their caller.
  const signal = method === 'GET' ? undefined : opts.signal;

  for (let retry = 0; ; retry++) {
    // Offline, say so at once: nothing is left waiting to go out by itself later
    // (only the activity log queues on purpose, with its own key).
    if (typeof navigator !== 'undefined' && navigator.onLine === false) throw networkError();
    let res: Response;
    try {
      res = await fetch(buildUrl(path, opts.query), { method, headers, body, signal });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw networkError();
    }
    noteServerDate(res.headers.get('Date'));
    if (!res.ok) {
      const err = await parseErrorResponse(res);
      if (opts.idempotencyKey && err.status === 409 && STILL_RUNNING.has(err.code) && retry < STILL_RUNNING_PAUSES_MS.length) {
        await pause(STILL_RUNNING_PAUSES_MS[retry], signal);
        continue;
      }
      // A rejected token means the session is over; a failed login (no token sent) is
      // not, nor is a newer session started while this request was out.
      if (res.status === 401 && token && tokenStore.get() === token) tokenStore.set(null);
      throw err;
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

export const api = {
  get: <T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal) => apiRequest<T>(path, { query, signal }),
  post: <T>(path: string, body?: unknown, idempotencyKey?: string) => apiRequest<T>(path, { method: 'POST', body, idempotencyKey }),
  patch: <T>(path: string, body: unknown) => apiRequest<T>(path, { method: 'PATCH', body }),
  put: <T>(path: string, body: unknown) => apiRequest<T>(path, { method: 'PUT', body }),
};

/** A fresh Idempotency-Key; randomUUID needs a secure context, so fall back when absent. */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

const FIELD_LABELS: Record<string, string> = {
  duration_min: 'Duration',
  distance_km: 'Distance',
  weight_kg: 'weight',
  reps: 'reps',
  exercise: 'exercise',
  sets: 'Sets',
  woke_at: 'Wake-up time',
  occurred_at: 'Time of training',
  note: 'Note',
  style: 'Style',
  kind: 'Activity kind',
  username: 'Username',
  email: 'Email',
  password: 'Password',
  timezone: 'Time zone',
  training_days: 'Training days',
  weekly_goal: 'Weekly goal',
  wake_target: 'Wake target',
  opponent: 'Opponent',
  goals: 'Goals',
};

const UNITS: Record<string, string> = { duration_min: ' minutes', distance_km: ' km', weight_kg: ' kg' };

/**
 * A message about `sets.N.field` that names only the field ("reps must be …") names
 * the row as people count it ("sets[N].reps must be …", humanized to "Set N+1 reps").
 */
function rowMessage(key: string, message: string): string {
  const m = /^sets\.(\d+)\.([a-z_]+)$/.exec(key);
  if (!m || /\bsets[[./]/.test(message)) return message;
  const [, n, field] = m;
  if (message.startsWith(`${field} `)) return `sets[${n}].${message}`;
  return `Set ${Number(n) + 1}: ${message}`;
}

/**
 * Rewrites the API's developer wording for people: `sets[2].weight_kg must be between
 * 0 and 500, got 600` → `Set 3 weight must be between 0 and 500 kg (you entered
 * 600 kg)`, `duration_min is
 * required` → `Duration is required`, `that is not a valid email address` → `That is
 * not a valid email address` (a field's name inside a sentence stays lower case).
 */
export function humanizeMessage(message: string): string {
  let unit = '';
  let out = message.replace(/\bsets(?:\[(\d+)\]|\.(\d+)|\/(\d+))(?:\.|\/)?([a-z_]+)?/g, (_m, a, b, c, f) => {
    const n = Number(a ?? b ?? c) + 1;
    if (f && UNITS[f]) unit = UNITS[f];
    return f ? `Set ${n} ${FIELD_LABELS[f] ?? f.replace(/_/g, ' ')}` : `Set ${n}`;
  });
  out = out.replace(/\b(goals)\.(strength|agility|intelligence)\b/g, (_m, _g, k: string) => `${k[0].toUpperCase()}${k.slice(1)} goal`);
  out = out.replace(/\b([a-z]+_[a-z_]+|kind|sets|note|style|username|email|password|timezone|opponent)\b/g, (m: string, _w: string, at: number) => {
    const label = FIELD_LABELS[m];
    if (!label) return m;
    if (UNITS[m]) unit = UNITS[m];
    return at === 0 ? label : label.toLowerCase();
  });
  // The unit follows each number it measures: the limit, and what was entered.
  const withUnit = (s: string) => (unit && /\d$/.test(s) ? s + unit : s);
  const got = /, got (.+)$/.exec(out);
  out = got ? `${withUnit(out.slice(0, got.index))} (you entered ${withUnit(got[1])})` : withUnit(out);
  return out.charAt(0).toUpperCase() + out.slice(1);
}

/** The app's own words for errors whose server message is not enough for a player. */
const CODE_MESSAGES: Record<string, (e: ApiError) => string | undefined> = {
  username_taken: () => 'That username is already taken',
  reclassify_cooldown: (e) => {
    const at = classChangeAvailableAt(e);
    return `You can change class once every 30 days${at ? `: your next change is possible from ${formatDateTime(at)}` : ''}`;
  },
  unauthorized: () => 'Your session has ended. Log in again',
  request_in_progress: () => 'Your last try is still being saved. Wait a moment and try again: it will not be stored twice',
};

/** When a 409 `reclassify_cooldown` says the next class change is allowed (RFC 3339), if it does. */
export function classChangeAvailableAt(e: unknown): string | undefined {
  if (!(e instanceof ApiError) || e.code !== 'reclassify_cooldown') return undefined;
  const at = e.details.available_at;
  return typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? at : undefined;
}

/** A wait in words: "in 45 seconds", "in 2 minutes", "in about 1 hour", "in about 3 days". */
export function waitPhrase(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (s < 60) return `in ${plural(s, 'second')}`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `in ${plural(minutes, 'minute')}`;
  if (s < 36 * 3600) return `in about ${plural(Math.max(1, Math.round(s / 3600)), 'hour')}`;
  return `in about ${plural(Math.round(s / 86400), 'day')}`;
}

/** A rate-limit message with when to try again, in words. */
function withWait(message: string, seconds: number): string {
  const when = waitPhrase(seconds);
  const m = /\btry again( later)?(\.?)$/i.exec(message);
  if (m) return `${message.slice(0, m.index)}try again ${when}${m[2]}`;
  if (/\btry again\b/i.test(message)) return `${message} (${when})`;
  return `${message.replace(/\.$/, '')}. Try again ${when}`;
}

/** A human sentence for any thrown error. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.retryAfter ? withWait(e.displayMessage, e.retryAfter) : e.displayMessage;
  if (e instanceof Error) return e.message;
  return 'Something went wrong.';
}
