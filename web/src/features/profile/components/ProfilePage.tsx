/** A player's public profile: class, level, title, stats, streak and badges. */
import { Card, PageHeader } from '../../../components/ui/Card';
import { Meter } from '../../../components/ui/Meter';
import { ErrorPage } from '../../../components/ui/ErrorPage';
import { Empty, Loading } from '../../../components/ui/Status';
import { CLASS_INFO, STAT_INFO } from '../../../lib/format';
import { lootLabel } from '../../../lib/loot';
import { STAT_NAMES } from '../../../lib/types';
import { useProfile } from '../api/get-profile';

export function ProfilePage({ username }: { username: string }) {
  const q = useProfile(username);
  if (q.isPending) return <Loading />;
  if (q.error) {
    return (
      <ErrorPage
        error={q.error}
        title={username}
        onRetry={() => q.refetch()}
        notFound={{ title: 'Hero not found', children: `Nobody called “${username}” trains here.`, back: { to: '/leaderboard', label: 'See the leaderboard' } }}
      />
    );
  }
  const p = q.data;
  const cls = CLASS_INFO[p.class] ?? CLASS_INFO.balanced;
  const maxStat = Math.max(100, ...STAT_NAMES.map((s) => p.stats?.[s] ?? 0));
  const badges = (p.badges ?? []).map(lootLabel).filter((b): b is string => !!b);
  return (
    <div className="page narrow">
      <PageHeader title={p.username} kicker={`${cls.icon} ${cls.label} · Lv ${p.level} · ${p.title}`} />
      {p.avatar_url ? (
        <div className="avatar profile-avatar">
          <img src={p.avatar_url} alt={`${p.username}'s avatar`} />
        </div>
      ) : null}
      <Card title="Stats">
        <div className="stat-grid">
          {STAT_NAMES.map((s) => (
            <Meter key={s} value={p.stats?.[s] ?? 0} max={maxStat} label={STAT_INFO[s].label} tone="stat" color={STAT_INFO[s].color} size="sm" />
          ))}
        </div>
        <p>
          🔥 <strong>{p.streak}</strong>-day streak
        </p>
      </Card>
      <Card title="Badges">
        {badges.length ? (
          <ul className="badges">
            {badges.map((b) => (
              <li key={b}>🏅 {b}</li>
            ))}
          </ul>
        ) : (
          <Empty>No boss badges yet.</Empty>
        )}
      </Card>
    </div>
  );
}
