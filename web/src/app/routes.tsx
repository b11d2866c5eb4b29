/** The route table: path patterns to screens, and which need a logged-in player. */
import type { ReactNode } from 'react';
import { ActivityDetailPage } from '../features/activities/components/ActivityDetailPage';
import { HistoryPage } from '../features/activities/components/HistoryPage';
import { LogActivityPage } from '../features/activities/components/LogActivityPage';
import { LoginPage } from '../features/auth/components/LoginPage';
import { RegisterPage } from '../features/auth/components/RegisterPage';
import { BossPage } from '../features/boss/components/BossPage';
import { DashboardPage } from '../features/dashboard/components/DashboardPage';
import { LedgerPage } from '../features/dashboard/components/LedgerPage';
import { DuelReplayPage } from '../features/duels/components/DuelReplayPage';
import { DuelsPage } from '../features/duels/components/DuelsPage';
import { LeaderboardPage } from '../features/leaderboard/components/LeaderboardPage';
import { ProfilePage } from '../features/profile/components/ProfilePage';
import { SettingsPage } from '../features/profile/components/SettingsPage';
import { matchPath } from './router';

export interface RouteDef {
  path: string;
  auth: boolean;
  render: (params: Record<string, string>) => ReactNode;
}

export const routes: RouteDef[] = [
  { path: '/login', auth: false, render: () => <LoginPage /> },
  { path: '/register', auth: false, render: () => <RegisterPage /> },
  { path: '/', auth: true, render: () => <DashboardPage /> },
  { path: '/log', auth: true, render: () => <LogActivityPage /> },
  { path: '/activities', auth: true, render: () => <HistoryPage /> },
  { path: '/activities/:id', auth: true, render: (p) => <ActivityDetailPage key={p.id} id={p.id} /> },
  { path: '/ledger', auth: true, render: () => <LedgerPage /> },
  { path: '/leaderboard', auth: true, render: () => <LeaderboardPage /> },
  { path: '/duels', auth: true, render: () => <DuelsPage /> },
  { path: '/duels/:id', auth: true, render: (p) => <DuelReplayPage key={p.id} id={p.id} /> },
  { path: '/boss', auth: true, render: () => <BossPage /> },
  { path: '/settings', auth: true, render: () => <SettingsPage /> },
  { path: '/players/:username', auth: true, render: (p) => <ProfilePage key={p.username} username={p.username} /> },
];

export function resolveRoute(pathname: string): { route: RouteDef; params: Record<string, string> } | null {
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (params) return { route, params };
  }
  return null;
}
