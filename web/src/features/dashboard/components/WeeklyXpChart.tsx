/** A hand-rolled SVG bar chart of the last 12 weeks of XP, stacked by stat. */
import { formatDate, formatXp, STAT_INFO } from '../../../lib/format';
import { STAT_NAMES, type WeeklyXp } from '../../../lib/types';

// A phone shows this ~340 px wide: the viewBox is small enough that its labels stay
// readable (about 11 px on screen) and spaced so they never collide.
const W = 400;
const H = 200;
const PAD = { top: 12, right: 6, bottom: 30, left: 44 };

function niceMax(v: number): number {
  if (v <= 0) return 100;
  const mag = 10 ** Math.floor(Math.log10(v));
  const n = v / mag;
  const step = n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10;
  return step * mag;
}

export function WeeklyXpChart({ weeks }: { weeks: WeeklyXp[] }) {
  const max = niceMax(Math.max(0, ...weeks.map((w) => w.xp)));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const slot = innerW / Math.max(weeks.length, 1);
  const barW = Math.max(4, slot * 0.62);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => t * max);
  const used = STAT_NAMES.filter((s) => weeks.some((w) => (w.by_stat?.[s] ?? 0) > 0));

  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="XP per week, last 12 weeks" preserveAspectRatio="xMidYMid meet">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className="chart-grid" />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="chart-axis">
              {formatXp(t)}
            </text>
          </g>
        ))}
        {weeks.map((w, i) => {
          const x = PAD.left + i * slot + (slot - barW) / 2;
          const parts = STAT_NAMES.map((s) => ({ s, v: Math.max(0, w.by_stat?.[s] ?? 0) })).filter((p) => p.v > 0);
          const partsSum = parts.reduce((a, p) => a + p.v, 0);
          let acc = 0;
          const isLast = i === weeks.length - 1;
          return (
            <g key={w.week_start} className={isLast ? 'chart-current' : undefined}>
              <title>{`Week of ${formatDate(w.week_start)}: ${formatXp(w.xp)} XP`}</title>
              {partsSum > 0 ? (
                parts.map((p) => {
                  // Scale the stack to the week's net XP, so penalties shrink the bar.
                  const h = (p.v / partsSum) * Math.max(0, w.xp);
                  const top = y(acc + h);
                  const rect = <rect key={p.s} x={x} y={top} width={barW} height={Math.max(0, y(acc) - top)} fill={STAT_INFO[p.s].color} rx={2} />;
                  acc += h;
                  return rect;
                })
              ) : (
                <rect x={x} y={y(Math.max(0, w.xp))} width={barW} height={Math.max(0, y(0) - y(Math.max(0, w.xp)))} className="chart-bar" rx={2} />
              )}
              {(weeks.length - 1 - i) % 3 === 0 ? (
                <text x={x + barW / 2} y={H - 8} textAnchor="middle" className="chart-axis">
                  {formatDate(w.week_start)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      {used.length ? (
        <figcaption className="chart-legend">
          {used.map((s) => (
            <span key={s}>
              <i style={{ background: STAT_INFO[s].color }} /> {STAT_INFO[s].label}
            </span>
          ))}
        </figcaption>
      ) : null}
    </figure>
  );
}
