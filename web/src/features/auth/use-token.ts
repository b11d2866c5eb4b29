/** The current bearer token as React state, and logout. */
import { useSyncExternalStore } from 'react';
import type { QueryClient } from '@tanstack/react-query';
import { tokenStore } from '../../lib/token';

export function useToken(): string | null {
  return useSyncExternalStore(tokenStore.subscribe, tokenStore.get, () => null);
}

export function logout(queryClient: QueryClient) {
  tokenStore.set(null);
  queryClient.clear();
}
