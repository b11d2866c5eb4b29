/** All logged activities, newest first, with "load more" cursor paging. */
import { Link } from '../../../app/router';
import { Button } from '../../../components/ui/Button';
import { Card, PageHeader } from '../../../components/ui/Card';
import { Empty, ErrorBanner, Loading } from '../../../components/ui/Status';
import { useActivities } from '../api/get-activities';
import { ActivityRow } from './ActivityRow';

export function HistoryPage() {
  const q = useActivities();
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="page narrow">
      <PageHeader title="Training history" kicker="The arc so far">
        <Link className="btn btn-primary" to="/log">
          + Log training
        </Link>
      </PageHeader>
      <Card>
        {q.isPending ? <Loading /> : null}
        <ErrorBanner error={q.error} onRetry={() => q.refetch()} />
        {q.isSuccess && items.length === 0 ? <Empty>No training yet. Every legend starts at episode one.</Empty> : null}
        <ul className="activity-list">
          {items.map((a) => (
            <ActivityRow key={String(a.id)} activity={a} />
          ))}
        </ul>
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
