/**
 * The offline queue: activities logged without a connection, kept in IndexedDB with
 * the Idempotency-Key they were first tried with and the exact body to send (its
 * `occurred_at` pinned to when it was logged), and sent again (same key, same body, so
 * the server stores each exactly once, at the time it was done) when the connection
 * returns. Each item belongs to the player whose session queued it: only that
 * player's session shows it or sends it, with that player's token, so logging out
 * and in as someone else on this device never sends one player's training as
 * another's. It waits for its owner's next log-in instead.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { ApiError, api, errorMessage } from '../../../lib/api';
import { serverNow } from '../../../lib/server-clock';
import { tokenStore } from '../../../lib/token';
import type { ActivityInput, ActivityWithAward } from '../../../lib/types';
import { withOccurredAt } from '../activity-form';

export interface QueuedActivity {
  key: string;
  /** The body, sent as is every time (the key's replay needs the same body). */
  input: ActivityInput;
  queued_at: string;
  /**
   * The id of the player who queued it. Absent on items queued before owners were
   * kept: the first session that sends the queue takes those on.
   */
  owner?: string;
  /** Why the server refused it, when it did (kept so the player sees it). */
  error?: string;
}

const DB_NAME = 'shonen-offline';
const STORE = 'activities';
let dbPromise: Promise<IDBPDatabase> | null = null;

function db(): Promise<IDBPDatabase> {
  dbPromise ??= openDB(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore(STORE, { keyPath: 'key' });
    },
  });
  return dbPromise;
}

const listeners = new Set<() => void>();
export function onQueueChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
const changed = () => listeners.forEach((l) => l());

const sentListeners = new Set<(key: string, result: ActivityWithAward) => void>();
/** Told of each queued activity the server stored, by the key it was queued with. */
export function onQueuedSent(fn: (key: string, result: ActivityWithAward) => void): () => void {
  sentListeners.add(fn);
  return () => sentListeners.delete(fn);
}

/**
 * Queues `input` under `key` for `owner` (the current session's player). Without an
 * `occurred_at` it is pinned to now, by the server's clock: sent later, it still
 * counts when it was done.
 */
export async function enqueue(key: string, input: ActivityInput, owner: string | null = tokenStore.owner()): Promise<void> {
  const item: QueuedActivity = { key, input: withOccurredAt(input, serverNow()), queued_at: new Date().toISOString() };
  if (owner) item.owner = owner;
  await (await db()).put(STORE, item);
  changed();
}

/**
 * What an earlier version stored when a send met an ended session (a 401): not a
 * refusal of the activity, so such an item is sent again like any other.
 */
const ENDED_SESSION_ERROR = 'A valid bearer token is required';

/** Every queued activity on this device, whoever queued it, oldest first. */
export async function listQueued(): Promise<QueuedActivity[]> {
  const all = (await (await db()).getAll(STORE)) as QueuedActivity[];
  return all.map((q) => (q.error === ENDED_SESSION_ERROR ? { ...q, error: undefined } : q)).sort((a, b) => a.queued_at.localeCompare(b.queued_at));
}

/** The queued activities `owner` may see and send (none without a session). */
export async function listQueuedFor(owner: string | null): Promise<QueuedActivity[]> {
  if (!owner) return [];
  return (await listQueued()).filter((q) => q.owner === undefined || q.owner === owner);
}

export async function discard(key: string): Promise<void> {
  await (await db()).delete(STORE, key);
  changed();
}

/**
 * True for failures that a later retry may fix: no connection, server trouble, or a
 * session that ended or may not send it now (401, 403: the owner's next log-in does).
 */
export function isTransient(e: unknown): boolean {
  if (!(e instanceof ApiError)) return true;
  return e.status === 0 || e.status === 401 || e.status === 403 || e.status === 409 || e.status === 429 || e.status >= 500;
}

let flushing: Promise<number> | null = null;

/**
 * Sends the current player's queued activities, oldest first, one at a time, with
 * their token; stops at the first transient failure or when the session changes.
 * Returns how many were stored (each is announced to `onQueuedSent`). Concurrent
 * calls share one run.
 */
export function flushQueue(): Promise<number> {
  const owner = tokenStore.owner();
  if (!owner) return Promise.resolve(0);
  flushing ??= (async () => {
    let sent = 0;
    try {
      for (const queued of await listQueuedFor(owner)) {
        if (queued.error) continue;
        const item: QueuedActivity = { ...queued, owner };
        // An item from before owners were kept: this session takes it on.
        if (!queued.owner) await (await db()).put(STORE, item);
        // Checked right before the send, which reads the token at once: a log-out or
        // another player's log-in since the run started must not carry this item.
        if (tokenStore.owner() !== owner) break;
        try {
          const r = await api.post<ActivityWithAward>('/activities', item.input, item.key);
          await (await db()).delete(STORE, item.key);
          sent += 1;
          changed();
          sentListeners.forEach((l) => l(item.key, r));
        } catch (e) {
          if (isTransient(e)) break;
          await (await db()).put(STORE, { ...item, error: errorMessage(e) });
          changed();
        }
      }
    } finally {
      flushing = null;
    }
    return sent;
  })();
  return flushing;
}
