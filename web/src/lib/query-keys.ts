/** Every TanStack Query key in one place, so live events can invalidate by prefix. */
import type { Id, LeaderboardScope } from './types';

export const queryKeys = {
  me: ['me'] as const,
  dashboard: ['dashboard'] as const,
  activities: ['activities'] as const,
  activityList: ['activities', 'list'] as const,
  activity: (id: Id) => ['activities', 'detail', String(id)] as const,
  ledger: ['ledger'] as const,
  leaderboard: ['leaderboard'] as const,
  leaderboardScope: (scope: LeaderboardScope, cls?: string) => ['leaderboard', scope, cls ?? ''] as const,
  duels: ['duels'] as const,
  duelLists: ['duels', 'list'] as const,
  duelList: (status?: string) => ['duels', 'list', status ?? 'all'] as const,
  duel: (id: Id) => ['duels', 'detail', String(id)] as const,
  boss: ['boss'] as const,
  bossCurrent: ['boss', 'current'] as const,
  bossHistory: ['boss', 'history'] as const,
  players: ['players'] as const,
  player: (username: string) => ['players', username] as const,
};
