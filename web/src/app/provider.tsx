/** App-wide providers: the TanStack Query client. */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { isApiError } from '../lib/api';

export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: true,
        // Client errors will not fix themselves; retry only network and server trouble.
        retry: (count, err) => count < 2 && !(isApiError(err) && err.status >= 400 && err.status < 500),
      },
      // A write runs when it is made, online or not: offline it fails at once with the
      // app's "cannot reach the server" message rather than wait, paused, and go out by
      // itself later (only the activity log queues offline, on purpose, with its key).
      mutations: { retry: false, networkMode: 'always' },
    },
  });
}

export function AppProvider({ children }: { children: ReactNode }) {
  const [client] = useState(createQueryClient);
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
