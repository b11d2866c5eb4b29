/** Everything that is not on the tab bar, one tap away; and logging out. */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { PageHeader } from '../components/ui/Card';
import { useMe } from '../features/auth/api/get-me';
import { logoutEverywhere } from '../features/auth/use-token';
import { Link, navigate } from './router';

const ITEMS = [
  { to: '/boss', icon: '👹', label: 'Weekly boss', hint: 'Objectives, HP, past villains' },
  { to: '/duels', icon: '⚔️', label: 'Duels', hint: 'Challenge a rival, watch replays' },
  { to: '/activities', icon: '📜', label: 'History', hint: 'Every session you logged' },
  { to: '/ledger', icon: '🧾', label: 'XP ledger', hint: 'Every XP change and why' },
  { to: '/settings', icon: '⚙️', label: 'Settings', hint: 'Schedule, avatar, class test' },
];

export function MorePage() {
  const qc = useQueryClient();
  const me = useMe();
  const [leaving, setLeaving] = useState(false);
  return (
    <div className="page narrow">
      <PageHeader title="More" kicker="The rest of your arc" />
      <ul className="menu-list">
        {me.data ? (
          <li>
            <Link to={`/players/${encodeURIComponent(me.data.username)}`} className="menu-item">
              <span aria-hidden="true">🪪</span>
              <span>
                <strong>My profile</strong>
                <small className="muted">Badges and public card</small>
              </span>
            </Link>
          </li>
        ) : null}
        {ITEMS.map((i) => (
          <li key={i.to}>
            <Link to={i.to} className="menu-item">
              <span aria-hidden="true">{i.icon}</span>
              <span>
                <strong>{i.label}</strong>
                <small className="muted">{i.hint}</small>
              </span>
            </Link>
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="btn btn-ghost"
        disabled={leaving}
        onClick={async () => {
          setLeaving(true);
          await logoutEverywhere(qc);
          navigate('/login', { replace: true });
        }}
      >
        {leaving ? 'Logging out…' : 'Log out'}
      </button>
    </div>
  );
}
