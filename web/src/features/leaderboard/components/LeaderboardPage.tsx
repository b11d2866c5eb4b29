/** Rankings with a scope switch and the player's own rank. */
import { useState } from 'react';
import { Link } from '../../../app/router';
import { Card, PageHeader } from '../../../components/ui/Card';
import { Empty, ErrorBanner, Loading } from '../../../components/ui/Status';
import { CLASS_INFO, formatXp } from '../../../lib/format';
import type { LeaderboardScope, PlayerClass } from '../../../lib/types';
import { useMe } from '../../auth/api/get-me';
import { useLeaderboard } from '../api/get-leaderboard';

const SCOPES: { value: LeaderboardScope; label: string }[] = [
  { value: 'global', label: 'All time' },
  { value: 'weekly', label: 'This week' },
  { value: 'class', label: 'By class' },
];

export function LeaderboardPage() {
  const me = useMe();
  const [scope, setScope] = useState<LeaderboardScope>('global');
  const [cls, setCls] = useState<PlayerClass | ''>('');
  const chosenClass = cls || me.data?.class || 'balanced';
  const q = useLeaderboard(scope, chosenClass);

  return (
    <div className="page narrow">
      <PageHeader title="Leaderboard" kicker="Who's the main character?" />
      <div className="tabs" role="group" aria-label="Leaderboard scope">
        {SCOPES.map((s) => (
          <button key={s.value} type="button" aria-pressed={scope === s.value} className={scope === s.value ? 'tab active' : 'tab'} onClick={() => setScope(s.value)}>
            {s.label}
          </button>
        ))}
        {scope === 'class' ? (
          <select aria-label="Class" value={chosenClass} onChange={(e) => setCls(e.target.value as PlayerClass)}>
            {(Object.keys(CLASS_INFO) as PlayerClass[]).map((c) => (
              <option key={c} value={c}>
                {CLASS_INFO[c].icon} {CLASS_INFO[c].label}
              </option>
            ))}
          </select>
        ) : null}
      </div>
      {q.data?.me ? (
        <div className="my-rank panel">
          <span className="kicker">Your rank</span>
          <strong className="my-rank-n">{q.data.me.rank != null ? `#${q.data.me.rank}` : 'Not on this board'}</strong>
          {q.data.me.rank != null ? <span>{formatXp(q.data.me.xp)} XP</span> : null}
        </div>
      ) : null}
      <Card>
        {q.isPending ? <Loading /> : null}
        <ErrorBanner error={q.error} onRetry={() => q.refetch()} />
        {q.data && q.data.entries.length === 0 ? <Empty>Nobody on the board yet. Be the first.</Empty> : null}
        {q.data?.entries.length ? (
          <table className="table leaderboard">
            <caption className="sr-only">Leaderboard</caption>
            <thead>
              <tr>
                <th>#</th>
                <th>Hero</th>
                <th>Class</th>
                <th className="num">Lv</th>
                <th className="num">XP</th>
              </tr>
            </thead>
            <tbody>
              {q.data.entries.map((e) => (
                <tr key={`${e.rank}-${e.username}`} className={e.username === me.data?.username ? 'me' : undefined}>
                  <td className={`rank rank-${e.rank}`}>{e.rank <= 3 ? ['🥇', '🥈', '🥉'][e.rank - 1] : e.rank}</td>
                  <td>
                    <Link to={`/players/${encodeURIComponent(e.username)}`}>{e.username}</Link>
                  </td>
                  <td>
                    <span aria-hidden="true">{CLASS_INFO[e.class]?.icon}</span> <span className="class-label">{CLASS_INFO[e.class]?.label ?? e.class}</span>
                  </td>
                  <td className="num">{e.level}</td>
                  <td className="num">{formatXp(e.xp)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Card>
    </div>
  );
}
