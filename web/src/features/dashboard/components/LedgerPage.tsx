/** Every XP entry: awards, corrections, penalties and rewards. */
import { Link } from '../../../app/router';
import { Button } from '../../../components/ui/Button';
import { Card, PageHeader } from '../../../components/ui/Card';
import { Empty, ErrorBanner, Loading } from '../../../components/ui/Status';
import { formatDateTime, sentence, signedXp, statLabel } from '../../../lib/format';
import { useLedger } from '../api/get-ledger';

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
          <table className="table">
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
                    {e.activity_id != null ? <Link to={`/activities/${encodeURIComponent(String(e.activity_id))}`}>{sentence(e.reason)}</Link> : sentence(e.reason)}
                  </td>
                  <td>{e.stat ? statLabel(e.stat) : '—'}</td>
                  <td className={`num ${e.amount >= 0 ? 'xp-pos' : 'xp-neg'}`}>{signedXp(e.amount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
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
