/**
 * Episode 1, after sign-up: the class reveal, then straight to the first log, or on
 * to the page that was asked for before sign-up (a deep link), when there was one.
 */
import { afterLoginPath } from '../../../app/guards';
import { Link, useLocation } from '../../../app/router';
import { ClassEmblem } from '../../../components/art/ClassEmblem';
import { ErrorPage } from '../../../components/ui/ErrorPage';
import { Loading } from '../../../components/ui/Status';
import { CLASS_INFO } from '../../../lib/format';
import { useMe } from '../api/get-me';

export function ClassRevealPage() {
  const me = useMe();
  const { state } = useLocation();
  const next = afterLoginPath(state);
  if (me.isPending) return <Loading />;
  if (me.error) return <ErrorPage error={me.error} title="Your class" onRetry={() => me.refetch()} />;
  const info = CLASS_INFO[me.data.class] ?? CLASS_INFO.balanced;
  return (
    <div className="page narrow reveal" data-testid="class-reveal">
      <p className="kicker">Episode 1 · Your power awakens</p>
      <ClassEmblem cls={me.data.class} size={168} />
      <h1>
        <span className="sr-only">Your class: </span>
        <span className="reveal-name">{info.label}</span>
      </h1>
      <p>{info.blurb}</p>
      <p className="muted">
        Your bonus: <strong>{info.focus}</strong>. Level {me.data.level} — <em>{me.data.title}</em>.
      </p>
      {next !== '/' ? (
        <Link to={next} className="btn btn-primary">
          Continue to the page you opened →
        </Link>
      ) : null}
      <Link to="/log" className={next !== '/' ? 'btn btn-ghost' : 'btn btn-primary'}>
        Log your first training →
      </Link>
      <Link to="/" className="muted tap">
        Look around first
      </Link>
    </div>
  );
}
