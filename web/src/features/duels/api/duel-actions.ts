/** Challenge a rival, accept or decline a challenge. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, newIdempotencyKey } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { Duel, Id } from '../../../lib/types';

export const createDuel = (opponent: string) => api.post<Duel>('/duels', { opponent }, newIdempotencyKey());
export const acceptDuel = (id: Id) => api.post<Duel>(`/duels/${encodeURIComponent(String(id))}/accept`);
export const declineDuel = (id: Id) => api.post<Duel>(`/duels/${encodeURIComponent(String(id))}/decline`);

function useDuelMutation<I>(fn: (input: I) => Promise<Duel>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (duel) => {
      qc.setQueryData(queryKeys.duel(duel.id), duel);
      qc.invalidateQueries({ queryKey: queryKeys.duels });
    },
  });
}

export const useCreateDuel = () => useDuelMutation(createDuel);
export const useAcceptDuel = () => useDuelMutation(acceptDuel);
export const useDeclineDuel = () => useDuelMutation(declineDuel);
