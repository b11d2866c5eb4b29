/** Attach a photo to an activity (`POST /activities/{id}/photos`, image body). */
import { useQueryClient } from '@tanstack/react-query';
import { useSingleFlightMutation } from '../../../hooks/use-single-flight-mutation';
import { apiRequest } from '../../../lib/api';
import { keyedWrite } from '../../../lib/attempt-key';
import { queryKeys } from '../../../lib/query-keys';
import type { Id } from '../../../lib/types';

/** The same file sent again after no answer keeps its key: the server stores it once. */
export const uploadActivityPhoto = keyedWrite(({ id, file }: { id: Id; file: Blob }, idempotencyKey: string) =>
  apiRequest<{ photo_url: string }>(`/activities/${encodeURIComponent(String(id))}/photos`, {
    method: 'POST',
    body: file,
    idempotencyKey,
  }),
);

export function useUploadActivityPhoto(id: Id) {
  const qc = useQueryClient();
  return useSingleFlightMutation({
    mutationFn: (file: Blob) => uploadActivityPhoto({ id, file }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.activity(id) }),
  });
}
