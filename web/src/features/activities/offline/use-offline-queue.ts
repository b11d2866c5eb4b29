/**
 * The current player's part of the offline queue as React state; sends it when the
 * browser comes back online and when the player logs in.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { queryKeys } from '../../../lib/query-keys';
import { useTokenOwner } from '../../auth/use-token';
import { discard, flushQueue, listQueuedFor, onQueueChange, type QueuedActivity } from './queue';

export function useOfflineQueue() {
  const qc = useQueryClient();
  const owner = useTokenOwner();
  const [items, setItems] = useState<QueuedActivity[]>([]);

  const refresh = useCallback(() => {
    listQueuedFor(owner)
      .then(setItems)
      .catch(() => setItems([]));
  }, [owner]);

  const flush = useCallback(async () => {
    if (typeof navigator !== 'undefined' && navigator.onLine === false) return;
    const sent = await flushQueue().catch(() => 0);
    if (sent > 0) {
      for (const queryKey of [queryKeys.me, queryKeys.dashboard, queryKeys.activities, queryKeys.ledger, queryKeys.leaderboard, queryKeys.boss]) {
        qc.invalidateQueries({ queryKey });
      }
    }
  }, [qc]);

  useEffect(() => {
    if (typeof indexedDB === 'undefined') return;
    refresh();
    const off = onQueueChange(refresh);
    void flush();
    window.addEventListener('online', flush);
    // Also retry every few seconds: "online" is not fired for a server that came
    // back, and a send cut short (the page closed mid-request) is answered 409 until
    // the server has finished it. An empty queue costs one IndexedDB read.
    const timer = setInterval(() => void flush(), 5_000);
    return () => {
      off();
      window.removeEventListener('online', flush);
      clearInterval(timer);
    };
  }, [refresh, flush]);

  return { items, flush, discard };
}
