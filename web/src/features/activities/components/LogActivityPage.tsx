/**
 * Log an activity — the main screen at the gym: pick a kind, fill its fields, see the
 * award. One submit at a time: the button is disabled from the first tap until the
 * answer, and the award replaces the form, so a double tap never logs twice. Without
 * a connection the activity is queued on the device and sent (with the same
 * Idempotency-Key and body) when the connection returns; the page then shows its
 * award. A body whose time was left empty says when it was first sent (pinned with
 * its key), so an activity that goes out later still counts when it was done.
 */
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link } from '../../../app/router';
import { Button } from '../../../components/ui/Button';
import { Card, PageHeader } from '../../../components/ui/Card';
import { InputField } from '../../../components/ui/Field';
import { ErrorBanner } from '../../../components/ui/Status';
import { useFocusFirstInvalid } from '../../../hooks/use-focus-first-invalid';
import { isApiError } from '../../../lib/api';
import { AttemptKey } from '../../../lib/attempt-key';
import { serverNow } from '../../../lib/server-clock';
import { lastSets } from '../../../lib/strength-history';
import type { ActivityInput, ActivityKind, ActivityWithAward } from '../../../lib/types';
import { buildActivityInput, initialFormState, isPlacedField, KIND_INFO, KINDS, withOccurredAt, type ActivityFormState } from '../activity-form';
import { useCreateActivity } from '../api/create-activity';
import { useRecentActivities } from '../api/recent-strength';
import { enqueue, onQueuedSent } from '../offline/queue';
import { useOfflineQueue } from '../offline/use-offline-queue';
import { AwardBreakdown } from './AwardBreakdown';
import { RestTimer } from './RestTimer';
import { SetsEditor } from './SetsEditor';

function focusHeading() {
  // The result replaces the form: bring its heading (not the sticky bar) into view.
  requestAnimationFrame(() => {
    window.scrollTo?.(0, 0);
    document.querySelector<HTMLElement>('#main h1')?.focus({ preventScroll: true });
  });
}

/** The award screen's title: a wake-up is not training (game rules §2). */
export function loggedTitle(kind: ActivityKind): string {
  return kind === 'wake_up' ? 'Wake-up logged!' : 'Training logged!';
}

