/** Activity history, newest first, paged by the `next_before` cursor. */
import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { ActivityPage } from '../../../lib/types';

export const ACTIVITY_PAGE_SIZE = 20;

export const getActivities = (before?: string, signal?: AbortSignal) =>
  api.get<ActivityPage>('/activities', { limit: ACTIVITY_PAGE_SIZE, before }, signal);

export function useActivities() {
  return useInfiniteQuery({
    queryKey: queryKeys.activityList,
    queryFn: ({ pageParam, signal }) => getActivities(pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_before ?? undefined,
  });
}
