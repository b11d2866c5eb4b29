/**
 * Whole-page answers to a failed load: a titled not-found page (what is missing and
 * the way back, never a Retry: asking again finds nothing more), and, for any other
 * error, the page's title over the error banner.
 */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { ApiError } from '../../lib/api';
import { PageHeader } from './Card';
import { ErrorBanner } from './Status';

export interface NotFoundProps {
  title: string;
  children?: ReactNode;
  back: { to: string; label: string };
}

export function NotFoundView({ title, children, back }: NotFoundProps) {
  return (
    <div className="page narrow center not-found" data-testid="not-found">
      <h1>{title}</h1>
      {children ? <p className="muted">{children}</p> : null}
      <Link to={back.to} className="btn btn-primary">
        {back.label}
      </Link>
    </div>
  );
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

interface ErrorPageProps {
  error: unknown;
  /** The page's own title, kept above the error. */
  title: string;
  onRetry?: () => void;
  /** How to say that the thing asked for does not exist (a 404). */
  notFound?: NotFoundProps;
}

export function ErrorPage({ error, title, onRetry, notFound }: ErrorPageProps) {
  if (notFound && isNotFound(error)) return <NotFoundView {...notFound} />;
  return (
    <div className="page narrow">
      <PageHeader title={title} />
      <ErrorBanner error={error} onRetry={onRetry} />
    </div>
  );
}
