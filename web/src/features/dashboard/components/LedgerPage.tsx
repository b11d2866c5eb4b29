/**
 * Every XP entry: awards, corrections, penalties and rewards. On a phone the table
 * fits its card (reasons wrap between words, stats by their short name); a reason
 * with a word too long for the screen scrolls inside the card.
 */
import { Link } from '../../../app/router';
import { Button } from '../../../components/ui/Button';
import { Card, PageHeader } from '../../../components/ui/Card';
import { Empty, ErrorBanner, Loading } from '../../../components/ui/Status';
import { formatDateTime, signedXp, STAT_INFO, statLabel } from '../../../lib/format';
import { useLedger } from '../api/get-ledger';
import { ledgerReason } from '../ledger-reason';

export function LedgerPage() {
  const q = useLedger();
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="page narrow">
      <PageHeader title="XP ledger" kicker="Every point, accounted for" />
      <Card>
        {q.isPending ? <Loading /> : null}
        <ErrorBanner error={q.error} onRetry={() => q.refetch()} />
        {q.isSuccess && items.length === 0 ? <Empty>The ledger is empty. Go earn something!</Empty> : null}
        {items.length ? (
          <div className="table-scroll" tabIndex={0} role="region" aria-label="XP entries">
            <table className="table ledger">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Reason</th>
                  <th>Stat</th>
                  <th className="num">XP</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={String(e.id)}>
                    <td>{formatDateTime(e.at)}</td>
                    <td className="text">
                      {e.activity_id != null ? <Link to={`/activities/${encodeURIComponent(String(e.activity_id))}`}>{ledgerReason(e.reason)}</Link> : ledgerReason(e.reason)}
                    </td>
                    <td>{e.stat ? <StatName stat={e.stat} /> : '—'}</td>
                    <td className={`num ${e.amount >= 0 ? 'xp-pos' : 'xp-neg'}`}>{signedXp(e.amount)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {q.hasNextPage ? (
          <div className="center">
            <Button variant="ghost" onClick={() => q.fetchNextPage()} loading={q.isFetchingNextPage}>
              Load more
            </Button>
          </div>
        ) : null}
      </Card>
    </div>
  );
}

/** The stat's name, and its short name for a phone (the stylesheet shows one). */
function StatName({ stat }: { stat: string }) {
  const short = (STAT_INFO as Record<string, { short: string }>)[stat]?.short;
  if (!short) return <>{statLabel(stat)}</>;
  return (
    <>
      <span className="stat-long">{statLabel(stat)}</span>
      <abbr className="stat-short" title={statLabel(stat)}>
        {short}
      </abbr>
    </>
  );
}
