/** Home screen: player card, weekly XP chart, this week's boss and recent activities. */
import { Link } from '../../../app/router';
import { Card } from '../../../components/ui/Card';
import { ErrorPage } from '../../../components/ui/ErrorPage';
import { Empty, Loading } from '../../../components/ui/Status';
import type { Dashboard } from '../../../lib/types';
import { ActivityRow } from '../../activities/components/ActivityRow';
import { BossCard } from '../../boss/components/BossCard';
import { useDashboard } from '../api/get-dashboard';
import { PlayerCard } from './PlayerCard';
import { WeeklyXpChart } from './WeeklyXpChart';

/** The dashboard's `streak` may be a number or an object; the player's count is the fallback. */
export function streakCount(d: Pick<Dashboard, 'streak' | 'player'>): number {
  const s = d.streak;
  if (typeof s === 'number') return s;
  if (s && typeof s === 'object') {
    const o = s as Record<string, unknown>;
    for (const k of ['current', 'days', 'streak', 'count']) if (typeof o[k] === 'number') return o[k] as number;
  }
  return d.player.streak ?? 0;
}

export function DashboardPage() {
  const q = useDashboard();
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorPage error={q.error} title="Dashboard" onRetry={() => q.refetch()} />;
  const d = q.data;
  const fresh = (d.recent?.length ?? 0) === 0 && d.player.total_xp === 0;
  return (
    <div className="page dashboard">
      <h1 className="sr-only">Dashboard</h1>
      {fresh ? (
        <section className="panel episode-card" aria-label="Your first episode">
          <p className="kicker">Episode 1</p>
          <h2 className="panel-title">Every legend starts with one session</h2>
          <p className="muted">Log any training — a run, a lifting session, 15 minutes of study — and watch the numbers move.</p>
          <Link to="/log" className="btn btn-primary">
            Log your first training
          </Link>
        </section>
      ) : (
        <Link to="/log" className="btn btn-primary quick-log">
          + Log training
        </Link>
      )}
      <div className="dash-grid">
        <PlayerCard player={d.player} streak={streakCount(d)} buffs={d.buffs ?? d.player.buffs ?? []} />
        <div className="dash-side">
          {fresh ? null : (
            <Card title="XP — last 12 weeks">
              <WeeklyXpChart weeks={d.weekly ?? []} />
            </Card>
          )}
          <Card
            title="This week's boss"
            actions={
              <Link to="/boss" className="btn btn-ghost btn-sm">
                Details
              </Link>
            }
          >
            {d.boss ? <BossCard boss={d.boss} compact /> : <Empty>No villain has appeared yet…</Empty>}
          </Card>
        </div>
      </div>
      <Card
        title="Recent training"
        actions={
          <Link to="/log" className="btn btn-primary btn-sm">
            + Log training
          </Link>
        }
      >
        {d.recent?.length ? (
          <ul className="activity-list">
            {d.recent.map((a) => (
              <ActivityRow key={String(a.id)} activity={a} />
            ))}
          </ul>
        ) : (
          <Empty>
            No training yet. <Link to="/log">Log your first session</Link> — your arc begins with the first rep.
          </Empty>
        )}
      </Card>
    </div>
  );
}
