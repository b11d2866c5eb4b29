/** Settings (`PATCH /me`), class re-take (`POST /me/reclassify`) and avatar (`PUT /me/avatar`). */
import { useQueryClient } from '@tanstack/react-query';
import { useSingleFlightMutation } from '../../../hooks/use-single-flight-mutation';
import { api, apiRequest } from '../../../lib/api';
import { keyedWrite } from '../../../lib/attempt-key';
import { queryKeys } from '../../../lib/query-keys';
import type { Goals, Player, SettingsInput } from '../../../lib/types';

export const updateMe = (input: SettingsInput) => api.patch<Player>('/me', input);
export const reclassify = keyedWrite((goals: Goals, key: string) => api.post<Player>('/me/reclassify', { goals }, key));
export const uploadAvatar = (file: Blob) => apiRequest<{ avatar_url: string }>('/me/avatar', { method: 'PUT', body: file });

function usePlayerMutation<I>(fn: (input: I) => Promise<Player>) {
  const qc = useQueryClient();
  return useSingleFlightMutation({
    mutationFn: fn,
    onSuccess: (player) => {
      qc.setQueryData(queryKeys.me, player);
      qc.invalidateQueries({ queryKey: queryKeys.dashboard });
      qc.invalidateQueries({ queryKey: queryKeys.boss });
    },
  });
}

export const useUpdateMe = () => usePlayerMutation(updateMe);
export const useReclassify = () => usePlayerMutation(reclassify);

export function useUploadAvatar() {
  const qc = useQueryClient();
  return useSingleFlightMutation({
    mutationFn: uploadAvatar,
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: queryKeys.me });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard });
    },
  });
}
