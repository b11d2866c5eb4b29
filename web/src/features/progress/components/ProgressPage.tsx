/**
 * Progress as lifters and runners expect it: XP per stat week by week, per-exercise
 * best sets and estimated 1RM with the sessions that set a record, and a calendar of
 * training days.
 */
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import { Link } from '../../../app/router';
import { UPlotChart } from '../../../components/charts/UPlotChart';
import { Card, PageHeader } from '../../../components/ui/Card';
import { Empty, ErrorBanner, Loading } from '../../../components/ui/Status';
import { formatDate, STAT_INFO } from '../../../lib/format';
import { exerciseRecords, formatSet, trainingDays } from '../../../lib/strength-history';
import { STAT_NAMES, type WeeklyXp } from '../../../lib/types';
import { useRecentActivities } from '../../activities/api/recent-strength';
import { useDashboard } from '../../dashboard/api/get-dashboard';

const axis = { stroke: '#a9a2c0', grid: { stroke: 'rgba(255,255,255,0.08)' }, ticks: { stroke: 'rgba(255,255,255,0.15)' }, font: '11px system-ui' };

function StatXpChart({ weeks }: { weeks: WeeklyXp[] }) {
  const { options, data } = useMemo(() => {
    const xs = weeks.map((w) => Date.parse(`${w.week_start}T00:00:00Z`) / 1000);
    const series: uPlot.Series[] = [{}];
    const rows: number[][] = [];
    for (const s of STAT_NAMES) {
      series.push({ label: STAT_INFO[s].short, stroke: STAT_INFO[s].color, width: 2, points: { size: 5 } });
      rows.push(weeks.map((w) => w.by_stat?.[s] ?? 0));
    }
    const options: Omit<uPlot.Options, 'width'> = {
      height: 200,
      series,
      axes: [{ ...axis, values: (_u, v) => v.map((t) => new Date(t * 1000).toLocaleDateString([], { month: 'short', day: 'numeric' })) }, { ...axis, size: 40 }],
      scales: { x: { time: true } },
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
    };
    return { options, data: [xs, ...rows] as uPlot.AlignedData };
  }, [weeks]);
  return <UPlotChart options={options} data={data} label="XP per stat per week over the last 12 weeks" />;
}

function E1rmChart({ points }: { points: { at: string; e1rm: number }[] }) {
  const { options, data } = useMemo(() => {
    const options: Omit<uPlot.Options, 'width'> = {
      height: 160,
      series: [{}, { label: 'Est. 1RM (kg)', stroke: '#ffc93c', width: 2, points: { size: 6, fill: '#ff8a00' } }],
      axes: [{ ...axis, values: (_u, v) => v.map((t) => new Date(t * 1000).toLocaleDateString([], { month: 'short', day: 'numeric' })) }, { ...axis, size: 40 }],
      scales: { x: { time: true } },
      cursor: { drag: { x: false, y: false } },
    };
    const data: uPlot.AlignedData = [points.map((p) => Date.parse(p.at) / 1000), points.map((p) => Math.round(p.e1rm * 10) / 10)];
    return { options, data };
  }, [points]);
  return <UPlotChart options={options} data={data} label="Estimated one-rep max at each personal record" />;
}

function Heatmap({ days }: { days: Map<string, number> }) {
  const weeks = 16;
  const today = new Date();
  const start = new Date(today);
  start.setDate(today.getDate() - ((today.getDay() + 6) % 7) - (weeks - 1) * 7);
  const cells = [];
  for (let i = 0; i < weeks * 7; i++) {
    const d = new Date(start);
    d.setDate(start.getDate() + i);
    const key = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    const n = d > today ? -1 : (days.get(key) ?? 0);
    cells.push(<span key={key} className={n > 0 ? `heat heat-${Math.min(3, n)}` : 'heat'} title={n >= 0 ? `${key}: ${n} session${n === 1 ? '' : 's'}` : undefined} style={n < 0 ? { visibility: 'hidden' } : undefined} />);
  }
  const trained = [...days.keys()].filter((k) => k >= start.toISOString().slice(0, 10)).length;
  return (
    <figure className="chart">
      <div className="heatmap" role="img" aria-label={`Training days over the last ${weeks} weeks: ${trained}`}>
        {cells}
      </div>
      <figcaption className="muted">
        {trained} training day{trained === 1 ? '' : 's'} in {weeks} weeks · Monday at the top
      </figcaption>
    </figure>
  );
}

export function ProgressPage() {
  const dash = useDashboard();
  const recent = useRecentActivities();
  const activities = useMemo(() => recent.data?.items ?? [], [recent.data]);
  const records = useMemo(() => exerciseRecords(activities), [activities]);
  const days = useMemo(() => trainingDays(activities), [activities]);
  const [picked, setPicked] = useState('');
  const chosen = records.find((r) => r.exercise === picked) ?? records[0];

  return (
    <div className="page narrow">
      <PageHeader title="Progress" kicker="Power levels over time" />
      <Card title="XP per stat">
        {dash.isPending ? <Loading /> : dash.error ? <ErrorBanner error={dash.error} onRetry={() => dash.refetch()} /> : dash.data.player.total_xp === 0 ? <Empty>Your stats start moving with your first session.</Empty> : <StatXpChart weeks={dash.data.weekly ?? []} />}
      </Card>
      <Card title="Training days">{recent.isPending ? <Loading /> : <Heatmap days={days} />}</Card>
      <Card title="Personal records">
        {recent.isPending ? (
          <Loading />
        ) : recent.error ? (
          <ErrorBanner error={recent.error} onRetry={() => recent.refetch()} />
        ) : records.length === 0 ? (
          <Empty>
            No lifts yet. <Link to="/log">Log a strength session</Link> to track best sets and your estimated 1RM.
          </Empty>
        ) : (
          <div className="stack">
            <label className="field">
              <span>Exercise</span>
              <select value={chosen?.exercise ?? ''} onChange={(e) => setPicked(e.target.value)}>
                {records.map((r) => (
                  <option key={r.exercise} value={r.exercise}>
                    {r.exercise}
                  </option>
                ))}
              </select>
            </label>
            {chosen ? (
              <>
                <p>
                  Best set <strong>{formatSet(chosen.best)}</strong> · est. 1RM <strong>{Math.round(chosen.best1rm * 10) / 10} kg</strong> · {chosen.sessions} session{chosen.sessions === 1 ? '' : 's'}
                </p>
                {chosen.prs.length > 1 ? <E1rmChart points={chosen.prs} /> : null}
                <ul className="pr-list" aria-label={`Records for ${chosen.exercise}`}>
                  {[...chosen.prs].reverse().map((p) => (
                    <li key={p.at} className="pr-item">
                      <strong>🏅 {formatSet(p.set)}</strong>
                      <span>{Math.round(p.e1rm * 10) / 10} kg</span>
                      <small className="muted">{formatDate(p.at)}</small>
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </div>
        )}
      </Card>
    </div>
  );
}
