/** Every XP entry, newest first (`GET /ledger`), paged with `before`. */
import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { LedgerPage } from '../../../lib/types';

export const LEDGER_PAGE_SIZE = 50;

export const getLedger = (before?: string, signal?: AbortSignal) =>
  api.get<LedgerPage>('/ledger', { limit: LEDGER_PAGE_SIZE, before }, signal);

export function useLedger() {
  return useInfiniteQuery({
    queryKey: queryKeys.ledger,
    queryFn: ({ pageParam, signal }) => getLedger(pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_before ?? undefined,
  });
}
