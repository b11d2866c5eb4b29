/** One activity with its award (`GET /activities/{id}`). */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { ActivityWithAward, Id } from '../../../lib/types';

export const getActivity = (id: Id, signal?: AbortSignal) =>
  api.get<ActivityWithAward>(`/activities/${encodeURIComponent(String(id))}`, undefined, signal);

export function useActivity(id: Id) {
  return useQuery({ queryKey: queryKeys.activity(id), queryFn: ({ signal }) => getActivity(id, signal) });
}
