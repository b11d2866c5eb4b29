/**
 * The one hook that owns the WebSocket: connects with the token, invalidates the queries
 * each event makes stale, raises toasts, and reconnects with exponential backoff.
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
  random?: () => number;
  toastMs?: number;
}

const defaultCreate = (url: string): SocketLike => new WebSocket(url);

export function useLiveEvents(token: string | null, options: LiveEventsOptions = {}, viewer?: string) {
  const queryClient = useQueryClient();
  const [state, dispatch] = useReducer(liveReducer, initialLiveState);
  const { createSocket = defaultCreate, random = Math.random, toastMs = 3500 } = options;
  // Options may be fresh objects each render; keep the latest without reconnecting.
  const optsRef = useRef({ createSocket, random });
  useEffect(() => {
    optsRef.current = { createSocket, random };
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

    const connect = () => {
      if (stopped) return;
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
        dispatch({ type: 'closed' });
        const delay = backoffDelay(attempt, optsRef.current.random);
        attempt += 1;
        timer = setTimeout(connect, delay);
      };
    };

    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      if (socket) {
        const s = socket;
        socket = null;
        s.onclose = null;
        s.close(1000);
      }
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
