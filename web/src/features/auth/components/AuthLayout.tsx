/** The splash frame around the login and register forms. */
import type { ReactNode } from 'react';

export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="auth-screen">
      <div className="auth-hero">
        <div className="logo-mark" aria-hidden>
          ★
        </div>
        <h1 className="logo-type">
          Shonen <span>Training</span> Tracker
        </h1>
        <p className="tagline">Train like Goku. Grind like Asta. Level up like an MC.</p>
      </div>
      <div className="panel auth-panel">
        <h2 className="panel-title">{title}</h2>
        {children}
      </div>
    </div>
  );
}
