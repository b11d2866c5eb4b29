/**
 * The one hook that owns the WebSocket: connects with the token, invalidates the queries
 * each event makes stale, raises toasts, and reconnects with exponential backoff. The
 * browser going offline closes the socket and says so at once (a dead connection can
 * look open for minutes); coming back online reconnects at once.
 */
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import {
  backoffDelay,
  initialLiveState,
  liveEventsUrl,
  liveReducer,
  parseLiveEvent,
  queryKeysForEvent,
} from '../lib/live-events';

export interface SocketLike {
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  close(code?: number): void;
}

export interface LiveEventsOptions {
  createSocket?: (url: string) => SocketLike;
  /** Whether the browser says it is online (navigator.onLine). */
  isOnline?: () => boolean;
  random?: () => number;
  toastMs?: number;
}

const defaultCreate = (url: string): SocketLike => new WebSocket(url);
const browserOnline = () => typeof navigator === 'undefined' || navigator.onLine !== false;

export function useLiveEvents(token: string | null, options: LiveEventsOptions = {}, viewer?: string) {
  const queryClient = useQueryClient();
  const [state, dispatch] = useReducer(liveReducer, initialLiveState);
  const { createSocket = defaultCreate, random = Math.random, toastMs = 3500, isOnline = browserOnline } = options;
  // Options may be fresh objects each render; keep the latest without reconnecting.
  const optsRef = useRef({ createSocket, random, isOnline });
  useEffect(() => {
    optsRef.current = { createSocket, random, isOnline };
  });

  useEffect(() => {
    if (!token) {
      dispatch({ type: 'stopped' });
      return;
    }
    let socket: SocketLike | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let stopped = false;

    const dropSocket = () => {
      clearTimeout(timer);
      if (socket) {
        const s = socket;
        socket = null;
        s.onclose = null;
        s.close(1000);
      }
    };

    const goOffline = () => {
      dropSocket();
      // Events may be missed meanwhile: the next open refreshes everything.
      attempt = Math.max(attempt, 1);
      dispatch({ type: 'offline' });
    };

    const goOnline = () => {
      if (stopped || socket) return;
      clearTimeout(timer);
      connect();
    };

    const connect = () => {
      if (stopped) return;
      if (!optsRef.current.isOnline()) {
        goOffline();
        return;
      }
      dispatch({ type: 'connecting' });
      const s = optsRef.current.createSocket(liveEventsUrl(token));
      socket = s;
      s.onopen = () => {
        if (attempt > 0) {
          // We may have missed events while away: refresh everything the socket would.
          queryClient.invalidateQueries();
        }
        attempt = 0;
        dispatch({ type: 'open' });
      };
      s.onmessage = (ev) => {
        const event = parseLiveEvent(ev.data);
        if (!event) return;
        for (const queryKey of queryKeysForEvent(event.type)) queryClient.invalidateQueries({ queryKey });
        dispatch({ type: 'event', event });
      };
      s.onerror = () => {
        // onclose follows and schedules the retry.
      };
      s.onclose = () => {
        if (stopped || socket !== s) return;
        socket = null;
        if (!optsRef.current.isOnline()) {
          goOffline();
          return;
        }
        dispatch({ type: 'closed' });
        const delay = backoffDelay(attempt, optsRef.current.random);
        attempt += 1;
        timer = setTimeout(connect, delay);
      };
    };

    connect();
    window.addEventListener('offline', goOffline);
    window.addEventListener('online', goOnline);
    return () => {
      stopped = true;
      window.removeEventListener('offline', goOffline);
      window.removeEventListener('online', goOnline);
      dropSocket();
    };
  }, [token, queryClient]);

  useEffect(() => {
    dispatch({ type: 'viewer', viewer: { username: viewer } });
  }, [viewer]);

  const dismiss = useCallback((id: number) => dispatch({ type: 'dismiss', id }), []);
  const momentDone = useCallback((id: number) => dispatch({ type: 'moment_done', id }), []);

  useEffect(() => {
    if (state.toasts.length === 0) return;
    const oldest = state.toasts[0];
    const t = setTimeout(() => dismiss(oldest.id), toastMs);
    return () => clearTimeout(t);
  }, [state.toasts, dismiss, toastMs]);

  return { status: state.status, attempt: state.attempt, toasts: state.toasts, dismiss, moment: state.moments[0] ?? null, momentDone };
}
