/** Loading, error and empty states, so every screen says what is going on. */
import { useSyncExternalStore, type ReactNode } from 'react';
import { errorMessage, isRetryable } from '../../lib/api';

/** Whether the browser says it is online, following its online/offline events. */
function useOnline(): boolean {
  return useSyncExternalStore(
    (changed) => {
      window.addEventListener('online', changed);
      window.addEventListener('offline', changed);
      return () => {
        window.removeEventListener('online', changed);
        window.removeEventListener('offline', changed);
      };
    },
    () => navigator.onLine !== false,
    () => true,
  );
}

export function Loading({ label = 'Powering up…' }: { label?: string }) {
  // Reads wait for the network (the query cache pauses them offline): say so rather
  // than spin forever; the page loads by itself once the connection is back.
  const online = useOnline();
  if (!online) {
    return (
      <div className="state state-offline" role="status">
        You're offline. This page loads as soon as you're back online; training you log now is queued and sent then.
      </div>
    );
  }
  return (
    <div className="state state-loading" role="status">
      <span className="spinner" aria-hidden /> {label}
    </div>
  );
}

/** The error, in words; Retry only where asking again may help (no connection, server trouble). */
export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div className="banner banner-error" role="alert">
      <span>{errorMessage(error)}</span>
      {onRetry && isRetryable(error) ? (
        <button type="button" className="btn btn-ghost btn-sm" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function Pill({ children, tone = 'neutral', title }: { children: ReactNode; tone?: 'neutral' | 'good' | 'bad' | 'warn' | 'accent'; title?: string }) {
  return (
    <span className={`pill pill-${tone}`} title={title}>
      {children}
    </span>
  );
}