export function LogActivityPage() {
  const [form, setForm] = useState<ActivityFormState>(() => initialFormState());
  const [result, setResult] = useState<ActivityWithAward | null>(null);
  /** The key of the activity this page put in the offline queue, while it waits there. */
  const [queuedKey, setQueuedKey] = useState<string | null>(null);
  const [seenQueued, setSeenQueued] = useState(false);
  const create = useCreateActivity();
  const recent = useRecentActivities();
  const queue = useOfflineQueue();
  const history = useMemo(() => lastSets(recent.data?.items ?? []), [recent.data]);
  // One key per intended activity: a send that got no answer is retried with it, so
  // the server stores the activity once however often it is sent.
  const [attempt] = useState(() => new AttemptKey());
  // When the attempt with a key was first made: every send with that key (a retry,
  // the offline queue) carries this time as its occurred_at, so its body never changes.
  const pinned = useRef<{ key: string; at: number } | null>(null);
  // Set from the first tap until the answer (or the queueing) is in: the code's own
  // guard, as a disabled button may still get a click queued before it re-renders.
  const submitting = useRef(false);
  const formRef = useRef<HTMLFormElement>(null);

  const apiErr = isApiError(create.error) ? create.error : null;
  const fieldErrors = apiErr?.isValidation ? apiErr.fieldErrors() : {};
  const placed = Object.keys(fieldErrors).some((k) => isPlacedField(form.kind, k));
  const set = <K extends keyof ActivityFormState>(k: K, v: ActivityFormState[K]) => setForm((f) => ({ ...f, [k]: v }));
  useFocusFirstInvalid(formRef, create.error, create.isPending);

  // The queued activity went out (this page's sender or the shell's): show its award.
  useEffect(() => {
    if (!queuedKey) return;
    return onQueuedSent((key, res) => {
      if (key !== queuedKey) return;
      setQueuedKey(null);
      setResult(res);
      focusHeading();
    });
  }, [queuedKey]);
  const stillQueued = queuedKey !== null && queue.items.some((q) => q.key === queuedKey);
  if (stillQueued && !seenQueued) setSeenQueued(true);

  const keepForLater = async (input: ActivityInput, key: string) => {
    await enqueue(key, input);
    attempt.forget();
    create.reset();
    setSeenQueued(false);
    setQueuedKey(key);
    focusHeading();
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (submitting.current) return;
    submitting.current = true;
    const formInput = buildActivityInput(form);
    const key = attempt.keyFor(formInput);
    if (pinned.current?.key !== key) pinned.current = { key, at: serverNow() };
    const input = withOccurredAt(formInput, pinned.current.at);
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      void keepForLater(input, key).finally(() => {
        submitting.current = false;
      });
      return;
    }
    create.mutate(
      { input, idempotencyKey: key },
      {
        onSuccess: (res) => {
          attempt.settle(key);
          submitting.current = false;
          setResult(res);
          focusHeading();
        },
        onError: (err) => {
          // No answer at all: keep it on the device, same key, and send it later.
          if (isApiError(err) && err.status === 0) {
            void keepForLater(input, key).finally(() => {
              submitting.current = false;
            });
            return;
          }
          // A refusal is final (the next try is a new request); server trouble is not.
          attempt.settle(key, err);
          submitting.current = false;
        },
      },
    );
  };

  const pickKind = (kind: ActivityKind) => {
    // While a send is out its answer still belongs on this page: keep it.
    if (!create.isPending) create.reset();
    setForm((f) => ({ ...f, kind }));
  };

  const again = () => {
    setResult(null);
    setQueuedKey(null);
    create.reset();
    setForm(initialFormState(form.kind));
  };

  if (queuedKey) {
    // Gone from the queue without an award seen here: another tab sent it.
    const sentElsewhere = seenQueued && !stillQueued;
    return (
      <div className="page narrow">
        <PageHeader title={sentElsewhere ? 'Sent!' : 'Saved on this phone'} kicker={sentElsewhere ? 'Back online' : 'No connection'} />
        <Card>
          {sentElsewhere ? (
            <p role="status">
              Your training reached the server and earned its XP. <Link to="/activities">See it in your history</Link>.
            </p>
          ) : (
            <p>Your training is kept here and will be sent as soon as you're back online. You'll get the XP then.</p>
          )}
          <QueueList items={queue.items} onDiscard={queue.discard} />
          <div className="row gap">
            <Button onClick={again}>Log another</Button>
            <Link className="btn btn-ghost" to="/">
              Back to dashboard
            </Link>
          </div>
        </Card>
      </div>
    );
  }

  if (result) {
    return (
      <div className="page narrow">
        <PageHeader title={loggedTitle(result.activity.kind)} kicker={KIND_INFO[result.activity.kind]?.label ?? result.activity.kind} />
        <Card>
          <AwardBreakdown award={result.award} />
          <div className="row gap">
            <Button onClick={again}>Log another</Button>
            <Link className="btn btn-ghost" to="/">
              Back to dashboard
            </Link>
            <Link className="btn btn-ghost" to={`/activities/${encodeURIComponent(String(result.activity.id))}`}>
              View activity
            </Link>
          </div>
        </Card>
      </div>
    );
  }

  const info = KIND_INFO[form.kind];
  return (
    <div className="page narrow">
      <PageHeader title="Log training" kicker="Every rep counts" />
      {queue.items.length ? (
        <Card title="Waiting to be sent">
          <QueueList items={queue.items} onDiscard={queue.discard} />
        </Card>
      ) : null}
      <Card>
        <form ref={formRef} onSubmit={submit} noValidate className="stack" aria-label="Log activity">
          <fieldset className="kind-picker">
            <legend className="sr-only">Activity kind</legend>
            {KINDS.map((k) => (
              <label key={k} className={`kind-option${form.kind === k ? ' selected' : ''}`} data-kind={k}>
                <input type="radio" name="kind" value={k} checked={form.kind === k} onChange={() => pickKind(k)} className="kind-input" />
                <span className="kind-icon" aria-hidden="true">
                  {KIND_INFO[k].icon}
                </span>
                <span>{KIND_INFO[k].label}</span>
              </label>
            ))}
          </fieldset>
          {fieldErrors.kind ? <small className="field-error">{fieldErrors.kind}</small> : null}
          <p className="muted">
            {info.hint} Trains <strong>{info.stat}</strong>.
          </p>

          {form.kind === 'strength' ? (
            <>
              <SetsEditor rows={form.sets} onChange={(rows) => set('sets', rows)} errors={fieldErrors} history={history} />
              <RestTimer />
            </>
          ) : null}

          {form.kind === 'run' ? (
            <InputField label="Distance (km)" name="distance_km" type="number" inputMode="decimal" min={0} step="any" value={form.distance_km} onChange={(e) => set('distance_km', e.target.value)} error={fieldErrors.distance_km} />
          ) : null}

          {form.kind !== 'wake_up' ? (
            <InputField label="Duration (minutes)" name="duration_min" type="number" inputMode="numeric" min={0} value={form.duration_min} onChange={(e) => set('duration_min', e.target.value)} error={fieldErrors.duration_min} />
          ) : null}

          {form.kind === 'martial_arts' ? (
            <InputField label="Style" name="style" placeholder="Karate, BJJ, Hokuto Shinken…" value={form.style} onChange={(e) => set('style', e.target.value)} error={fieldErrors.style} />
          ) : null}

          {form.kind === 'wake_up' ? (
            <InputField label="Woke at (local time)" name="woke_at" type="time" value={form.woke_at} onChange={(e) => set('woke_at', e.target.value)} error={fieldErrors.woke_at} />
          ) : null}

          <details className="more-fields" open={!!(fieldErrors.occurred_at || fieldErrors.note) || undefined}>
            <summary>When &amp; notes</summary>
            <InputField
              label="When (leave empty for now)"
              name="occurred_at"
              type="datetime-local"
              value={form.occurred_at}
              onChange={(e) => set('occurred_at', e.target.value)}
              error={fieldErrors.occurred_at}
              hint="Up to 48 hours back."
            />
            <InputField label="Note" name="note" value={form.note} onChange={(e) => set('note', e.target.value)} error={fieldErrors.note} />
          </details>

          {create.error && !placed ? <ErrorBanner error={create.error} /> : null}
          <Button type="submit" loading={create.isPending}>
            Log it — claim the XP
          </Button>
        </form>
      </Card>
    </div>
  );
}

function QueueList({ items, onDiscard }: { items: { key: string; input: { kind: string }; queued_at: string; error?: string }[]; onDiscard: (key: string) => void }) {
  if (!items.length) return null;
  return (
    <ul className="queue-list" data-testid="offline-queue">
      {items.map((q) => (
        <li key={q.key} className="queue-item">
          <span aria-hidden="true">{KIND_INFO[q.input.kind as ActivityKind]?.icon ?? '•'}</span>
          <span className="grow">
            {KIND_INFO[q.input.kind as ActivityKind]?.label ?? q.input.kind} · {new Date(q.queued_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
            {q.error ? <small className="field-error"> — refused: {q.error}</small> : <small className="muted"> — queued</small>}
          </span>
          {q.error ? (
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => onDiscard(q.key)}>
              Discard
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
