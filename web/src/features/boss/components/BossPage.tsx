/** This week's boss battle and the hall of past villains, with cutscenes and badges. */
import { useState } from 'react';
import { Button } from '../../../components/ui/Button';
import { Card, PageHeader } from '../../../components/ui/Card';
import { Empty, ErrorBanner, Loading, Pill } from '../../../components/ui/Status';
import { useBoss } from '../api/get-boss';
import { useBossHistory } from '../api/get-boss-history';
import { lootLabel } from '../../../lib/loot';
import type { PendingCutscene } from '../../../lib/types';
import { BossCard } from './BossCard';

export function BossPage() {
  const boss = useBoss();
  const history = useBossHistory();
  // The server sends an unseen escape cutscene once, with whichever read comes first;
  // keep it on screen after later refetches.
  const pending = boss.data?.pending_cutscene ?? history.data?.pending_cutscene ?? null;
  const [scene, setScene] = useState<PendingCutscene | null>(null);
  const [dismissed, setDismissed] = useState<string | null>(null);
  if (pending && pending.week !== scene?.week) setScene(pending);
  const showing = scene && scene.week !== dismissed ? scene : null;
  return (
    <div className="page narrow">
      <PageHeader title="Weekly boss" kicker={boss.data ? `Week ${boss.data.week}` : 'A villain approaches'} />
      {showing ? (
        <Card title={`${showing.name} escaped!`} className="cutscene-now">
          <div className="cutscene-text" role="alert">
            {(showing.cutscene ?? '').split('\n').map((line, i) => (
              <p key={i}>{line}</p>
            ))}
          </div>
          <Button type="button" variant="ghost" onClick={() => setDismissed(showing.week)}>
            Skip cutscene
          </Button>
        </Card>
      ) : null}
      <Card>
        {boss.isPending ? <Loading /> : null}
        <ErrorBanner error={boss.error} onRetry={() => boss.refetch()} />
        {boss.data ? <BossCard boss={boss.data} /> : null}
      </Card>
      <Card title="Past villains">
        {history.isPending ? <Loading /> : null}
        <ErrorBanner error={history.error} onRetry={() => history.refetch()} />
        {history.data && history.data.items.length === 0 ? <Empty>No past battles yet.</Empty> : null}
        <ul className="boss-history">
          {history.data?.items.map((b) => {
            const badge = lootLabel(b.badge);
            return (
              <li key={`${b.week}-${b.name}`} className={`boss-past boss-${b.status}`}>
                <div className="row between">
                  <div>
                    <strong>{b.name}</strong> <span className="muted">— {b.epithet}</span>
                    <div className="muted">Week {b.week}</div>
                  </div>
                  <Pill tone={b.status === 'defeated' ? 'good' : b.status === 'escaped' ? 'bad' : 'warn'}>{b.status}</Pill>
                </div>
                {badge ? <div className="badge-earned">🏅 Badge: {badge}</div> : null}
                {b.cutscene ? (
                  <details className="cutscene">
                    <summary>Watch the cutscene</summary>
                    <div className="cutscene-text">
                      {b.cutscene.split('\n').map((line, i) => (
                        <p key={i}>{line}</p>
                      ))}
                    </div>
                  </details>
                ) : null}
              </li>
            );
          })}
        </ul>
      </Card>
    </div>
  );
}
