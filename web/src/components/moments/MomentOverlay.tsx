/**
 * The big moments — level-up, skill unlocked, boss defeated, boss escaped (with its
 * cutscene) — as a short animated panel. Not modal: it announces itself politely,
 * leaves focus where it is, and goes away on its own or when dismissed. With reduced
 * motion the panel simply appears.
 */
import { useEffect } from 'react';
import type { Moment } from '../../lib/live-events';
import { VillainArt } from '../art/VillainArt';

const KICKER: Record<Moment['kind'], string> = {
  level_up: 'LEVEL UP!',
  skill_unlocked: 'NEW POWER',
  boss_defeated: 'VICTORY',
  boss_escaped: 'TO BE CONTINUED…',
};

export function MomentOverlay({ moment, onDone }: { moment: Moment; onDone: (id: number) => void }) {
  const long = moment.kind === 'boss_escaped' && !!moment.detail;
  useEffect(() => {
    const t = setTimeout(() => onDone(moment.id), long ? 9000 : 4000);
    return () => clearTimeout(t);
  }, [moment.id, onDone, long]);
  return (
    <div className={`moment moment-${moment.kind}`} data-testid="moment">
      <div className="moment-burst" aria-hidden="true" />
      <div className="moment-card" role="status">
        <p className="moment-kicker">{KICKER[moment.kind]}</p>
        {moment.kind === 'boss_defeated' || moment.kind === 'boss_escaped' ? (
          <VillainArt name={moment.title} size={72} defeated={moment.kind === 'boss_defeated'} />
        ) : null}
        <p className="moment-title">{moment.title}</p>
        {moment.detail ? <p className={long ? 'moment-cutscene' : 'moment-detail'}>{moment.detail}</p> : null}
        <button type="button" className="btn btn-primary btn-sm" onClick={() => onDone(moment.id)}>
          Continue
        </button>
      </div>
    </div>
  );
}
