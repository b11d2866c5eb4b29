/** Settings: timezone, training days, weekly goal, wake target; avatar and class re-take. */
import { useState, type FormEvent } from 'react';
import { PendingNote } from './PendingNote';
import { Button } from '../../../components/ui/Button';
import { Card, PageHeader } from '../../../components/ui/Card';
import { InputField } from '../../../components/ui/Field';
import { ErrorBanner, Loading } from '../../../components/ui/Status';
import { TimezoneField } from '../../../components/ui/TimezoneField';
import { isApiError } from '../../../lib/api';
import { CLASS_INFO, asTimezone } from '../../../lib/format';
import { goalsFor, rememberGoals } from '../../../lib/onboarding';
import { classForGoals } from '../../auth/class-preview';
import { WEEKDAYS, type Goals, type Player, type Weekday } from '../../../lib/types';
import { useMe } from '../../auth/api/get-me';
import { GoalSliders } from '../../auth/components/GoalSliders';
import { useReclassify, useUpdateMe, useUploadAvatar } from '../api/update-me';

const DAY_LABELS: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

export function SettingsPage() {
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (me.error) return <ErrorBanner error={me.error} onRetry={() => me.refetch()} />;
  return (
    <div className="page narrow">
      <PageHeader title="Settings" kicker="Tune your training arc" />
      <PendingNote player={me.data} />
      <ScheduleForm key={String(me.data.id)} player={me.data} />
      <AvatarCard player={me.data} />
      <ReclassifyCard player={me.data} />
    </div>
  );
}

/** Settings changed by PATCH wait for their turn (game rules §10): say when. */
function ScheduleForm({ player }: { player: Player }) {
  // The form starts from what the player asked for last: a change still waiting for
  // its midnight (`pending`) is shown, not the value in force, so saving another
  // setting never cancels it.
  const pending = player.pending;
  const initial = {
    timezone: pending?.timezone ?? player.timezone ?? 'UTC',
    training_days: pending?.training_days ?? player.training_days ?? [],
    weekly_goal: pending?.weekly_goal ?? player.weekly_goal ?? 4,
    wake_target: pending?.wake_target ?? player.wake_target ?? '06:30',
  };
  const [timezone, setTimezone] = useState(initial.timezone);
  const [days, setDays] = useState<Weekday[]>(initial.training_days);
  const [weeklyGoal, setWeeklyGoal] = useState(initial.weekly_goal);
  const [wake, setWake] = useState(initial.wake_target);
  const update = useUpdateMe();
  const fieldErrors = isApiError(update.error) && update.error.isValidation ? update.error.fieldErrors() : {};
  const placed = ['timezone', 'training_days', 'weekly_goal', 'wake_target'].some((k) => fieldErrors[k]);

  const toggle = (d: Weekday) => setDays((cur) => (cur.includes(d) ? cur.filter((x) => x !== d) : WEEKDAYS.filter((x) => x === d || cur.includes(x))));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Only what the player changed here is sent.
    const tz = asTimezone(timezone);
    update.mutate({
      ...(tz !== initial.timezone ? { timezone: tz } : {}),
      ...(days.join() !== initial.training_days.join() ? { training_days: days } : {}),
      ...(weeklyGoal !== initial.weekly_goal ? { weekly_goal: weeklyGoal } : {}),
      ...(wake !== initial.wake_target ? { wake_target: wake } : {}),
    });
  };

  return (
    <Card title="Schedule">
      <form onSubmit={submit} noValidate className="stack">
        <TimezoneField value={timezone} onChange={setTimezone} error={fieldErrors.timezone} />
        <fieldset className={fieldErrors.training_days ? 'field-invalid' : undefined}>
          <legend>Training days</legend>
          <div className="day-picker">
            {WEEKDAYS.map((d) => (
              <label key={d} className={days.includes(d) ? 'day on' : 'day'}>
                <input type="checkbox" name="training_days" value={d} checked={days.includes(d)} onChange={() => toggle(d)} />
                {DAY_LABELS[d]}
              </label>
            ))}
          </div>
          <small className="field-hint">A scheduled day without training is a skip: −50 XP.</small>
          {fieldErrors.training_days ? (
            <small className="field-error" role="alert">
              {fieldErrors.training_days}
            </small>
          ) : null}
        </fieldset>
        <InputField
          label={`Weekly goal: ${weeklyGoal} training day${weeklyGoal === 1 ? '' : 's'}`}
          name="weekly_goal"
          type="range"
          min={1}
          max={7}
          step={1}
          value={weeklyGoal}
          onChange={(e) => setWeeklyGoal(Number(e.target.value))}
          error={fieldErrors.weekly_goal}
          hint="Fall behind it and Shonen Rage Boost kicks in (level 10+)."
        />
        <InputField label="Wake target" name="wake_target" type="time" value={wake} onChange={(e) => setWake(e.target.value)} error={fieldErrors.wake_target} />
        {update.error && !placed ? <ErrorBanner error={update.error} /> : null}
        {update.isSuccess ? <p className="banner banner-ok">Saved. Your arc has been rescheduled.</p> : null}
        <Button type="submit" loading={update.isPending}>
          Save settings
        </Button>
      </form>
    </Card>
  );
}

