/**
 * The route table. Every screen is its own chunk, loaded when first visited, so the
 * first page downloads only the shell and that screen.
 */
import type { RouteObject } from 'react-router';
import { useParams } from 'react-router';
import { NotFound, PublicOnly, RequireAuth, RootLayout, RouteLoading } from './guards';

type Loader = () => Promise<{ Component: React.ComponentType }>;

const page =
  <M,>(load: () => Promise<M>, pick: (m: M) => React.ComponentType): Loader =>
  async () => ({ Component: pick(await load()) });

export const routes: RouteObject[] = [
  {
    element: <RootLayout />,
    HydrateFallback: RouteLoading,
    children: [
      {
        element: <PublicOnly />,
        children: [
          { path: '/login', lazy: page(() => import('../features/auth/components/LoginPage'), (m) => m.LoginPage) },
          { path: '/register', lazy: page(() => import('../features/auth/components/RegisterPage'), (m) => m.RegisterPage) },
        ],
      },
      {
        element: <RequireAuth />,
        children: [
          { path: '/', lazy: page(() => import('../features/dashboard/components/DashboardPage'), (m) => m.DashboardPage) },
          { path: '/welcome', lazy: page(() => import('../features/auth/components/ClassRevealPage'), (m) => m.ClassRevealPage) },
          { path: '/log', lazy: page(() => import('../features/activities/components/LogActivityPage'), (m) => m.LogActivityPage) },
          { path: '/activities', lazy: page(() => import('../features/activities/components/HistoryPage'), (m) => m.HistoryPage) },
          {
            path: '/activities/:id',
            lazy: page(
              () => import('../features/activities/components/ActivityDetailPage'),
              (m) =>
                function ActivityRoute() {
                  const { id = '' } = useParams();
                  return <m.ActivityDetailPage key={id} id={id} />;
                },
            ),
          },
          { path: '/progress', lazy: page(() => import('../features/progress/components/ProgressPage'), (m) => m.ProgressPage) },
          { path: '/ledger', lazy: page(() => import('../features/dashboard/components/LedgerPage'), (m) => m.LedgerPage) },
          { path: '/leaderboard', lazy: page(() => import('../features/leaderboard/components/LeaderboardPage'), (m) => m.LeaderboardPage) },
          { path: '/duels', lazy: page(() => import('../features/duels/components/DuelsPage'), (m) => m.DuelsPage) },
          {
            path: '/duels/:id',
            lazy: page(
              () => import('../features/duels/components/DuelReplayPage'),
              (m) =>
                function DuelRoute() {
                  const { id = '' } = useParams();
                  return <m.DuelReplayPage key={id} id={id} />;
                },
            ),
          },
          { path: '/boss', lazy: page(() => import('../features/boss/components/BossPage'), (m) => m.BossPage) },
          { path: '/more', lazy: page(() => import('./MorePage'), (m) => m.MorePage) },
          { path: '/settings', lazy: page(() => import('../features/profile/components/SettingsPage'), (m) => m.SettingsPage) },
          {
            path: '/players/:username',
            lazy: page(
              () => import('../features/profile/components/ProfilePage'),
              (m) =>
                function ProfileRoute() {
                  const { username = '' } = useParams();
                  return <m.ProfilePage key={username} username={username} />;
                },
            ),
          },
        ],
      },
      { path: '*', element: <NotFound /> },
    ],
  },
];
