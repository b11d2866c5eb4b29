/** One line of activity history, linking to its detail. */
import { Link } from '../../../app/router';
import { formatDateTime } from '../../../lib/format';
import type { Activity } from '../../../lib/types';
import { describeActivity, KIND_INFO } from '../activity-form';

export function ActivityRow({ activity }: { activity: Activity }) {
  const info = KIND_INFO[activity.kind];
  const xp = (activity as { xp?: unknown }).xp;
  return (
    <li className="activity-row">
      <Link to={`/activities/${encodeURIComponent(String(activity.id))}`} className="activity-link">
        <span className="activity-icon" aria-hidden>
          {info?.icon ?? '•'}
        </span>
        <span className="activity-main">
          <strong>{info?.label ?? activity.kind}</strong>
          <span className="muted">{describeActivity(activity)}</span>
        </span>
        <span className="activity-side">
          {typeof xp === 'number' ? <strong className="xp-pos">+{xp} XP</strong> : null}
          {activity.capped ? (
            <span className="pill pill-neutral" title="A daily cap was reached: part or all of this earned no XP">
              capped
            </span>
          ) : null}
          <time dateTime={activity.occurred_at} className="muted">
            {formatDateTime(activity.occurred_at)}
          </time>
        </span>
      </Link>
    </li>
  );
}
