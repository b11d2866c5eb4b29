/** Each class's emblem, drawn here as SVG: a fist, a lightning bolt, an eye, a yin-yang. */
import type { PlayerClass } from '../../lib/types';

const COLORS: Record<PlayerClass, [string, string]> = {
  brawler: ['#ff5a3c', '#ffc93c'],
  speedster: ['#21c7a8', '#b6fff0'],
  strategist: ['#5b8cff', '#d3e0ff'],
  balanced: ['#ff8a00', '#fff1c9'],
};

function Glyph({ cls }: { cls: PlayerClass }) {
  switch (cls) {
    case 'brawler':
      // A clenched fist: four knuckles over a palm.
      return (
        <g fill="#0b0a12">
          <rect x="34" y="40" width="32" height="28" rx="6" />
          {[34, 42, 50, 58].map((x) => (
            <rect key={x} x={x} y="30" width="8" height="14" rx="4" />
          ))}
          <rect x="28" y="46" width="10" height="16" rx="5" transform="rotate(-20 33 54)" />
        </g>
      );
    case 'speedster':
      return <path d="M56 18 L32 54 H48 L42 82 L68 42 H52 Z" fill="#0b0a12" />;
    case 'strategist':
      return (
        <g>
          <path d="M20 50 Q50 22 80 50 Q50 78 20 50 Z" fill="#0b0a12" />
          <circle cx="50" cy="50" r="11" fill="#d3e0ff" />
          <circle cx="50" cy="50" r="5" fill="#0b0a12" />
        </g>
      );
    default:
      return (
        <g>
          <circle cx="50" cy="50" r="26" fill="#0b0a12" />
          <path d="M50 24 A13 13 0 0 1 50 50 A13 13 0 0 0 50 76 A26 26 0 0 1 50 24 Z" fill="#fff1c9" />
          <circle cx="50" cy="37" r="4" fill="#fff1c9" />
          <circle cx="50" cy="63" r="4" fill="#0b0a12" />
        </g>
      );
  }
}

export function ClassEmblem({ cls, size = 96, className }: { cls: PlayerClass; size?: number; className?: string }) {
  const [main, light] = COLORS[cls] ?? COLORS.balanced;
  const id = `emblem-${cls}`;
  return (
    <svg className={['class-emblem', className].filter(Boolean).join(' ')} width={size} height={size} viewBox="0 0 100 100" aria-hidden="true" focusable="false">
      <defs>
        <radialGradient id={id} cx="35%" cy="30%" r="75%">
          <stop offset="0" stopColor={light} />
          <stop offset="0.6" stopColor={main} />
          <stop offset="1" stopColor="#1c1930" />
        </radialGradient>
      </defs>
      {Array.from({ length: 12 }, (_, i) => (
        <path key={i} d="M50 50 L47 2 L53 2 Z" fill={main} opacity="0.35" transform={`rotate(${i * 30} 50 50)`} />
      ))}
      <circle cx="50" cy="50" r="38" fill={`url(#${id})`} stroke="#0b0a12" strokeWidth="4" />
      <Glyph cls={cls} />
    </svg>
  );
}
