/** Recent activities for the exercise picker and progress views (one page of 100). */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { ActivityPage } from '../../../lib/types';

export const RECENT_LIMIT = 100;

export function useRecentActivities() {
  return useQuery({
    queryKey: [...queryKeys.activities, 'recent', RECENT_LIMIT],
    queryFn: ({ signal }) => api.get<ActivityPage>('/activities', { limit: RECENT_LIMIT }, signal),
    staleTime: 60_000,
  });
}
