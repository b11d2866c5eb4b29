/** The logged-in player (`GET /me`). */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import { tokenStore } from '../../../lib/token';
import type { Player } from '../../../lib/types';
import { useToken } from '../use-token';

export const getMe = (signal?: AbortSignal) => api.get<Player>('/me', undefined, signal);

/** `GET /me`, which also names the owner of a session from before owners were kept. */
async function getMeAndClaim(signal?: AbortSignal): Promise<Player> {
  const token = tokenStore.get();
  const me = await getMe(signal);
  if (token) tokenStore.claimOwner(token, me.id);
  return me;
}

export function useMe() {
  const token = useToken();
  return useQuery({ queryKey: queryKeys.me, queryFn: ({ signal }) => getMeAndClaim(signal), enabled: !!token });
}
