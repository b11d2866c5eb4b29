/** Rewards and badges arrive as strings or objects; this names them for display. */
export function lootLabel(v: unknown): string | null {
  if (v == null || v === false) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return `${v} XP`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const parts: string[] = [];
    const name = o.name ?? o.title ?? o.badge;
    if (typeof name === 'string') parts.push(name);
    const xp = o.xp ?? o.amount;
    if (typeof xp === 'number') parts.push(`+${xp} XP`);
    if (typeof o.description === 'string') parts.push(o.description);
    return parts.length ? parts.join(' · ') : null;
  }
  return null;
}