function AvatarCard({ player }: { player: Player }) {
  const upload = useUploadAvatar();
  return (
    <Card title="Avatar">
      <div className="row gap">
        <div className="avatar" aria-hidden>
          {player.avatar_url ? <img src={player.avatar_url} alt="" /> : <span>{player.username.slice(0, 1).toUpperCase()}</span>}
        </div>
        <label className="btn btn-ghost btn-sm file-btn">
          {upload.isPending ? 'Uploading…' : 'Upload image (PNG, JPEG, WebP ≤ 5 MiB)'}
          <input
            type="file"
            accept="image/png,image/jpeg,image/webp"
            className="sr-only"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) upload.mutate(f);
              e.target.value = '';
            }}
          />
        </label>
      </div>
      <ErrorBanner error={upload.error} />
    </Card>
  );
}

function ReclassifyCard({ player }: { player: Player }) {
  const [goals, setGoals] = useState<Goals>(() => goalsFor(player.username, player.class));
  const [confirming, setConfirming] = useState(false);
  const re = useReclassify();
  const fieldErrors = isApiError(re.error) && re.error.isValidation ? re.error.fieldErrors() : {};
  const next = classForGoals(goals);
  const changes = next !== player.class;
  return (
    <Card title="Re-take the class test">
      <p className="muted">
        You are a <strong>{CLASS_INFO[player.class]?.label ?? player.class}</strong>. You may change class once every 30 days.
      </p>
      <GoalSliders goals={goals} onChange={(g) => {
          setGoals(g);
          setConfirming(false);
        }} errors={fieldErrors} />
      {re.error && Object.keys(fieldErrors).length === 0 ? <ErrorBanner error={re.error} /> : null}
      {re.isSuccess ? <p className="banner banner-ok">You are now a {CLASS_INFO[re.data.class]?.label ?? re.data.class}.</p> : null}
      {confirming ? (
        <div className="banner banner-error" role="alertdialog" aria-label="Confirm class change">
          <span>
            Become a <strong>{CLASS_INFO[next].label}</strong>? Your class is then locked for 30 days.
          </span>
          <span className="row gap">
            <Button
              variant="danger"
              size="sm"
              loading={re.isPending}
              onClick={() =>
                re.mutate(goals, {
                  onSuccess: (p) => {
                    rememberGoals(p.username, goals);
                    setConfirming(false);
                  },
                })
              }
            >
              Yes, switch
            </Button>
            <Button variant="ghost" size="sm" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </span>
        </div>
      ) : (
        <Button variant="ghost" disabled={!changes} onClick={() => setConfirming(true)}>
          {changes ? `Switch to ${CLASS_INFO[next].label}…` : 'Move the sliders to change class'}
        </Button>
      )}
    </Card>
  );
}
