/** The duel replay viewer: steps through rounds with both HP bars and the narration. */
import { useEffect, useState } from 'react';
import { Link } from '../../../app/router';
import { Button } from '../../../components/ui/Button';
import { Card, PageHeader } from '../../../components/ui/Card';
import { Meter } from '../../../components/ui/Meter';
import { ErrorPage } from '../../../components/ui/ErrorPage';
import { Loading } from '../../../components/ui/Status';
import type { Duel } from '../../../lib/types';
import { useDuel } from '../api/get-duel';
import { lootLabel } from '../../../lib/loot';
import { replayFrame } from '../replay';

export function DuelReplayPage({ id }: { id: string }) {
  const q = useDuel(id);
  if (q.isPending) return <Loading />;
  if (q.error) {
    return (
      <ErrorPage
        error={q.error}
        title="Duel replay"
        onRetry={() => q.refetch()}
        notFound={{ title: 'Duel not found', children: "This duel doesn't exist, or it isn't one of yours.", back: { to: '/duels', label: 'Back to your duels' } }}
      />
    );
  }
  const duel = q.data;
  return (
    <div className="page narrow">
      <PageHeader title={`${duel.challenger} vs ${duel.opponent}`} kicker="Duel replay">
        <Link className="btn btn-ghost" to="/duels">
          ← Duels
        </Link>
      </PageHeader>
      {duel.status === 'queued' ? (
        <Card>
          <Loading label="The battle is being fought… stand by." />
        </Card>
      ) : duel.rounds?.length ? (
        <ReplayViewer duel={duel} />
      ) : (
        <Card>
          <p className="muted">No replay for this duel ({duel.status}).</p>
        </Card>
      )}
    </div>
  );
}

export function ReplayViewer({ duel }: { duel: Duel }) {
  const total = duel.rounds?.length ?? 0;
  const [step, setStep] = useState(0);
  const [playing, setPlaying] = useState(false);
  const frame = replayFrame(duel, step);
  const prev = replayFrame(duel, Math.max(0, step - 1));
  const finished = frame.step >= total;
  // Whoever just lost HP takes the hit (a shake; none with reduced motion).
  const hit = (now: number, before: number) => (step > 0 && now < before ? ' hit' : '');
  // Playback stops by itself at the last round.
  const isPlaying = playing && !finished;

  useEffect(() => {
    if (!isPlaying) return;
    const t = setTimeout(() => setStep((s) => s + 1), 1400);
    return () => clearTimeout(t);
  }, [isPlaying, step]);

  const rewards = lootLabel(duel.rewards);
  return (
    <Card className="replay">
      <div className="fighters">
        <div key={`c-${step}`} className={`fighter${finished && duel.winner === duel.challenger ? ' winner' : ''}${hit(frame.challengerHp, prev.challengerHp)}`}>
          <div className="fighter-name">{duel.challenger}</div>
          <Meter value={frame.challengerHp} max={frame.hpMax} tone="hp" label="HP" />
        </div>
        <div key={`vs-${step}`} className={step > 0 ? 'vs big clash' : 'vs big'}>
          VS
        </div>
        <div key={`o-${step}`} className={`fighter right${finished && duel.winner === duel.opponent ? ' winner' : ''}${hit(frame.opponentHp, prev.opponentHp)}`}>
          <div className="fighter-name">{duel.opponent}</div>
          <Meter value={frame.opponentHp} max={frame.hpMax} tone="enemy" label="HP" />
        </div>
      </div>
      <div className="narration" aria-live="polite">
        <div className="kicker">{frame.round ? `Round ${frame.round.n}` : 'Face-off'}</div>
        {frame.round ? (
          frame.round.lines.map((l, i) => (
            <p key={`${frame.step}-${i}`} className="narration-line">
              {l}
            </p>
          ))
        ) : (
          <p className="narration-line">Two rivals stare each other down. The wind picks up…</p>
        )}
        {finished && duel.winner ? (
          <p className="winner-line">
            🏆 <strong>{duel.winner}</strong> wins!
          </p>
        ) : null}
      </div>
      <div className="row gap center replay-controls">
        <Button variant="ghost" size="sm" onClick={() => setStep(0)} disabled={step === 0} aria-label="First round">
          ⏮
        </Button>
        <Button variant="ghost" size="sm" onClick={() => setStep((s) => Math.max(0, s - 1))} disabled={step === 0}>
          <span aria-hidden="true">◀</span> Prev
        </Button>
        <Button
          size="sm"
          onClick={() => {
            if (finished) {
              setStep(0);
              setPlaying(true);
            } else {
              setPlaying(!isPlaying);
            }
          }}
        >
          {isPlaying ? '⏸ Pause' : '▶ Play'}
        </Button>
        <Button variant="ghost" size="sm" onClick={() => setStep((s) => Math.min(total, s + 1))} disabled={finished}>
          Next <span aria-hidden="true">▶</span>
        </Button>
        <Button variant="ghost" size="sm" onClick={() => setStep(total)} disabled={finished} aria-label="Last round">
          ⏭
        </Button>
        <span className="muted">
          {frame.step} / {total}
        </span>
      </div>
      {finished && rewards ? (
        <p className="center replay-rewards">
          <strong>Rewards:</strong> {rewards}
        </p>
      ) : null}
    </Card>
  );
}
