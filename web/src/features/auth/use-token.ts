/**
 * The current bearer token (and its player) as React state, and logout. Logging out
 * leaves the offline queue alone: its items wait, shown to and sent by no one else,
 * for their owner's next log-in on this device.
 */
import { useSyncExternalStore } from 'react';
import type { QueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api';
import { tokenStore } from '../../lib/token';

export function useToken(): string | null {
  return useSyncExternalStore(tokenStore.subscribe, tokenStore.get, () => null);
}

/** The id of the player the session belongs to, when known. */
export function useTokenOwner(): string | null {
  return useSyncExternalStore(tokenStore.subscribe, tokenStore.owner, () => null);
}

/** Forgets the token locally (the session is already over). */
export function logout(queryClient: QueryClient) {
  tokenStore.set(null);
  queryClient.clear();
}

/**
 * Logs out: revokes the token on the server (`POST /auth/logout`, which also closes
 * its WebSockets), then forgets it here whatever the answer (offline included).
 */
export async function logoutEverywhere(queryClient: QueryClient) {
  try {
    await api.post<void>('/auth/logout');
  } catch {
    // Already revoked or unreachable: the local logout still happens.
  }
  logout(queryClient);
}
