/** A villain panel: name, epithet, taunt, weakness, HP and the three objectives. */
import { VillainArt } from '../../../components/art/VillainArt';
import { Meter } from '../../../components/ui/Meter';
import { Pill } from '../../../components/ui/Status';
import { statLabel } from '../../../lib/format';
import type { Boss } from '../../../lib/types';
import { lootLabel } from '../../../lib/loot';

const STATUS_TONE = { active: 'warn', defeated: 'good', escaped: 'bad' } as const;

export function BossCard({ boss, compact = false }: { boss: Boss; compact?: boolean }) {
  const reward = lootLabel(boss.reward);
  return (
    <div className={`boss boss-${boss.status}${compact ? ' boss-compact' : ''}`}>
      <div className="boss-head">
        <div className="boss-sigil">
          <VillainArt name={boss.name} size={compact ? 52 : 80} defeated={boss.status === 'defeated'} />
        </div>
        <div>
          <div className="boss-name">{boss.name}</div>
          <div className="boss-epithet">{boss.epithet}</div>
        </div>
        <Pill tone={STATUS_TONE[boss.status] ?? 'neutral'}>{boss.status}</Pill>
      </div>
      {!compact ? <blockquote className="boss-taunt">“{boss.taunt}”</blockquote> : null}
      <Meter value={boss.hp} max={boss.hp_max} label="Boss HP" tone="enemy" size={compact ? 'md' : 'lg'} />
      <p className="muted">
        Weakness: <strong>{statLabel(boss.weakness)}</strong>
        {reward ? <> · Reward: {reward}</> : null}
      </p>
      <ul className="objectives">
        {boss.objectives?.map((o, i) => (
          <li key={i} className={o.done ? 'done' : undefined}>
            <span className="objective-check" aria-hidden>
              {o.done ? '✔' : '◯'}
            </span>
            <div className="objective-body">
              <span>{o.text}</span>
              <Meter value={Math.min(o.progress, o.target)} max={o.target} tone="ok" size="sm" ariaLabel={o.text} />
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
