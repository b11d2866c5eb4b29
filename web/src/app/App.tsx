/** Picks the screen for the current path and guards the ones that need a login. */
import { useEffect } from 'react';
import { useToken } from '../features/auth/use-token';
import { AppShell } from './AppShell';
import { AppProvider } from './provider';
import { Link, navigate, useLocation } from './router';
import { resolveRoute } from './routes';

function Screen() {
  const { pathname } = useLocation();
  const token = useToken();
  const match = resolveRoute(pathname);
  const needsLogin = !!match && match.route.auth && !token;
  const alreadyIn = !!match && !match.route.auth && !!token;

  useEffect(() => {
    if (needsLogin) navigate('/login', { replace: true });
    else if (alreadyIn) navigate('/', { replace: true });
  }, [needsLogin, alreadyIn]);

  if (!match) {
    const body = (
      <div className="page narrow center">
        <h1>404 — this arc doesn't exist</h1>
        <p className="muted">Filler episode detected.</p>
        <Link to="/" className="btn btn-primary">
          Back to the main story
        </Link>
      </div>
    );
    return token ? <AppShell token={token}>{body}</AppShell> : body;
  }
  if (needsLogin || alreadyIn) return null;
  const content = match.route.render(match.params);
  return match.route.auth && token ? <AppShell token={token}>{content}</AppShell> : <>{content}</>;
}

export function App() {
  return (
    <AppProvider>
      <Screen />
    </AppProvider>
  );
}
