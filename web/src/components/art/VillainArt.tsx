/**
 * A villain's portrait, drawn here as SVG and varied by the villain's name: skin and
 * eye colours, horns, and a scar, so every week's boss looks different.
 */
function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

const SKINS = ['#6b2d5c', '#2d4a6b', '#4a6b2d', '#6b4a2d', '#3b2d6b', '#6b2d2d'];
const EYES = ['#ff3d3d', '#ffc93c', '#21c7a8', '#c86bff'];

export function VillainArt({ name, size = 88, defeated = false }: { name: string; size?: number; defeated?: boolean }) {
  const h = hash(name || 'villain');
  const skin = SKINS[h % SKINS.length];
  const eye = EYES[(h >> 4) % EYES.length];
  const horns = (h >> 8) % 3;
  const scar = ((h >> 12) & 1) === 1;
  return (
    <svg className={`villain-art${defeated ? ' defeated' : ''}`} width={size} height={size} viewBox="0 0 100 100" aria-hidden="true" focusable="false">
      {horns > 0 ? (
        <g fill="#f3efe6" stroke="#0b0a12" strokeWidth="3">
          <path d="M28 34 L14 6 L40 26 Z" />
          <path d="M72 34 L86 6 L60 26 Z" />
          {horns > 1 ? <path d="M50 22 L50 2 L58 22 Z" /> : null}
        </g>
      ) : null}
      <path d="M20 46 Q20 18 50 18 Q80 18 80 46 L74 80 Q50 96 26 80 Z" fill={skin} stroke="#0b0a12" strokeWidth="4" />
      <path d="M30 48 L44 54 L30 58 Z" fill={eye} stroke="#0b0a12" strokeWidth="2" />
      <path d="M70 48 L56 54 L70 58 Z" fill={eye} stroke="#0b0a12" strokeWidth="2" />
      <path d="M34 72 Q50 64 66 72 L62 76 L58 72 L54 77 L50 72 L46 77 L42 72 L38 76 Z" fill="#f3efe6" stroke="#0b0a12" strokeWidth="2" />
      {scar ? <path d="M62 30 L72 62" stroke="#ff8a8a" strokeWidth="3" /> : null}
      {defeated ? <path d="M18 18 L82 82 M82 18 L18 82" stroke="#ff3d3d" strokeWidth="6" opacity="0.8" /> : null}
    </svg>
  );
}
