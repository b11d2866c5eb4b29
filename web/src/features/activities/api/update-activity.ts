/** Edit a strength session within 24 h (`PATCH /activities/{id}`); the award is recomputed with the edit penalty. */
import { useQueryClient } from '@tanstack/react-query';
import { useSingleFlightMutation } from '../../../hooks/use-single-flight-mutation';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { ActivityWithAward, Id, StrengthSet } from '../../../lib/types';

export interface StrengthEdit {
  sets: StrengthSet[];
  duration_min?: number;
}

export const updateActivity = (id: Id, edit: StrengthEdit) =>
  api.patch<ActivityWithAward>(`/activities/${encodeURIComponent(String(id))}`, edit);

export function useUpdateActivity(id: Id) {
  const qc = useQueryClient();
  return useSingleFlightMutation({
    mutationFn: (edit: StrengthEdit) => updateActivity(id, edit),
    onSuccess: (res) => {
      qc.setQueryData(queryKeys.activity(id), res);
      for (const queryKey of [queryKeys.activityList, queryKeys.me, queryKeys.dashboard, queryKeys.ledger, queryKeys.leaderboard]) {
        qc.invalidateQueries({ queryKey });
      }
    },
  });
}
