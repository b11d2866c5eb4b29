/** The logged-in player (`GET /me`). */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { Player } from '../../../lib/types';
import { useToken } from '../use-token';

export const getMe = (signal?: AbortSignal) => api.get<Player>('/me', undefined, signal);

export function useMe() {
  const token = useToken();
  return useQuery({ queryKey: queryKeys.me, queryFn: ({ signal }) => getMe(signal), enabled: !!token });
}
