/** Challenge a rival, accept or decline a challenge. */
import { useQueryClient } from '@tanstack/react-query';
import { useSingleFlightMutation } from '../../../hooks/use-single-flight-mutation';
import { api } from '../../../lib/api';
import { keyedWrite } from '../../../lib/attempt-key';
import { queryKeys } from '../../../lib/query-keys';
import type { Duel, Id } from '../../../lib/types';

// Keyed, so a send that got no answer is asked again as the same request.
export const createDuel = keyedWrite((opponent: string, key: string) => api.post<Duel>('/duels', { opponent }, key));
export const acceptDuel = keyedWrite((id: Id, key: string) => api.post<Duel>(`/duels/${encodeURIComponent(String(id))}/accept`, undefined, key));
export const declineDuel = keyedWrite((id: Id, key: string) => api.post<Duel>(`/duels/${encodeURIComponent(String(id))}/decline`, undefined, key));

function useDuelMutation<I>(fn: (input: I) => Promise<Duel>) {
  const qc = useQueryClient();
  return useSingleFlightMutation({
    mutationFn: fn,
    onSuccess: (duel) => {
      qc.setQueryData(queryKeys.duel(duel.id), duel);
      // The lists show the answer at once (an accepted challenge offers no second Accept).
      qc.setQueriesData<{ items: Duel[] }>({ queryKey: queryKeys.duelLists }, (old) =>
        old ? { ...old, items: old.items.map((d) => (d.id === duel.id ? duel : d)) } : old,
      );
      qc.invalidateQueries({ queryKey: queryKeys.duels });
    },
  });
}

export const useCreateDuel = () => useDuelMutation(createDuel);
export const useAcceptDuel = () => useDuelMutation(acceptDuel);
export const useDeclineDuel = () => useDuelMutation(declineDuel);
