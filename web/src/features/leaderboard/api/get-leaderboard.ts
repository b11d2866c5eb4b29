/** Rankings by scope: all time, this week, or within a class (`GET /leaderboard`). */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { Leaderboard, LeaderboardScope } from '../../../lib/types';

export const getLeaderboard = (scope: LeaderboardScope, cls?: string, signal?: AbortSignal) =>
  api.get<Leaderboard>('/leaderboard', { scope, class: scope === 'class' ? cls : undefined, limit: 50 }, signal);

export function useLeaderboard(scope: LeaderboardScope, cls?: string) {
  return useQuery({
    queryKey: queryKeys.leaderboardScope(scope, scope === 'class' ? cls : undefined),
    queryFn: ({ signal }) => getLeaderboard(scope, cls, signal),
    placeholderData: keepPreviousData,
  });
}
