import { QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createQueryClient } from '../../../app/provider';
import { makeActivity } from '../../../lib/fixtures';
import { resetServerClock } from '../../../lib/server-clock';
import type { ActivityWithAward } from '../../../lib/types';
import { ActivityDetailPage } from './ActivityDetailPage';

const HOUR = 3600e3;

const session = (occurredAt: number): ActivityWithAward => ({
  activity: makeActivity({
    id: 7,
    kind: 'strength',
    occurred_at: new Date(occurredAt).toISOString(),
    duration_min: 30,
    sets: [{ exercise: 'Squat', weight_kg: 100, reps: 5 }],
    xp: 50,
  }),
  award: { stat: 'strength', base: 50, final: 50, factors: [], capped: false, message: 'ok', skills_unlocked: [], moves_unlocked: [] },
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

function renderPage() {
  return render(
    <QueryClientProvider client={createQueryClient()}>
      <MemoryRouter>
        <ActivityDetailPage id="7" />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('ActivityDetailPage', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    resetServerClock();
  });

  it('judges the 24 h edit window by the server clock, not the device one', async () => {
    const occurred = Date.now() - 23 * HOUR;
    // The server is two hours ahead of this phone: for it, the session is 25 h old.
    const serverDate = new Date(Date.now() + 2 * HOUR).toUTCString();
    vi.stubGlobal('fetch', vi.fn(async () => json(200, session(occurred), { Date: serverDate })));
    renderPage();
    await screen.findByText('Squat');
    expect(screen.queryByRole('button', { name: /edit session/i })).toBeNull();
  });

  it('offers the edit inside the window', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(200, session(Date.now() - 23 * HOUR), { Date: new Date().toUTCString() })));
    renderPage();
    expect(await screen.findByRole('button', { name: /edit session/i })).toBeTruthy();
  });

  it('withdraws the edit when the server says the window has closed', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit = {}) =>
        init.method === 'PATCH'
          ? json(409, { error: { code: 'edit_window_closed', message: 'a strength session can be edited only within 24 hours of completion', details: {} } })
          : json(200, session(Date.now() - 23 * HOUR)),
      ),
    );
    renderPage();
    fireEvent.click(await screen.findByRole('button', { name: /edit session/i }));
    fireEvent.click(screen.getByRole('button', { name: /save edit/i }));
    expect(await screen.findByText(/edit window for this session has closed/i)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /edit session/i })).toBeNull();
    expect(screen.queryByRole('button', { name: /save edit/i })).toBeNull();
  });

  it('shows a titled not-found page for an unknown id, without Retry', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(404, { error: { code: 'not_found', message: 'activity not found', details: {} } })));
    renderPage();
    expect(await screen.findByRole('heading', { level: 1, name: 'Activity not found' })).toBeTruthy();
    expect(screen.getByRole('link', { name: /back to your history/i }).getAttribute('href')).toBe('/activities');
    expect(screen.queryByRole('button', { name: /retry/i })).toBeNull();
  });

  it('keeps its title and offers Retry when the server is in trouble', async () => {
    const fetchMock = vi.fn(async () => json(503, { error: { code: 'unavailable', message: 'database unavailable', details: {} } }));
    vi.stubGlobal('fetch', fetchMock);
    renderPage();
    // Reads retry server trouble twice by themselves before giving up.
    expect(await screen.findByRole('heading', { level: 1, name: 'Activity' }, { timeout: 8000 })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('Database unavailable');
    fireEvent.click(screen.getByRole('button', { name: /retry/i }));
    await waitFor(() => expect(fetchMock.mock.calls.length).toBeGreaterThan(3));
  });
});
