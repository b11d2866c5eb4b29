import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Award, AwardFactor } from '../../../lib/types';
import { AwardBreakdown } from './AwardBreakdown';

const award: Award = {
  stat: 'strength',
  base: 23,
  final: 29,
  factors: [
    { name: 'class_affinity', value: 1.25 },
    { name: 'combo', value: 1 },
    { name: 'fatigue', value: 0.85 },
    // A factor this build does not know yet (a newer server) still shows.
    { name: 'mystery_power' as AwardFactor['name'], value: 1.1 },
  ],
  capped: false,
  message: 'Recovery session logged. Rest is also training.',
  level_up: null,
  skills_unlocked: [],
  moves_unlocked: [],
};

describe('AwardBreakdown', () => {
  it('shows base, every factor by name and value, final XP, stat and message', () => {
    render(<AwardBreakdown award={award} />);
    expect(screen.getByTestId('award-final').textContent).toBe('+29');
    expect(screen.getByText('Strength')).toBeTruthy();
    expect(screen.getByText(/Recovery session logged/)).toBeTruthy();
    const table = screen.getByRole('table');
    const rows = within(table).getAllByRole('row');
    expect(rows.map((r) => r.textContent)).toEqual([
      'Base23',
      'Class affinity×1.25',
      'Combo×1',
      'Fatigue×0.85',
      'Mystery power×1.1',
      'Final29 XP',
    ]);
    expect(table.querySelector('[data-factor="fatigue"]')?.className).toBe('factor-down');
    expect(table.querySelector('[data-factor="class_affinity"]')?.className).toBe('factor-up');
    expect(screen.queryByText(/LEVEL UP/)).toBeNull();
    expect(screen.queryByText(/Daily cap/)).toBeNull();
  });

  it('shows the factors already inside the base apart from those that multiply it', () => {
    // A strength session: its XP (base 46) already includes consistency ×0.8.
    render(
      <AwardBreakdown
        award={{
          ...award,
          base: 46,
          final: 58,
          factors: [
            { name: 'consistency', value: 0.8, stage: 'base' },
            { name: 'fatigue', value: 1, stage: 'base' },
            { name: 'class_affinity', value: 1.25, stage: 'stack' },
            { name: 'combo', value: 1, stage: 'stack' },
          ],
        }}
      />,
    );
    const rows = within(screen.getByRole('table')).getAllByRole('row');
    expect(rows.map((r) => r.textContent)).toEqual([
      'Counted in the base',
      'Consistency×0.8',
      'Fatigue×1',
      'Base46',
      'Class affinity×1.25',
      'Combo×1',
      'Final58 XP',
    ]);
  });

  it('says a capped activity earned nothing when it earned nothing', () => {
    render(<AwardBreakdown award={{ ...award, capped: true, final: 0 }} />);
    expect(screen.getByText(/earned no XP/)).toBeTruthy();
    expect(screen.queryByText(/only part/)).toBeNull();
  });

  it('shows level-up, cap, skills and moves when present', () => {
    render(
      <AwardBreakdown
        award={{
          ...award,
          capped: true,
          level_up: { from: 4, to: 5, title: 'Supporting Cast' },
          skills_unlocked: ['Tenacity'],
          moves_unlocked: ['Dragon Fist'],
        }}
      />,
    );
    expect(screen.getByRole('status').textContent).toContain('Lv 4 → Lv 5');
    expect(screen.getByText('Supporting Cast')).toBeTruthy();
    expect(screen.getByText(/Daily cap reached/)).toBeTruthy();
    expect(screen.getByText(/Tenacity/)).toBeTruthy();
    expect(screen.getByText(/Dragon Fist/)).toBeTruthy();
  });
});

describe('the consistency hint', () => {
  it('explains the rule of game rules §3: strength sessions in the last 7 days', () => {
    render(<AwardBreakdown award={{ ...award, factors: [{ name: 'consistency', value: 0.8, stage: 'base' }] }} />);
    const hint = screen.getByText(/^Consistency counts/).textContent ?? '';
    expect(hint).toContain('strength sessions in the 7 days before this one');
    expect(hint).toContain('×0.8 with none, ×0.9 with one, ×1.0 with two, ×1.1 with three, ×1.2 with four and ×1.25 with five or more');
    expect(hint).not.toMatch(/days you trained/);
  });
});
