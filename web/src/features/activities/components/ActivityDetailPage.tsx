/**
 * One activity with its award; strength sessions can be edited within 24 h, judged by
 * the server's clock (the device's may be off). When the server says the window has
 * closed, the edit is withdrawn.
 */
import { useRef, useState, type FormEvent } from 'react';
import { Link } from '../../../app/router';
import { Button } from '../../../components/ui/Button';
import { Card, PageHeader } from '../../../components/ui/Card';
import { InputField } from '../../../components/ui/Field';
import { ErrorPage } from '../../../components/ui/ErrorPage';
import { ErrorBanner, Loading } from '../../../components/ui/Status';
import { useFocusFirstInvalid } from '../../../hooks/use-focus-first-invalid';
import { isApiError } from '../../../lib/api';
import { formatDateTime } from '../../../lib/format';
import type { Activity } from '../../../lib/types';
import { canEditActivity, describeActivity, KIND_INFO, rowsFromSets, setsFromRows, type SetRow } from '../activity-form';
import { useActivity } from '../api/get-activity';
import { useUpdateActivity } from '../api/update-activity';
import { useUploadActivityPhoto } from '../api/upload-photo';
import { AwardBreakdown } from './AwardBreakdown';
import { SetsEditor } from './SetsEditor';

export function ActivityDetailPage({ id }: { id: string }) {
  const q = useActivity(id);
  const [editing, setEditing] = useState(false);
  // Set once the server refused an edit as too late: no more edit offers here.
  const [windowClosed, setWindowClosed] = useState(false);

  if (q.isPending) return <Loading />;
  if (q.error) {
    return (
      <ErrorPage
        error={q.error}
        title="Activity"
        onRetry={() => q.refetch()}
        notFound={{ title: 'Activity not found', children: 'There is no such session in your log.', back: { to: '/activities', label: 'Back to your history' } }}
      />
    );
  }
  const { activity, award } = q.data;
  const info = KIND_INFO[activity.kind];

  return (
    <div className="page narrow">
      <PageHeader title={`${info?.icon ?? ''} ${info?.label ?? activity.kind}`} kicker={formatDateTime(activity.occurred_at)}>
        <Link className="btn btn-ghost" to="/activities">
          ← History
        </Link>
      </PageHeader>
      <Card title="Session">
        <p>{describeActivity(activity)}</p>
        {activity.sets?.length ? (
          <table className="table compact">
            <thead>
              <tr>
                <th>#</th>
                <th>Exercise</th>
                <th>Weight</th>
                <th>Reps</th>
              </tr>
            </thead>
            <tbody>
              {activity.sets.map((s, i) => (
                <tr key={i}>
                  <td>{i + 1}</td>
                  <td className="text">{s.exercise || '—'}</td>
                  <td>{s.weight_kg ? `${s.weight_kg} kg` : 'bodyweight'}</td>
                  <td>{s.reps}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {activity.note ? <p className="muted">“{activity.note}”</p> : null}
        <PhotoUpload activity={activity} />
        {windowClosed ? (
          <p className="muted" role="status">
            The 24-hour edit window for this session has closed.
          </p>
        ) : null}
        {canEditActivity(activity) && !windowClosed && !editing ? (
          <Button variant="ghost" onClick={() => setEditing(true)}>
            {activity.capped && activity.xp === 0 ? 'Edit session' : 'Edit session (edit penalty ×0.8)'}
          </Button>
        ) : null}
      </Card>
      {editing && !windowClosed ? (
        <EditStrength
          activity={activity}
          onDone={() => setEditing(false)}
          onWindowClosed={() => {
            setEditing(false);
            setWindowClosed(true);
          }}
        />
      ) : null}
      <Card>
        <AwardBreakdown award={award} />
      </Card>
    </div>
  );
}

function EditStrength({ activity, onDone, onWindowClosed }: { activity: Activity; onDone: () => void; onWindowClosed: () => void }) {
  const [rows, setRows] = useState<SetRow[]>(() => rowsFromSets(activity.sets ?? undefined));
  const [duration, setDuration] = useState(activity.duration_min != null ? String(activity.duration_min) : '');
  const update = useUpdateActivity(activity.id);
  const formRef = useRef<HTMLFormElement>(null);
  const fieldErrors = isApiError(update.error) && update.error.isValidation ? update.error.fieldErrors() : {};
  const placed = Object.keys(fieldErrors).some((k) => k === 'duration_min' || k.startsWith('sets'));
  useFocusFirstInvalid(formRef, update.error, update.isPending);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const d = duration.trim() === '' ? undefined : Number(duration);
    update.mutate(
      { sets: setsFromRows(rows), duration_min: Number.isFinite(d) ? d : undefined },
      {
        onSuccess: onDone,
        onError: (err) => {
          if (isApiError(err) && err.code === 'edit_window_closed') onWindowClosed();
        },
      },
    );
  };

  return (
    <Card title="Edit strength session">
      <form ref={formRef} onSubmit={submit} noValidate className="stack">
        <p className="muted">Edits are allowed for 24 hours. The session is recomputed with an edit penalty (×0.8) and the ledger corrected.</p>
        <SetsEditor rows={rows} onChange={setRows} errors={fieldErrors} />
        <InputField label="Duration (minutes)" name="duration_min" type="number" min={0} value={duration} onChange={(e) => setDuration(e.target.value)} error={fieldErrors.duration_min} />
        {update.error && !placed ? <ErrorBanner error={update.error} /> : null}
        <div className="row gap">
          <Button type="submit" loading={update.isPending}>
            Save edit
          </Button>
          <Button variant="ghost" onClick={onDone}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}

function PhotoUpload({ activity }: { activity: Activity }) {
  const upload = useUploadActivityPhoto(activity.id);
  const photos = activity.photos;
  const shown = upload.data?.photo_url ? [...photos, upload.data.photo_url] : photos;
  return (
    <div className="photos">
      {shown.length ? (
        <div className="photo-strip">
          {[...new Set(shown)].map((u) => (
            <img key={u} src={u} alt="Activity" loading="lazy" />
          ))}
        </div>
      ) : null}
      <label className="btn btn-ghost btn-sm file-btn">
        {upload.isPending ? 'Uploading…' : '📷 Add photo'}
        <input
          type="file"
          accept="image/png,image/jpeg,image/webp"
          className="sr-only"
          disabled={upload.isPending}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) upload.mutate(f);
            e.target.value = '';
          }}
        />
      </label>
      <ErrorBanner error={upload.error} />
    </div>
  );
}
