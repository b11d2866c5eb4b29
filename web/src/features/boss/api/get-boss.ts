/** This week's villain (`GET /boss`) and past weeks (`GET /boss/history`). */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { Boss } from '../../../lib/types';

export const getBoss = (signal?: AbortSignal) => api.get<Boss>('/boss', undefined, signal);

export function useBoss() {
  return useQuery({ queryKey: queryKeys.bossCurrent, queryFn: ({ signal }) => getBoss(signal) });
}
