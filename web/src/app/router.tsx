/**
 * The app's routing helpers on top of React Router: a `Link` that marks the active
 * section, and `navigate` for code outside components (after a mutation succeeds).
 */
import type { AnchorHTMLAttributes } from 'react';
import { Link as RouterLink, NavLink } from 'react-router';

export { useLocation, useParams } from 'react-router';

type NavigateFn = (to: string, opts?: { replace?: boolean }) => void;
let current: NavigateFn | null = null;

/** Called once by the app with its router's navigate. */
export function setNavigator(fn: NavigateFn | null) {
  current = fn;
}

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (current) current(to, opts);
  else if (opts.replace) window.location.replace(to);
  else window.location.assign(to);
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string; activeClassName?: string; end?: boolean };

export function Link({ to, className, activeClassName, end, ...rest }: LinkProps) {
  if (activeClassName) {
    return <NavLink to={to} end={end} className={({ isActive }) => [className, isActive ? activeClassName : undefined].filter(Boolean).join(' ') || ''} {...rest} />;
  }
  return <RouterLink to={to} className={className} {...rest} />;
}
