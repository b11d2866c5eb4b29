import type { Player } from '../../../lib/types';

const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

/**
 * Settings changed but not yet in force (fair play: the schedule, timezone and wake
 * target apply at the next local midnight, the weekly goal at the next ISO week).
 */
export function PendingNote({ player }: { player: Player }) {
  const pending = player.pending;
  if (!pending) return null;
  const names: string[] = [];
  if (pending.timezone != null) names.push('timezone');
  if (pending.training_days != null) names.push('training days');
  if (pending.wake_target != null) names.push('wake-up target');
  const goalAt = pending.weekly_goal != null ? (pending.weekly_goal_effective_at ?? pending.effective_at) : null;
  if (names.length === 0 && goalAt === null) return null;
  return (
    <p className="banner pending-note" data-testid="pending-settings">
      {names.length > 0 && `Changes to ${names.join(', ')} take effect at ${when(pending.effective_at)}.`}
      {names.length > 0 && goalAt !== null && ' '}
      {goalAt !== null && `A weekly goal of ${pending.weekly_goal} takes effect at ${when(goalAt)}.`}
    </p>
  );
}
