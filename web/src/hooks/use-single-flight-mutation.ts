/**
 * A write that goes out once at a time. While a call is in flight, further calls (a
 * double tap, Enter pressed twice) are dropped, not queued, and `isPending` is true
 * from the first call on: before the mutation cache has told the component, and even
 * after `reset()`. Every write the app sends goes through this.
 */
import { useMutation, type UseMutationOptions, type UseMutationResult } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';

export interface MutateCallbacks<TData, TVariables> {
  onSuccess?: (data: TData, variables: TVariables) => void;
  onError?: (error: Error, variables: TVariables) => void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type SingleFlightMutation<TData, TVariables> = DistributiveOmit<UseMutationResult<TData, Error, TVariables>, 'mutate' | 'mutateAsync' | 'isPending'> & {
  /** Sends unless a call is already in flight (then does nothing). */
  mutate: (variables: TVariables, callbacks?: MutateCallbacks<TData, TVariables>) => void;
  isPending: boolean;
};

export function useSingleFlightMutation<TData, TVariables>(options: UseMutationOptions<TData, Error, TVariables>): SingleFlightMutation<TData, TVariables> {
  const m = useMutation(options);
  const inFlight = useRef(false);
  const [busy, setBusy] = useState(false);
  const { mutateAsync } = m;

  const mutate = useCallback(
    (variables: TVariables, callbacks: MutateCallbacks<TData, TVariables> = {}) => {
      if (inFlight.current) return;
      inFlight.current = true;
      setBusy(true);
      // Through the promise, not the observer's callbacks: these run even when the
      // component reset the mutation meanwhile, and the guard opens only after them.
      mutateAsync(variables)
        .then(
          (data) => callbacks.onSuccess?.(data, variables),
          (error: Error) => callbacks.onError?.(error, variables),
        )
        .finally(() => {
          inFlight.current = false;
          setBusy(false);
        });
    },
    [mutateAsync],
  );

  return { ...m, mutate, isPending: m.isPending || busy } as SingleFlightMutation<TData, TVariables>;
}
