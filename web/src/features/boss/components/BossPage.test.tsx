import { QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createQueryClient } from '../../../app/provider';
import { makeBoss } from '../../../lib/fixtures';
import type { Boss } from '../../../lib/types';
import { BossPage } from './BossPage';

const boss: Boss = makeBoss({
  week: '2026-W49',
  name: 'Couch Titan',
  epithet: 'the Couch-Bound',
  taunt: 'Sit down.',
  weakness: 'agility',
  hp: 300,
  hp_max: 300,
  objectives: [{ text: 'Run 10 km', target: 10, progress: 0, done: false }],
  status: 'active',
  pending_cutscene: {
    week: '2026-W48',
    name: 'Doomscroll Oni',
    cutscene: 'Doomscroll Oni strolls off your screen eating your protein bar.',
    also_unseen: [],
  },
});

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });

describe('BossPage', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('plays an unseen escape cutscene prominently until skipped', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => (String(url).includes('/boss/history') ? json({ items: [] }) : json(boss))),
    );
    render(
      <QueryClientProvider client={createQueryClient()}>
        <BossPage />
      </QueryClientProvider>,
    );
    expect(await screen.findByText('Doomscroll Oni escaped!')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('protein bar');
    expect(screen.getByText('Couch Titan')).toBeTruthy();
    fireEvent.click(screen.getByText('Skip cutscene'));
    expect(screen.queryByText('Doomscroll Oni escaped!')).toBeNull();
  });
});
