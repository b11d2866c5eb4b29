import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useLiveEvents, type SocketLike } from './use-live-events';

class FakeSocket implements SocketLike {
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close() {
    this.closed = true;
  }
  open() {
    this.onopen?.(new Event('open'));
  }
  send(obj: unknown) {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(obj) }));
  }
  drop() {
    this.onclose?.(new CloseEvent('close', { code: 1006 }));
  }
}

function setup(token: string | null = 'tok', online = { now: true }) {
  const client = new QueryClient();
  const invalidate = vi.spyOn(client, 'invalidateQueries').mockResolvedValue();
  const sockets: FakeSocket[] = [];
  const createSocket = (url: string) => {
    const s = new FakeSocket(url);
    sockets.push(s);
    return s;
  };
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  const hook = renderHook(({ t }) => useLiveEvents(t, { createSocket, random: () => 1, toastMs: 1000, isOnline: () => online.now }), { wrapper, initialProps: { t: token } });
  const invalidatedKeys = () => invalidate.mock.calls.map((c) => (c[0]?.queryKey ?? ['*']).join('/'));
  return { hook, sockets, invalidate, invalidatedKeys };
}

describe('useLiveEvents', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('connects with the token and invalidates queries on events', () => {
    const { hook, sockets, invalidatedKeys } = setup();
    expect(sockets).toHaveLength(1);
    expect(sockets[0].url).toMatch(/\/api\/v1\/ws\?token=tok$/);
    act(() => sockets[0].open());
    expect(hook.result.current.status).toBe('open');

    act(() => sockets[0].send({ type: 'duel_challenged', at: 't', data: { challenger: 'vegeta' } }));
    expect(invalidatedKeys()).toEqual(['duels']);
    expect(hook.result.current.toasts.map((t) => t.text)).toEqual(['vegeta challenges you to a duel!']);

    act(() => sockets[0].send({ type: 'xp_awarded', at: 't', data: { final: 23, stat: 'strength' } }));
    expect(invalidatedKeys()).toEqual(expect.arrayContaining(['me', 'dashboard', 'ledger', 'leaderboard']));
  });

  it('ignores malformed messages', () => {
    const { sockets, invalidate } = setup();
    act(() => sockets[0].open());
    act(() => sockets[0].onmessage?.(new MessageEvent('message', { data: 'nonsense' })));
    expect(invalidate).not.toHaveBeenCalled();
  });

  it('reconnects with exponential backoff and refreshes everything after reconnecting', () => {
    const { hook, sockets, invalidatedKeys } = setup();
    act(() => sockets[0].drop());
    expect(hook.result.current.status).toBe('reconnecting');
    act(() => vi.advanceTimersByTime(999));
    expect(sockets).toHaveLength(1);
    act(() => vi.advanceTimersByTime(1));
    expect(sockets).toHaveLength(2);

    act(() => sockets[1].drop());
    act(() => vi.advanceTimersByTime(1999));
    expect(sockets).toHaveLength(2);
    act(() => vi.advanceTimersByTime(1));
    expect(sockets).toHaveLength(3);

    act(() => sockets[2].open());
    expect(hook.result.current.status).toBe('open');
    expect(invalidatedKeys()).toEqual(['*']);

    // After a successful open the backoff starts again from 1 s.
    act(() => sockets[2].drop());
    act(() => vi.advanceTimersByTime(1000));
    expect(sockets).toHaveLength(4);
  });

  it('closes without reconnecting on unmount or logout', () => {
    const { hook, sockets } = setup();
    act(() => sockets[0].open());
    hook.rerender({ t: null });
    expect(sockets[0].closed).toBe(true);
    expect(hook.result.current.status).toBe('idle');
    act(() => vi.advanceTimersByTime(60_000));
    expect(sockets).toHaveLength(1);
  });

  it('says offline at once when the browser goes offline, and reconnects when it is back', () => {
    const online = { now: true };
    const { hook, sockets, invalidatedKeys } = setup('tok', online);
    act(() => sockets[0].open());
    expect(hook.result.current.status).toBe('open');

    online.now = false;
    act(() => {
      window.dispatchEvent(new Event('offline'));
    });
    expect(hook.result.current.status).toBe('offline');
    expect(sockets[0].closed).toBe(true);
    // No retries while offline.
    act(() => vi.advanceTimersByTime(60_000));
    expect(sockets).toHaveLength(1);

    online.now = true;
    act(() => {
      window.dispatchEvent(new Event('online'));
    });
    expect(sockets).toHaveLength(2);
    expect(hook.result.current.status).toBe('connecting');
    act(() => sockets[1].open());
    expect(hook.result.current.status).toBe('open');
    // Events may have been missed meanwhile: everything is refreshed.
    expect(invalidatedKeys()).toEqual(['*']);
  });

  it('a socket that closes while the browser is offline shows offline, not reconnecting', () => {
    const online = { now: true };
    const { hook, sockets } = setup('tok', online);
    act(() => sockets[0].open());
    online.now = false;
    act(() => sockets[0].drop());
    expect(hook.result.current.status).toBe('offline');
    act(() => vi.advanceTimersByTime(60_000));
    expect(sockets).toHaveLength(1);
  });

  it('does not try to connect while offline', () => {
    const { hook, sockets } = setup('tok', { now: false });
    expect(sockets).toHaveLength(0);
    expect(hook.result.current.status).toBe('offline');
  });

  it('does not connect without a token', () => {
    const { sockets } = setup(null);
    expect(sockets).toHaveLength(0);
  });

  it('shows a level-up once, as a moment, not a toast', () => {
    const { hook, sockets } = setup();
    act(() => sockets[0].send({ type: 'xp_awarded', at: 't', data: { award: { final: 61, stat: 'strength', level_up: { from: 1, to: 2 } } } }));
    act(() => sockets[0].send({ type: 'level_up', at: 't', data: { from: 1, to: 2, title: 'Side Character' } }));
    expect(hook.result.current.toasts.map((t) => t.text)).toEqual(['+61 Strength XP']);
    expect(hook.result.current.moment?.title).toBe('Level 2');
    act(() => hook.result.current.momentDone(hook.result.current.moment!.id));
    expect(hook.result.current.moment).toBeNull();
  });

  it('auto-dismisses toasts', () => {
    const { hook, sockets } = setup();
    act(() => sockets[0].send({ type: 'boss_damaged', at: 't', data: {} }));
    expect(hook.result.current.toasts).toHaveLength(1);
    act(() => vi.advanceTimersByTime(1000));
    expect(hook.result.current.toasts).toHaveLength(0);
  });
});
