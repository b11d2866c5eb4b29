/**
 * The logged-in frame, phone first: a slim top bar (the brand, compact on a phone;
 * the live state, "Offline" in words when the connection is gone; the player chip,
 * whose name is cut short before its level ever is), the page, and a bottom tab bar
 * with the main sections (everything else is under "More"). Also: the skip link,
 * focus moved to the new page's heading after a route change, toasts in a polite
 * live region (at most two, short-lived, above the tab bar but clear of the page's
 * main buttons), the big-moment overlay, and the offline queue's sender.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import { useLocation } from 'react-router';
import { useMe } from '../features/auth/api/get-me';
import { useLiveEvents } from '../hooks/use-live-events';
import { useOfflineQueue } from '../features/activities/offline/use-offline-queue';
import { MomentOverlay } from '../components/moments/MomentOverlay';
import { Link } from './router';

const TABS = [
  { to: '/', label: 'Home', icon: '🏠', end: true },
  { to: '/log', label: 'Log', icon: '➕', end: true },
  { to: '/progress', label: 'Progress', icon: '📈', end: false },
  { to: '/leaderboard', label: 'Ranks', icon: '🏆', end: false },
  { to: '/more', label: 'More', icon: '☰', end: false },
];

const LIVE_LABEL = { idle: 'Offline', connecting: 'Connecting…', open: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline, no connection' } as const;

/** Moves focus to the page's first heading after navigation (not on first load). */
function useFocusHeadingOnRouteChange() {
  const { pathname } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    let tries = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const focus = () => {
      const h = document.querySelector<HTMLElement>('#main h1');
      if (h) {
        if (!h.hasAttribute('tabindex')) h.setAttribute('tabindex', '-1');
        h.focus({ preventScroll: true });
        return;
      }
      // A lazily loaded page may not have rendered yet.
      if (tries++ < 40) timer = setTimeout(focus, 50);
    };
    focus();
    return () => clearTimeout(timer);
  }, [pathname]);
}

export function AppShell({ token, children }: { token: string; children: ReactNode }) {
  const me = useMe();
  const live = useLiveEvents(token, {}, me.data?.username);
  const queue = useOfflineQueue();
  useFocusHeadingOnRouteChange();

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Shonen Training Tracker home">
          <span className="logo-mark small" aria-hidden="true">
            ★
          </span>
          <span className="brand-text" aria-hidden="true">
            Shonen <span>Training</span>
          </span>
        </Link>
        <div className="topbar-right">
          {queue.items.length ? (
            <Link to="/log" className="tap-target" aria-label={`${queue.items.length} activities waiting to be sent`}>
              <span className="pill pill-warn">⏳ {queue.items.length}</span>
            </Link>
          ) : null}
          {live.status === 'offline' ? (
            <span className="pill pill-bad live-offline" aria-hidden="true">
              Offline
            </span>
          ) : (
            <span className={`live-dot live-${live.status}`} aria-hidden="true" />
          )}
          <span className="sr-only" role="status">
            Real-time: {LIVE_LABEL[live.status]}
          </span>
          {me.data ? (
            <Link to={`/players/${encodeURIComponent(me.data.username)}`} className="me-chip">
              <span className="me-name">{me.data.username}</span> <small className="me-level">Lv {me.data.level}</small>
            </Link>
          ) : null}
        </div>
      </header>
      <main className="main" id="main" tabIndex={-1}>
        {children}
      </main>
      <div className="toasts" role="status" aria-live="polite" aria-atomic="false">
        {live.toasts.map((t) => (
          <button key={t.id} type="button" className={`toast toast-${t.type}`} onClick={() => live.dismiss(t.id)}>
            {t.text}
          </button>
        ))}
      </div>
      {live.moment ? <MomentOverlay moment={live.moment} onDone={live.momentDone} /> : null}
      <nav className="tabbar" aria-label="Main">
        {TABS.map((t) => (
          <Link key={t.to} to={t.to} end={t.end} className="tab-link" activeClassName="active">
            <span className="tab-icon" aria-hidden="true">
              {t.icon}
            </span>
            <span className="tab-label">{t.label}</span>
          </Link>
        ))}
      </nav>
    </div>
  );
}
