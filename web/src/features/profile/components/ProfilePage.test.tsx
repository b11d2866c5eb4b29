import { QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createQueryClient } from '../../../app/provider';
import { ProfilePage } from './ProfilePage';

describe('ProfilePage', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('shows a titled not-found page for an unknown player: a heading, the way back, no Retry', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify({ error: { code: 'not_found', message: 'player not found', details: {} } }), { status: 404 })),
    );
    render(
      <QueryClientProvider client={createQueryClient()}>
        <MemoryRouter>
          <ProfilePage username="nobody" />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    expect(await screen.findByRole('heading', { level: 1, name: 'Hero not found' })).toBeTruthy();
    expect(screen.getByText(/Nobody called “nobody” trains here/)).toBeTruthy();
    expect(screen.getByRole('link', { name: /leaderboard/i }).getAttribute('href')).toBe('/leaderboard');
    expect(screen.queryByRole('button', { name: /retry/i })).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
