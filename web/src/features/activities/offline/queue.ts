/**
 * The offline queue: activities logged without a connection, kept in IndexedDB with
 * the Idempotency-Key they were first tried with, and sent again (same key, so the
 * server stores each exactly once) when the connection returns.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { ApiError, api, errorMessage } from '../../../lib/api';
import type { ActivityInput, ActivityWithAward } from '../../../lib/types';

export interface QueuedActivity {
  key: string;
  input: ActivityInput;
  queued_at: string;
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

export async function enqueue(key: string, input: ActivityInput): Promise<void> {
  await (await db()).put(STORE, { key, input, queued_at: new Date().toISOString() } satisfies QueuedActivity);
  changed();
}

export async function listQueued(): Promise<QueuedActivity[]> {
  const all = (await (await db()).getAll(STORE)) as QueuedActivity[];
  return all.sort((a, b) => a.queued_at.localeCompare(b.queued_at));
}

export async function discard(key: string): Promise<void> {
  await (await db()).delete(STORE, key);
  changed();
}

/** True for failures that a later retry may fix (no connection, server trouble). */
export function isTransient(e: unknown): boolean {
  return !(e instanceof ApiError) || e.status === 0 || e.status === 409 || e.status === 429 || e.status >= 500;
}

let flushing: Promise<number> | null = null;

/**
 * Sends every queued activity, oldest first, one at a time; stops at the first
 * transient failure. Returns how many were stored (each is announced to
 * `onQueuedSent`). Concurrent calls share one run.
 */
export function flushQueue(): Promise<number> {
  flushing ??= (async () => {
    let sent = 0;
    try {
      for (const item of await listQueued()) {
        if (item.error) continue;
        try {
          const r = await api.post<ActivityWithAward>('/activities', item.input, item.key);
          await (await db()).delete(STORE, item.key);
          sent += 1;
          changed();
          sentListeners.forEach((l) => l(item.key, r));
        } catch (e) {
          if (isTransient(e)) break;
          await (await db()).put(STORE, { ...item, error: e instanceof Error ? errorMessage(e) : 'Refused by the server.' });
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
