/** Settings: timezone, training days, weekly goal, wake target; avatar and class re-take. */
import { useId, useRef, useState, type FormEvent } from 'react';
import { PendingNote } from './PendingNote';
import { Button } from '../../../components/ui/Button';
import { Card, PageHeader } from '../../../components/ui/Card';
import { InputField } from '../../../components/ui/Field';
import { ErrorPage } from '../../../components/ui/ErrorPage';
import { ErrorBanner, Loading } from '../../../components/ui/Status';
import { TimezoneField } from '../../../components/ui/TimezoneField';
import { useFocusFirstInvalid } from '../../../hooks/use-focus-first-invalid';
import { classChangeAvailableAt, isApiError } from '../../../lib/api';
import { CLASS_INFO, asTimezone, formatDateTime } from '../../../lib/format';
import { CLASS_CHANGE_COOLDOWN_DAYS, classLockedUntil, goalsFor, rememberClassLock, rememberGoals } from '../../../lib/onboarding';
import { serverNow } from '../../../lib/server-clock';
import { classForGoals } from '../../auth/class-preview';
import { WEEKDAYS, type Goals, type Player, type Weekday } from '../../../lib/types';
import { useMe } from '../../auth/api/get-me';
import { GoalSliders } from '../../auth/components/GoalSliders';
import { useReclassify, useUpdateMe, useUploadAvatar } from '../api/update-me';

const DAY_LABELS: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

export function SettingsPage() {
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (me.error) return <ErrorPage error={me.error} title="Settings" onRetry={() => me.refetch()} />;
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
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, update.error, update.isPending);
  const daysId = useId();
  const daysHintId = `${daysId}-hint`;
  const daysErrId = `${daysId}-err`;
  const daysError = fieldErrors.training_days;

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
      <form ref={formRef} onSubmit={submit} noValidate className="stack">
        <TimezoneField value={timezone} onChange={setTimezone} error={fieldErrors.timezone} />
        <fieldset className={daysError ? 'field-invalid' : undefined} aria-describedby={daysError ? `${daysHintId} ${daysErrId}` : daysHintId}>
          <legend>Training days</legend>
          <div className="day-picker">
            {WEEKDAYS.map((d) => (
              <label key={d} className={days.includes(d) ? 'day on' : 'day'}>
                <input
                  type="checkbox"
                  name="training_days"
                  value={d}
                  checked={days.includes(d)}
                  onChange={() => toggle(d)}
                  aria-invalid={!!daysError || undefined}
                  aria-describedby={daysError ? daysErrId : undefined}
                />
                {DAY_LABELS[d]}
              </label>
            ))}
          </div>
          <small id={daysHintId} className="field-hint">
            A scheduled day without training is a skip: −50 XP.
          </small>
          {daysError ? (
            <small id={daysErrId} className="field-error">
              {daysError}
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
            disabled={upload.isPending}
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

/**
 * The class test again, at most once every 30 days. After a change, or when the
 * server refuses one as too soon (409 with the date the next is allowed), the switch
 * is not offered again until that date.
 */
function ReclassifyCard({ player }: { player: Player }) {
  const [goals, setGoals] = useState<Goals>(() => goalsFor(player.username, player.class));
  const [confirming, setConfirming] = useState(false);
  // Bumped when this card learns of a lock, so the remembered date is read again.
  const [, setLockSeen] = useState(0);
  const re = useReclassify();
  const outcomeRef = useRef<HTMLDivElement>(null);
  const fieldErrors = isApiError(re.error) && re.error.isValidation ? re.error.fieldErrors() : {};
  const next = classForGoals(goals);
  const changes = next !== player.class;
  const lockedUntil = classLockedUntil(player.username, serverNow());

  const lock = (until: string) => {
    rememberClassLock(player.username, until);
    setLockSeen((n) => n + 1);
  };
  // The dialog closes either way; focus goes to what happened, not to the page's end.
  const showOutcome = () => {
    setConfirming(false);
    requestAnimationFrame(() => outcomeRef.current?.focus());
  };
  const confirm = () =>
    re.mutate(goals, {
      onSuccess: (p) => {
        rememberGoals(p.username, goals);
        lock(new Date(serverNow() + CLASS_CHANGE_COOLDOWN_DAYS * 86_400_000).toISOString());
        showOutcome();
      },
      onError: (err) => {
        const at = classChangeAvailableAt(err);
        if (at) lock(at);
        showOutcome();
      },
    });

  return (
    <Card title="Re-take the class test">
      <p className="muted">
        Your class: <strong>{CLASS_INFO[player.class]?.label ?? player.class}</strong>. You may change class once every 30 days.
      </p>
      <GoalSliders
        goals={goals}
        onChange={(g) => {
          setGoals(g);
          setConfirming(false);
        }}
        errors={fieldErrors}
      />
      <div ref={outcomeRef} tabIndex={-1} className="stack outcome">
        {re.error && Object.keys(fieldErrors).length === 0 ? <ErrorBanner error={re.error} /> : null}
        {re.isSuccess ? <p className="banner banner-ok">You are now a {CLASS_INFO[re.data.class]?.label ?? re.data.class}.</p> : null}
        {lockedUntil && !re.error ? (
          <p className="banner" data-testid="class-locked">
            Your class is locked until {formatDateTime(lockedUntil)}: you can take the test again then.
          </p>
        ) : null}
      </div>
      {lockedUntil ? null : confirming ? (
        <div className="banner banner-error" role="alertdialog" aria-label="Confirm class change">
          <span>
            Become a <strong>{CLASS_INFO[next].label}</strong>? Your class is then locked for 30 days.
          </span>
          <span className="row gap">
            <Button variant="danger" size="sm" loading={re.isPending} onClick={confirm}>
              Yes, switch
            </Button>
            <Button variant="ghost" size="sm" disabled={re.isPending} onClick={() => setConfirming(false)}>
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
