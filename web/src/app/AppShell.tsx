/** The logged-in frame: top bar, navigation, live connection state and event toasts. */
import { useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { logout } from '../features/auth/use-token';
import { useMe } from '../features/auth/api/get-me';
import { useLiveEvents } from '../hooks/use-live-events';
import { CLASS_INFO } from '../lib/format';
import { Link, navigate } from './router';

const NAV = [
  { to: '/', label: 'Dashboard', end: true },
  { to: '/log', label: 'Log', end: true },
  { to: '/activities', label: 'History' },
  { to: '/ledger', label: 'Ledger' },
  { to: '/leaderboard', label: 'Ranks' },
  { to: '/duels', label: 'Duels' },
  { to: '/boss', label: 'Boss' },
  { to: '/settings', label: 'Settings' },
];

const LIVE_LABEL = { idle: 'Offline', connecting: 'Connecting…', open: 'Live', reconnecting: 'Reconnecting…' } as const;

export function AppShell({ token, children }: { token: string; children: ReactNode }) {
  const qc = useQueryClient();
  const me = useMe();
  const live = useLiveEvents(token);
  const cls = me.data ? CLASS_INFO[me.data.class] : undefined;

  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Shonen Training Tracker home">
          <span className="logo-mark small" aria-hidden>
            ★
          </span>
          <span className="brand-text">
            Shonen <span>Training</span>
          </span>
        </Link>
        <nav className="nav" aria-label="Main">
          {NAV.map((n) => (
            <Link key={n.to} to={n.to} className="nav-link" activeClassName="active" end={n.end}>
              {n.label}
            </Link>
          ))}
        </nav>
        <div className="topbar-right">
          <span className={`live-dot live-${live.status}`} title={LIVE_LABEL[live.status]} aria-label={`Real-time: ${LIVE_LABEL[live.status]}`} />
          {me.data ? (
            <Link to={`/players/${encodeURIComponent(me.data.username)}`} className="me-chip">
              {cls?.icon} {me.data.username} <small>Lv {me.data.level}</small>
            </Link>
          ) : null}
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            onClick={() => {
              logout(qc);
              navigate('/login', { replace: true });
            }}
          >
            Log out
          </button>
        </div>
      </header>
      <main className="main">{children}</main>
      <div className="toasts" aria-live="polite">
        {live.toasts.map((t) => (
          <button key={t.id} type="button" className={`toast toast-${t.type}`} onClick={() => live.dismiss(t.id)}>
            {t.text}
          </button>
        ))}
      </div>
    </div>
  );
}
