/** Layout routes: the root (router-aware helpers), the logged-in frame and the public pages. */
import { useEffect, useState } from 'react';
import { Navigate, Outlet, useNavigate } from 'react-router';
import { useToken } from '../features/auth/use-token';
import { hasAccountHere } from '../lib/onboarding';
import { AppShell } from './AppShell';
import { Link, setNavigator } from './router';
import { Loading } from '../components/ui/Status';

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

/** Logged-in screens; without a token, a first visit goes to sign-up, a return to log-in. */
export function RequireAuth() {
  const token = useToken();
  if (!token) return <Navigate to={hasAccountHere() ? '/login' : '/register'} replace />;
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
    <div className="page narrow center">
      <h1>404 — this arc doesn't exist</h1>
      <p className="muted">Filler episode detected.</p>
      <Link to="/" className="btn btn-primary">
        Back to the main story
      </Link>
    </div>
  );
  return token ? <AppShell token={token}>{body}</AppShell> : <main id="main">{body}</main>;
}
