import { onlineManager, QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { createQueryClient } from '../app/provider';
import { useSingleFlightMutation } from './use-single-flight-mutation';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup() {
  const client = createQueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  const calls: ReturnType<typeof deferred<string>>[] = [];
  const mutationFn = vi.fn((_v: string) => {
    const d = deferred<string>();
    calls.push(d);
    return d.promise;
  });
  const hook = renderHook(() => useSingleFlightMutation({ mutationFn }), { wrapper });
  return { hook, calls, mutationFn };
}

describe('useSingleFlightMutation', () => {
  it('sends once however often it is called while in flight, pending from the first call', async () => {
    const { hook, calls, mutationFn } = setup();
    const onSuccess = vi.fn();
    act(() => {
      hook.result.current.mutate('a', { onSuccess });
      hook.result.current.mutate('a', { onSuccess });
    });
    expect(hook.result.current.isPending).toBe(true);
    act(() => hook.result.current.mutate('a', { onSuccess }));
    await act(async () => {});
    expect(mutationFn).toHaveBeenCalledTimes(1);

    await act(async () => calls[0].resolve('ok'));
    expect(onSuccess).toHaveBeenCalledTimes(1);
    expect(onSuccess).toHaveBeenCalledWith('ok', 'a');
    expect(hook.result.current.isPending).toBe(false);

    // Settled: the next call goes out.
    act(() => hook.result.current.mutate('b'));
    await act(async () => {});
    expect(mutationFn).toHaveBeenCalledTimes(2);
  });

  it('reports errors to the call and opens again', async () => {
    const { hook, calls, mutationFn } = setup();
    const onError = vi.fn();
    act(() => hook.result.current.mutate('a', { onError }));
    await act(async () => {});
    await act(async () => calls[0].reject(new Error('boom')));
    expect(onError).toHaveBeenCalledWith(new Error('boom'), 'a');
    expect(hook.result.current.error).toEqual(new Error('boom'));
    act(() => hook.result.current.mutate('a'));
    await act(async () => {});
    expect(mutationFn).toHaveBeenCalledTimes(2);
  });

  it('stays pending and answers the call even after reset()', async () => {
    const { hook, calls } = setup();
    const onSuccess = vi.fn();
    act(() => hook.result.current.mutate('a', { onSuccess }));
    await act(async () => {});
    act(() => hook.result.current.reset());
    expect(hook.result.current.isPending).toBe(true);
    await act(async () => calls[0].resolve('ok'));
    expect(onSuccess).toHaveBeenCalledWith('ok', 'a');
  });

  it('runs offline (to fail at once) instead of waiting, paused, to go out later', async () => {
    onlineManager.setOnline(false);
    try {
      const { hook, mutationFn } = setup();
      act(() => hook.result.current.mutate('a'));
      await act(async () => {});
      // The query client does not pause writes offline: the write runs, and the API
      // client fails it with the offline message.
      expect(mutationFn).toHaveBeenCalledTimes(1);
      expect(hook.result.current.isPaused).toBe(false);
    } finally {
      onlineManager.setOnline(true);
    }
  });
});
