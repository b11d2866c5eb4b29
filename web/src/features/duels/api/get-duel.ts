/** One duel with its replay rounds once resolved (`GET /duels/{id}`). */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { Duel, Id } from '../../../lib/types';

export const getDuel = (id: Id, signal?: AbortSignal) => api.get<Duel>(`/duels/${encodeURIComponent(String(id))}`, undefined, signal);

export function useDuel(id: Id) {
  return useQuery({
    queryKey: queryKeys.duel(id),
    queryFn: ({ signal }) => getDuel(id, signal),
    refetchInterval: (q) => (q.state.data?.status === 'queued' ? 3000 : false),
  });
}
