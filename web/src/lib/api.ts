/**
 * The one API client: prefixes /api/v1, adds the bearer token, and turns the contract's
 * error body `{"error": {"code", "message", "details"}}` into a typed ApiError.
 */
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

  /** Field name → a human message, for showing 422 errors next to the named input. */
  fieldErrors(): Record<string, string> {
    const out = fieldErrorsFromDetails(this.details, this.message);
    for (const k of Object.keys(out)) out[k] = humanizeMessage(rowMessage(k, out[k]));
    return out;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
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

  let res: Response;
  try {
    // A read that a newer one supersedes (a save and a live event both asking for the
    // dashboard within milliseconds) is left to finish and its answer dropped by the
    // query cache: aborting it showed up as a failed request every time. Only writes
    // and uploads may be aborted by their caller.
    const signal = (opts.method ?? 'GET') === 'GET' ? undefined : opts.signal;
    res = await fetch(buildUrl(path, opts.query), { method: opts.method ?? 'GET', headers, body, signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection.');
  }
  if (!res.ok) {
    const err = await parseErrorResponse(res);
    // A rejected token means the session is over; a failed login (no token sent) is not.
    if (res.status === 401 && token) tokenStore.set(null);
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
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
 * 0 and 500` → `Set 3 weight must be between 0 and 500 kg`, `duration_min is
 * required` → `Duration is required`.
 */
export function humanizeMessage(message: string): string {
  let unit = '';
  let out = message.replace(/\bsets(?:\[(\d+)\]|\.(\d+)|\/(\d+))(?:\.|\/)?([a-z_]+)?/g, (_m, a, b, c, f) => {
    const n = Number(a ?? b ?? c) + 1;
    if (f && UNITS[f]) unit = UNITS[f];
    return f ? `Set ${n} ${FIELD_LABELS[f] ?? f.replace(/_/g, ' ')}` : `Set ${n}`;
  });
  out = out.replace(/\b(goals)\.(strength|agility|intelligence)\b/g, (_m, _g, k: string) => `${k[0].toUpperCase()}${k.slice(1)} goal`);
  out = out.replace(/\b([a-z]+_[a-z_]+|kind|sets|note|style|username|email|password|timezone|opponent)\b/g, (m: string) => {
    if (!FIELD_LABELS[m]) return m;
    if (UNITS[m]) unit = UNITS[m];
    return FIELD_LABELS[m];
  });
  out = out.replace(/, got (.+)$/, ' (you entered $1)');
  if (unit && /\d$/.test(out)) out += unit;
  return out.charAt(0).toUpperCase() + out.slice(1);
}

/** A human sentence for any thrown error. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    const m = e.status === 422 ? humanizeMessage(e.message) : e.message;
    return e.retryAfter ? `${m} (retry in ${e.retryAfter}s)` : m;
  }
  if (e instanceof Error) return e.message;
  return 'Something went wrong.';
}
