/** Challenge a rival and manage your duels: accept, decline, watch replays. */
import { useRef, useState, type FormEvent } from 'react';
import { Link } from '../../../app/router';
import { Button } from '../../../components/ui/Button';
import { Card, PageHeader } from '../../../components/ui/Card';
import { InputField } from '../../../components/ui/Field';
import { Empty, ErrorBanner, Loading, Pill } from '../../../components/ui/Status';
import { useFocusFirstInvalid } from '../../../hooks/use-focus-first-invalid';
import { isApiError } from '../../../lib/api';
import { relativeTime } from '../../../lib/format';
import type { Duel, DuelStatus } from '../../../lib/types';
import { useMe } from '../../auth/api/get-me';
import { useAcceptDuel, useCreateDuel, useDeclineDuel } from '../api/duel-actions';
import { useDuels } from '../api/get-duels';

const FILTERS: { value: DuelStatus | undefined; label: string }[] = [
  { value: undefined, label: 'All' },
  { value: 'pending', label: 'Pending' },
  { value: 'queued', label: 'In battle' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'declined', label: 'Declined' },
  { value: 'expired', label: 'Expired' },
];

export const DUEL_STATUS_TONE: Record<DuelStatus, 'neutral' | 'good' | 'bad' | 'warn' | 'accent'> = {
  pending: 'warn',
  queued: 'accent',
  resolved: 'good',
  declined: 'bad',
  expired: 'neutral',
};

export function DuelsPage() {
  const me = useMe().data?.username;
  const [status, setStatus] = useState<DuelStatus | undefined>(undefined);
  const duels = useDuels(status);
  return (
    <div className="page narrow">
      <PageHeader title="Rival duels" kicker="Every shonen needs a rival" />
      <ChallengeForm />
      <div className="tabs" role="tablist" aria-label="Duel status">
        {FILTERS.map((f) => (
          <button key={f.label} type="button" role="tab" aria-selected={status === f.value} className={status === f.value ? 'tab active' : 'tab'} onClick={() => setStatus(f.value)}>
            {f.label}
          </button>
        ))}
      </div>
      <Card>
        {duels.isPending ? <Loading /> : null}
        <ErrorBanner error={duels.error} onRetry={() => duels.refetch()} />
        {duels.data && duels.data.items.length === 0 ? <Empty>No duels here. Call someone out!</Empty> : null}
        <ul className="duel-list">
          {duels.data?.items.map((d) => (
            <DuelRow key={String(d.id)} duel={d} me={me} />
          ))}
        </ul>
      </Card>
    </div>
  );
}

function ChallengeForm() {
  const [opponent, setOpponent] = useState('');
  const create = useCreateDuel();
  const fieldErrors = isApiError(create.error) && create.error.isValidation ? create.error.fieldErrors() : {};
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, create.error, create.isPending);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!opponent.trim()) return;
    create.mutate(opponent.trim(), { onSuccess: () => setOpponent('') });
  };
  return (
    <Card title="Issue a challenge">
      <form ref={formRef} onSubmit={submit} noValidate className="row gap align-end">
        <InputField label="Rival's username" name="opponent" value={opponent} onChange={(e) => setOpponent(e.target.value)} error={fieldErrors.opponent} className="grow" />
        <Button type="submit" loading={create.isPending} disabled={!opponent.trim()}>
          ⚔ Challenge
        </Button>
      </form>
      {create.error && !fieldErrors.opponent ? <ErrorBanner error={create.error} /> : null}
      {create.isSuccess ? <p className="muted">Challenge sent to {create.data.opponent}. They have 24 h to answer.</p> : null}
    </Card>
  );
}

function DuelRow({ duel, me }: { duel: Duel; me?: string }) {
  const accept = useAcceptDuel();
  const decline = useDeclineDuel();
  const incoming = duel.status === 'pending' && me !== undefined && duel.opponent === me;
  // One answer at a time: accepting and declining at once would contradict each other.
  const answering = accept.isPending || decline.isPending;
  const rival = duel.challenger === me ? duel.opponent : duel.challenger;
  const outcome = duel.status === 'resolved' && duel.winner ? (duel.winner === me ? 'Victory' : 'Defeat') : null;
  return (
    <li className="duel-row">
      <div className="duel-main">
        <div>
          <strong>{duel.challenger}</strong> <span className="vs">VS</span> <strong>{duel.opponent}</strong>
        </div>
        <div className="muted">
          {duel.challenger === me ? `You challenged ${rival}` : `${rival} challenged you`} · {relativeTime(duel.created_at)}
        </div>
      </div>
      <div className="duel-side">
        {outcome ? <Pill tone={outcome === 'Victory' ? 'good' : 'bad'}>{outcome}</Pill> : null}
        <Pill tone={DUEL_STATUS_TONE[duel.status] ?? 'neutral'}>{duel.status}</Pill>
        {duel.rewards?.friendly ? (
          <span title={duel.rewards.friendly === 'weekly_pair_limit' ? 'This pair already had its paid duel this week' : 'The winner was already paid for 3 wins today'}>
            <Pill tone="neutral">friendly · no XP</Pill>
          </span>
        ) : null}
        {incoming ? (
          <>
            <Button size="sm" loading={accept.isPending} disabled={answering} onClick={() => accept.mutate(duel.id)}>
              Accept
            </Button>
            <Button size="sm" variant="ghost" loading={decline.isPending} disabled={answering} onClick={() => decline.mutate(duel.id)}>
              Decline
            </Button>
          </>
        ) : null}
        {duel.status === 'resolved' || duel.status === 'queued' ? (
          <Link className="btn btn-ghost btn-sm" to={`/duels/${encodeURIComponent(String(duel.id))}`}>
            {duel.status === 'resolved' ? '▶ Replay' : 'Watch'}
          </Link>
        ) : null}
      </div>
      <ErrorBanner error={accept.error ?? decline.error} />
    </li>
  );
}
