/**
 * Idempotency-Keys for writes the player may send again: one key per intended write.
 * Sending the same body again after it got no final answer (no connection, a server
 * error, or the server still busy with it) reuses the key, so the server stores it
 * once and answers the retry with the first response. Anything else gets a fresh
 * key: after a final answer (success, or a refusal the server records for the key)
 * the next send is a new request, and a changed body with an old key would be
 * refused as a reused key.
 */
import { ApiError, newIdempotencyKey } from './api';

/** Error codes by which the server says "this key's request has no answer yet". */
const NOT_YET_ANSWERED = new Set(['request_in_progress', 'idempotency_conflict']);

/** Whether a failed keyed write may have no recorded answer, so a retry must keep its key. */
export function isUnanswered(e: unknown): boolean {
  if (!(e instanceof ApiError)) return false;
  return e.status === 0 || e.status >= 500 || NOT_YET_ANSWERED.has(e.code);
}

/** What identifies a body: files by name, size, type and date; the rest by their JSON. */
function fingerprint(body: unknown): string {
  return JSON.stringify(body, (_k, v: unknown) => {
    if (typeof Blob !== 'undefined' && v instanceof Blob) {
      const f = v as Blob & { name?: string; lastModified?: number };
      return { blob: [f.name ?? '', f.size, f.type, f.lastModified ?? 0] };
    }
    return v;
  });
}

export class AttemptKey {
  private last: { body: string; key: string } | null = null;

  /** The key to send `body` with. */
  keyFor(body: unknown): string {
    const fp = fingerprint(body);
    if (this.last?.body !== fp) this.last = { body: fp, key: newIdempotencyKey() };
    return this.last.key;
  }

  /** The send with `key` ended: with `error` (kept for a retry when unanswered) or not. */
  settle(key: string, error?: unknown): void {
    if (this.last?.key === key && !(error !== undefined && isUnanswered(error))) this.last = null;
  }

  /** Forgets the key (the write was handed on, e.g. to the offline queue). */
  forget(): void {
    this.last = null;
  }
}

/**
 * A keyed write as a function of its body alone: `send` gets the body and the key
 * to send it with, per the rules above.
 */
export function keyedWrite<V, T>(send: (vars: V, key: string) => Promise<T>): (vars: V) => Promise<T> {
  const attempt = new AttemptKey();
  return async (vars) => {
    const key = attempt.keyFor(vars);
    try {
      const out = await send(vars, key);
      attempt.settle(key);
      return out;
    } catch (e) {
      attempt.settle(key, e);
      throw e;
    }
  };
}
