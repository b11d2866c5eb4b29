/** The XP award explained: base, every multiplier by name, the final XP and what it unlocked. */
import { formatMultiplier, formatXp, humanize, statLabel, STAT_INFO } from '../../../lib/format';
import type { Award, StatName } from '../../../lib/types';

const FACTOR_LABELS: Record<string, string> = {
  class_affinity: 'Class affinity',
  combo: 'Combo',
  training_arc_buff: 'Training Arc buff',
  fatigue: 'Fatigue',
  consistency: 'Consistency',
  edit_penalty: 'Edit penalty',
  tenacity: 'Tenacity',
  rage_boost: 'Shonen Rage Boost',
  limit_breaker: 'Limit Breaker',
  flash_step: 'Flash Step',
  checkmate_foresight: 'Checkmate Foresight',
  full_cowl: 'Full Cowl',
};

/**
 * The consistency multiplier by n, the strength sessions completed in the 7 × 24 hours
 * before this one (game rules §3): 0 → ×0.8 · 1 → ×0.9 · 2 → ×1.0 · 3 → ×1.1 · 4 → ×1.2 · ≥ 5 → ×1.25.
 */
export const CONSISTENCY_HINT =
  'Consistency counts your strength sessions in the 7 days before this one: ×0.8 with none, ×0.9 with one, ×1.0 with two, ×1.1 with three, ×1.2 with four and ×1.25 with five or more. Keep showing up.';

export function factorLabel(name: string): string {
  return FACTOR_LABELS[name] ?? humanize(name);
}

export function AwardBreakdown({ award, title = 'Award' }: { award: Award; title?: string }) {
  const color = STAT_INFO[award.stat as StatName]?.color;
  // `base` factors are already inside the base (a strength session's XP, a tired
  // run's fatigue); only the others multiply it: base × stack = final.
  const inBase = award.factors.filter((f) => f.stage === 'base');
  const stack = award.factors.filter((f) => f.stage !== 'base');
  const factorRow = (f: Award['factors'][number], i: number) => (
    <tr key={`${f.name}-${i}`} className={f.value > 1 ? 'factor-up' : f.value < 1 ? 'factor-down' : ''} data-factor={f.name}>
      <th scope="row">{factorLabel(f.name)}</th>
      <td>{formatMultiplier(f.value)}</td>
    </tr>
  );
  return (
    <section className="award" aria-label="XP award" data-testid="award">
      <div className="award-head">
        <span className="kicker">{title}</span>
        <div className="award-final" style={color ? { color } : undefined}>
          <span data-testid="award-final">+{formatXp(award.final)}</span> <small>XP</small>
        </div>
        <div className="award-stat">
          → <strong>{statLabel(award.stat)}</strong>
        </div>
      </div>
      <p className="award-message">“{award.message}”</p>
      <table className="award-table">
        {inBase.length ? (
          <tbody className="award-in-base">
            <tr className="award-sub">
              <th scope="rowgroup" colSpan={2}>
                Counted in the base
              </th>
            </tr>
            {inBase.map(factorRow)}
          </tbody>
        ) : null}
        <tbody>
          <tr className="award-base">
            <th scope="row">Base</th>
            <td>{formatXp(award.base)}</td>
          </tr>
          {stack.map(factorRow)}
          <tr className="award-total">
            <th scope="row">Final</th>
            <td>{formatXp(award.final)} XP</td>
          </tr>
        </tbody>
      </table>
      {award.factors.some((f) => f.name === 'consistency' && f.value < 1) ? (
        <p className="muted award-explain">
          {CONSISTENCY_HINT}
        </p>
      ) : null}
      {award.capped ? (
        <p className="award-note">
          {award.final > 0 ? 'Daily cap reached: only part of this activity earned XP.' : 'Daily cap reached: this activity earned no XP (it is still in your log).'}
        </p>
      ) : null}
      {award.level_up ? (
        <div className="award-levelup" role="status">
          <strong>LEVEL UP!</strong> Lv {award.level_up.from} → Lv {award.level_up.to} · <em>{award.level_up.title}</em>
        </div>
      ) : null}
      {award.skills_unlocked?.length ? (
        <div className="award-unlocks">
          <span className="kicker">Skills unlocked</span>
          <ul>
            {award.skills_unlocked.map((s) => (
              <li key={s}>✨ {s}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {award.moves_unlocked?.length ? (
        <div className="award-unlocks">
          <span className="kicker">Moves unlocked</span>
          <ul>
            {award.moves_unlocked.map((m) => (
              <li key={m}>🔥 {m}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
