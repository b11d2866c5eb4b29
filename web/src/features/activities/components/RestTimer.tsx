/** A rest timer between sets: pick 60/90/120/180 s; says when the rest is over. */
import { useEffect, useState } from 'react';

const CHOICES = [60, 90, 120, 180];

export function RestTimer() {
  const [endsAt, setEndsAt] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [done, setDone] = useState(false);

  useEffect(() => {
    if (endsAt === null) return;
    const t = setInterval(() => {
      const n = Date.now();
      setNow(n);
      if (n >= endsAt) {
        setEndsAt(null);
        setDone(true);
        navigator.vibrate?.([200, 100, 200]);
      }
    }, 250);
    return () => clearInterval(t);
  }, [endsAt]);

  const left = endsAt === null ? 0 : Math.max(0, Math.ceil((endsAt - now) / 1000));
  const mm = Math.floor(left / 60);
  const ss = String(left % 60).padStart(2, '0');
  return (
    <section className="rest-timer" aria-label="Rest timer">
      <span className="rest-label">Rest</span>
      {endsAt !== null ? (
        <>
          <span className="rest-clock" aria-hidden="true">
            {mm}:{ss}
          </span>
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => setEndsAt(null)}>
            Stop
          </button>
        </>
      ) : (
        CHOICES.map((s) => (
          <button
            key={s}
            type="button"
            className="btn btn-ghost btn-sm"
            onClick={() => {
              setDone(false);
              setNow(Date.now());
              setEndsAt(Date.now() + s * 1000);
            }}
          >
            {s < 120 ? `${s}s` : `${s / 60} min`}
          </button>
        ))
      )}
      <span className="sr-only" role="status">
        {done ? 'Rest is over. Next set!' : ''}
      </span>
      {done ? <span className="rest-done">Next set!</span> : null}
    </section>
  );
}
