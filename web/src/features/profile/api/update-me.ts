/** Settings (`PATCH /me`), class re-take (`POST /me/reclassify`) and avatar (`PUT /me/avatar`). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, apiRequest, newIdempotencyKey } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { Goals, Player, SettingsInput } from '../../../lib/types';

export const updateMe = (input: SettingsInput) => api.patch<Player>('/me', input);
export const reclassify = (goals: Goals) => api.post<Player>('/me/reclassify', { goals }, newIdempotencyKey());
export const uploadAvatar = (file: Blob) => apiRequest<{ avatar_url: string }>('/me/avatar', { method: 'PUT', body: file });

function usePlayerMutation<I>(fn: (input: I) => Promise<Player>) {
  const qc = useQueryClient();
  return useMutation({
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
  return useMutation({
    mutationFn: uploadAvatar,
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: queryKeys.me });
      qc.invalidateQueries({ queryKey: queryKeys.dashboard });
    },
  });
}
