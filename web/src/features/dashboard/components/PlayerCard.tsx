/** The hero's status screen: class, level, XP bar, stats, fatigue, streak, buffs, skills. */
import { Meter } from '../../../components/ui/Meter';
import { Pill } from '../../../components/ui/Status';
import { CLASS_INFO, comboMultiplier, formatMultiplier, formatXp, relativeTime, STAT_INFO } from '../../../lib/format';
import { STAT_NAMES, type Buff, type Player } from '../../../lib/types';

export function PlayerCard({ player, streak, buffs }: { player: Player; streak: number; buffs: Buff[] }) {
  const cls = CLASS_INFO[player.class] ?? CLASS_INFO.balanced;
  const maxStat = Math.max(100, ...STAT_NAMES.map((s) => player.stats?.[s] ?? 0));
  const fatigueTone = player.fatigue >= 80 ? 'hp' : player.fatigue >= 40 ? 'warn' : 'ok';
  const charges = Math.max(0, player.plot_armor_charges ?? 0);

  return (
    <section className={`panel player-card class-${player.class}`} aria-label="Player card">
      <div className="player-top">
        <div className="avatar" aria-hidden>
          {player.avatar_url ? <img src={player.avatar_url} alt="" /> : <span>{player.username.slice(0, 1).toUpperCase()}</span>}
        </div>
        <div className="player-id">
          <div className="player-name">{player.username}</div>
          <div className="player-class">
            {cls.icon} {cls.label} · <em>{player.title}</em>
          </div>
        </div>
        <div className="level-badge">
          <small>
            LV<span className="sr-only">Level</span>
          </small>
          <strong data-testid="level">{player.level}</strong>
        </div>
      </div>

      <Meter value={player.xp_into_level} max={player.xp_for_next_level} label="XP to next level" tone="xp" size="lg" />
      <p className="total-xp">
        Total <strong data-testid="total-xp">{formatXp(player.total_xp)}</strong> XP
      </p>

      <div className="stat-grid">
        {STAT_NAMES.map((s) => (
          <Meter key={s} value={player.stats?.[s] ?? 0} max={maxStat} label={STAT_INFO[s].label} tone="stat" color={STAT_INFO[s].color} size="sm" showNumbers={false} />
        ))}
        <dl className="stat-values">
          {STAT_NAMES.map((s) => (
            <div key={s}>
              <dt>{STAT_INFO[s].short}</dt>
              <dd>{formatXp(player.stats?.[s] ?? 0)}</dd>
            </div>
          ))}
        </dl>
      </div>

      <div className="player-row">
        <div className="streak">
          <span className="streak-flame" aria-hidden>
            🔥
          </span>
          <div>
            <strong>{streak}</strong>-day streak
            <div className="muted">Combo {formatMultiplier(comboMultiplier(streak))}</div>
          </div>
        </div>
        <div className="fatigue">
          <Meter value={player.fatigue} max={100} label="Fatigue" tone={fatigueTone} size="sm" />
        </div>
        {player.level >= 15 || charges > 0 ? (
          <div className="plot-armor">
            <span className="muted">Plot Armor</span>
            <div>
              <span className="sr-only">{charges} Plot Armor charges this month</span>
              {Array.from({ length: Math.max(3, charges) }, (_, i) => (
                <span key={i} className={i < charges ? 'shield on' : 'shield'} aria-hidden="true">
                  🛡
                </span>
              ))}
            </div>
          </div>
        ) : null}
      </div>

      {buffs.length ? (
        <div className="buffs">
          {buffs.map((b) => (
            <Pill
              key={b.name + (b.expires_at ?? '')}
              tone="accent"
              title={b.expires_at ? `Expires ${new Date(b.expires_at).toLocaleString()}` : undefined}
            >
              ⚡ {b.name} {formatMultiplier(b.multiplier)}
              {b.expires_at ? ` · ends ${relativeTime(b.expires_at)}` : ''}
            </Pill>
          ))}
        </div>
      ) : null}

      {player.skills?.length ? (
        <ul className="skills" aria-label="Skills">
          {player.skills.map((s) => (
            <li key={s.name} className={s.active ? 'skill active' : 'skill locked'} title={s.active ? 'Active' : `Unlocks at level ${s.level}`}>
              <span className="skill-lv">Lv {s.level}</span> {s.name}
              {s.active ? <span className="sr-only"> (active)</span> : <span className="sr-only"> (locked)</span>}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
