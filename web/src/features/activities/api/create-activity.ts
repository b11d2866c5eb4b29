/** Log an activity (`POST /activities`) → the stored activity and its XP award. */
import { useQueryClient } from '@tanstack/react-query';
import { useSingleFlightMutation } from '../../../hooks/use-single-flight-mutation';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { ActivityInput, ActivityWithAward } from '../../../lib/types';

export const createActivity = (input: ActivityInput, idempotencyKey: string) =>
  api.post<ActivityWithAward>('/activities', input, idempotencyKey);

export function useCreateActivity() {
  const qc = useQueryClient();
  return useSingleFlightMutation({
    mutationFn: ({ input, idempotencyKey }: { input: ActivityInput; idempotencyKey: string }) => createActivity(input, idempotencyKey),
    onSuccess: (res) => {
      qc.setQueryData(queryKeys.activity(res.activity.id), res);
      for (const queryKey of [queryKeys.activities, queryKeys.me, queryKeys.dashboard, queryKeys.ledger, queryKeys.boss, queryKeys.leaderboard]) {
        qc.invalidateQueries({ queryKey });
      }
    },
  });
}
