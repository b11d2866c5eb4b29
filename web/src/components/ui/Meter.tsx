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
              {Math.round(value).toLocaleString('en-US')} / {Math.round(max).toLocaleString('en-US')}
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
