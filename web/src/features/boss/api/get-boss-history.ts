/** Past weeks' bosses, newest first: escaped ones carry a cutscene, defeated ones a badge. */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { Boss, PendingCutscene } from '../../../lib/types';

export const getBossHistory = (signal?: AbortSignal) => api.get<{ items: Boss[]; pending_cutscene?: PendingCutscene }>('/boss/history', undefined, signal);

export function useBossHistory() {
  return useQuery({ queryKey: queryKeys.bossHistory, queryFn: ({ signal }) => getBossHistory(signal) });
}
