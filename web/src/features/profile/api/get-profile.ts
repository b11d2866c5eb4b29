/** A player's public profile (`GET /players/{username}`). */
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import type { PublicProfile } from '../../../lib/types';

export const getProfile = (username: string, signal?: AbortSignal) =>
  api.get<PublicProfile>(`/players/${encodeURIComponent(username)}`, undefined, signal);

export function useProfile(username: string) {
  return useQuery({ queryKey: queryKeys.player(username), queryFn: ({ signal }) => getProfile(username, signal) });
}
