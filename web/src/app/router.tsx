/**
 * The app's routing helpers on top of React Router: a `Link` that marks the active
 * section, and `navigate` for code outside components (after a mutation succeeds).
 */
import type { AnchorHTMLAttributes } from 'react';
import { Link as RouterLink, NavLink } from 'react-router';

export { useLocation, useParams } from 'react-router';

/** How to go: replacing the current entry, with a history state (the page asked for). */
export interface NavigateOptions {
  replace?: boolean;
  state?: unknown;
}

type NavigateFn = (to: string, opts?: NavigateOptions) => void;
let current: NavigateFn | null = null;

/** Called once by the app with its router's navigate. */
export function setNavigator(fn: NavigateFn | null) {
  current = fn;
}

export function navigate(to: string, opts: NavigateOptions = {}) {
  if (current) current(to, opts);
  else if (opts.replace) window.location.replace(to);
  else window.location.assign(to);
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string; activeClassName?: string; end?: boolean; state?: unknown };

export function Link({ to, className, activeClassName, end, state, ...rest }: LinkProps) {
  if (activeClassName) {
    return <NavLink to={to} end={end} state={state} className={({ isActive }) => [className, isActive ? activeClassName : undefined].filter(Boolean).join(' ') || ''} {...rest} />;
  }
  return <RouterLink to={to} state={state} className={className} {...rest} />;
}
