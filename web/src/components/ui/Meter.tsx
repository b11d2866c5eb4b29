/** A horizontal gauge: XP bars, HP bars, stat bars, objective progress. */
import type { CSSProperties, ReactNode } from 'react';

interface MeterProps {
  value: number;
  max: number;
  label?: ReactNode;
  tone?: 'xp' | 'hp' | 'enemy' | 'ok' | 'warn' | 'stat';
  color?: string;
  showNumbers?: boolean;
  size?: 'sm' | 'md' | 'lg';
  ariaLabel?: string;
}

/** Whole numbers as they are; a fraction (km, hours) cut to one decimal, so a gauge
 *  never shows a target reached that is not (9.96 of 10 is 9.9, not 10). */
export function shown(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return (Math.floor(n * 10 + 1e-9) / 10).toLocaleString('en-US', { maximumFractionDigits: 1 });
}

export function Meter({ value, max, label, tone = 'xp', color, showNumbers = true, size = 'md', ariaLabel }: MeterProps) {
  const safeMax = max > 0 ? max : 1;
  const pct = Math.max(0, Math.min(100, (value / safeMax) * 100));
  const style = { '--pct': `${pct}%`, ...(color ? { '--meter-color': color } : {}) } as CSSProperties;
  return (
    <div className={`meter meter-${tone} meter-${size}`} style={style}>
      {label || showNumbers ? (
        <div className="meter-label">
          <span>{label}</span>
          {showNumbers ? (
            <span className="meter-numbers">
              {shown(value)} / {shown(max)}
            </span>
          ) : null}
        </div>
      ) : null}
      <div
        className="meter-track"
        role="progressbar"
        aria-label={ariaLabel ?? (typeof label === 'string' ? label : undefined)}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={value}
      >
        <div className="meter-fill" />
      </div>
    </div>
  );
}
