/** Attach a photo to an activity (`POST /activities/{id}/photos`, image body). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest, newIdempotencyKey } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { Id } from '../../../lib/types';

export const uploadActivityPhoto = (id: Id, file: Blob) =>
  apiRequest<{ photo_url: string }>(`/activities/${encodeURIComponent(String(id))}/photos`, {
    method: 'POST',
    body: file,
    idempotencyKey: newIdempotencyKey(),
  });

export function useUploadActivityPhoto(id: Id) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (file: Blob) => uploadActivityPhoto(id, file),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.activity(id) }),
  });
}
