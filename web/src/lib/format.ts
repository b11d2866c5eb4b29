/** Small display helpers shared by every feature. */
import type { PlayerClass, StatName, Timezone } from './types';

export const CLASS_INFO: Record<PlayerClass, { label: string; icon: string; blurb: string; focus: string }> = {
  brawler: { label: 'Brawler', icon: '👊', blurb: 'Baki, Goku — raw power.', focus: '×1.25 Strength XP' },
  speedster: { label: 'Speedster', icon: '⚡', blurb: 'Killua, Rock Lee — speed above all.', focus: '×1.25 Agility XP' },
  strategist: { label: 'Strategist', icon: '♟️', blurb: 'Light, Lelouch — the mind is the weapon.', focus: '×1.25 Intelligence XP' },
  balanced: { label: 'Balanced', icon: '☯️', blurb: 'Deku — a little of everything.', focus: '×1.10 Strength, Agility, Intelligence, Fighting XP' },
};

export const STAT_INFO: Record<StatName, { label: string; short: string; color: string }> = {
  strength: { label: 'Strength', short: 'STR', color: '#ff5a3c' },
  agility: { label: 'Agility', short: 'AGI', color: '#21c7a8' },
  intelligence: { label: 'Intelligence', short: 'INT', color: '#5b8cff' },
  fighting: { label: 'Fighting', short: 'FGT', color: '#ffb020' },
  discipline: { label: 'Discipline', short: 'DSC', color: '#b57bff' },
};

export function statLabel(s: string | null | undefined): string {
  if (!s) return '—';
  return (STAT_INFO as Record<string, { label: string }>)[s]?.label ?? humanize(s);
}

export function classLabel(c: string): string {
  return (CLASS_INFO as Record<string, { label: string }>)[c]?.label ?? humanize(c);
}

/** The server's own text (a ledger reason, which may name a player or a date) with
 *  a capital first letter, nothing else changed. */
export function sentence(s: string): string {
  const t = s.trim();
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export function humanize(s: string): string {
  const t = s.replace(/[_-]+/g, ' ').trim();
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export function formatXp(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function signedXp(n: number): string {
  return `${n > 0 ? '+' : n < 0 ? '−' : ''}${formatXp(Math.abs(n))}`;
}

export function formatMultiplier(v: number): string {
  return `×${Number(v.toFixed(3)).toString()}`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

export function relativeTime(iso: string, now: number = Date.now()): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const diff = Math.round((t - now) / 1000);
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (abs < 60) return rtf.format(diff, 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}

/** Combo multiplier from the streak (game rules §4): 1 + 0.05 × min(streak − 1, 10). */
export function comboMultiplier(streak: number): number {
  if (streak <= 0) return 1;
  return 1 + 0.05 * Math.min(streak - 1, 10);
}

export function browserTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/**
 * Typed text from the time zone field, as the request sends it. The field is free
 * text with suggestions; the server checks the name and a wrong one comes back as a
 * 422 naming `timezone`, shown under the field.
 */
export function asTimezone(text: string): Timezone {
  return text.trim() as Timezone;
}

export function timezoneOptions(): string[] {
  try {
    const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
    return intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
  } catch {
    return [];
  }
}
