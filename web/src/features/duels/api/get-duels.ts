/** The player's duels, optionally filtered by status (`GET /duels?status=`). */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { Duel, DuelStatus } from '../../../lib/types';

export const getDuels = (status?: DuelStatus, signal?: AbortSignal) => api.get<{ items: Duel[] }>('/duels', { status }, signal);

export function useDuels(status?: DuelStatus) {
  return useQuery({
    queryKey: queryKeys.duelList(status),
    queryFn: ({ signal }) => getDuels(status, signal),
    // A queued battle resolves in the background; poll as a fallback to the live socket.
    refetchInterval: (q) => (q.state.data?.items.some((d) => d.status === 'queued') ? 5000 : false),
  });
}
