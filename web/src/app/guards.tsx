/** Layout routes: the root (router-aware helpers), the logged-in frame and the public pages. */
import { useEffect, useState } from 'react';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { useToken } from '../features/auth/use-token';
import { hasAccountHere } from '../lib/onboarding';
import { AppShell } from './AppShell';
import { setNavigator } from './router';
import { Loading } from '../components/ui/Status';
import { NotFoundView } from '../components/ui/ErrorPage';

export function RouteLoading() {
  return <Loading />;
}

export function RootLayout() {
  const nav = useNavigate();
  useEffect(() => {
    setNavigator((to, opts) => void nav(to, opts));
    return () => setNavigator(null);
  }, [nav]);
  return <Outlet />;
}

/** Where the log-in form sends someone who was sent there from a logged-in page. */
export interface LoginState {
  from?: string;
}

/** The page to open after logging in: the one asked for (a path of this app), else home. */
export function afterLoginPath(state: unknown): string {
  const from = state && typeof state === 'object' ? (state as LoginState).from : undefined;
  if (typeof from !== 'string' || !from.startsWith('/') || from.startsWith('//') || /^\/(login|register)\b/.test(from)) return '/';
  return from;
}

/**
 * Logged-in screens; without a token, a first visit goes to sign-up, a return to
 * log-in, which then comes back to the page asked for (a deep link, an expired session).
 */
export function RequireAuth() {
  const token = useToken();
  const { pathname, search, hash } = useLocation();
  if (!token) {
    const state: LoginState = { from: `${pathname}${search}${hash}` };
    return <Navigate to={hasAccountHere() ? '/login' : '/register'} replace state={state} />;
  }
  return (
    <AppShell token={token}>
      <Outlet />
    </AppShell>
  );
}

/**
 * Log-in and sign-up. Someone already logged in goes home; a token that appears
 * while here (the form just succeeded) is left to the form, which knows where to go
 * next (after sign-up: the class reveal).
 */
export function PublicOnly() {
  const token = useToken();
  const [hadToken] = useState(token);
  if (hadToken && token) return <Navigate to="/" replace />;
  return (
    <main id="main" tabIndex={-1}>
      <Outlet />
    </main>
  );
}

export function NotFound() {
  const token = useToken();
  const body = (
    <NotFoundView title="404 — this arc doesn't exist" back={{ to: '/', label: 'Back to the main story' }}>
      Filler episode detected.
    </NotFoundView>
  );
  return token ? <AppShell token={token}>{body}</AppShell> : <main id="main">{body}</main>;
}
