/** Log an activity: pick a kind, fill its fields, see the award breakdown. */
import { useRef, useState, type FormEvent } from 'react';
import { Link } from '../../../app/router';
import { Button } from '../../../components/ui/Button';
import { Card, PageHeader } from '../../../components/ui/Card';
import { InputField } from '../../../components/ui/Field';
import { ErrorBanner } from '../../../components/ui/Status';
import { isApiError, newIdempotencyKey } from '../../../lib/api';
import type { ActivityKind, ActivityWithAward } from '../../../lib/types';
import { buildActivityInput, initialFormState, isPlacedField, KIND_INFO, KINDS, type ActivityFormState } from '../activity-form';
import { useCreateActivity } from '../api/create-activity';
import { AwardBreakdown } from './AwardBreakdown';
import { SetsEditor } from './SetsEditor';

export function LogActivityPage() {
  const [form, setForm] = useState<ActivityFormState>(() => initialFormState());
  const [result, setResult] = useState<ActivityWithAward | null>(null);
  const create = useCreateActivity();
  // One key per attempt: a network retry reuses it, so a double submit never logs twice.
  const keyRef = useRef(newIdempotencyKey());

  const apiErr = isApiError(create.error) ? create.error : null;
  const fieldErrors = apiErr?.isValidation ? apiErr.fieldErrors() : {};
  const placed = Object.keys(fieldErrors).some((k) => isPlacedField(form.kind, k));
  const set = <K extends keyof ActivityFormState>(k: K, v: ActivityFormState[K]) => setForm((f) => ({ ...f, [k]: v }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { input: buildActivityInput(form), idempotencyKey: keyRef.current },
      {
        onSuccess: (res) => {
          keyRef.current = newIdempotencyKey();
          setResult(res);
        },
        onError: (err) => {
          // The server answered, so the next attempt is a new request.
          if (isApiError(err) && err.status !== 0) keyRef.current = newIdempotencyKey();
        },
      },
    );
  };

  const pickKind = (kind: ActivityKind) => {
    create.reset();
    setForm((f) => ({ ...f, kind }));
  };

  if (result) {
    return (
      <div className="page narrow">
        <PageHeader title="Training logged!" kicker={KIND_INFO[result.activity.kind]?.label ?? result.activity.kind} />
        <Card>
          <AwardBreakdown award={result.award} />
          <div className="row gap">
            <Button
              onClick={() => {
                setResult(null);
                create.reset();
                setForm(initialFormState(form.kind));
              }}
            >
              Log another
            </Button>
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
      <Card>
        <form onSubmit={submit} noValidate className="stack" aria-label="Log activity">
          <div className="kind-picker" role="radiogroup" aria-label="Activity kind">
            {KINDS.map((k) => (
              <button
                key={k}
                type="button"
                role="radio"
                aria-checked={form.kind === k}
                className={`kind-option${form.kind === k ? ' selected' : ''}`}
                data-kind={k}
                onClick={() => pickKind(k)}
              >
                <span className="kind-icon" aria-hidden>
                  {KIND_INFO[k].icon}
                </span>
                <span>{KIND_INFO[k].label}</span>
              </button>
            ))}
          </div>
          {fieldErrors.kind ? <small className="field-error">{fieldErrors.kind}</small> : null}
          <p className="muted">
            {info.hint} Trains <strong>{info.stat}</strong>.
          </p>

          {form.kind === 'strength' ? <SetsEditor rows={form.sets} onChange={(rows) => set('sets', rows)} errors={fieldErrors} /> : null}

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

          <details className="more-fields">
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
