/** The splash frame around the login and register forms. */
import type { ReactNode } from 'react';

export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="auth-screen">
      <div className="auth-hero">
        <div className="logo-mark" aria-hidden>
          ★
        </div>
        <p className="logo-type" aria-hidden="true">
          Shonen <span>Training</span> Tracker
        </p>
        <p className="tagline">Train like Goku. Grind like Asta. Level up like an MC.</p>
      </div>
      <div className="panel auth-panel">
        <h1 className="panel-title auth-title">{title}</h1>
        {children}
      </div>
    </div>
  );
}
