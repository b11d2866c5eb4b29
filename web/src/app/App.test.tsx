import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tokenStore } from '../lib/token';
import { makeBoss, makePlayer } from '../lib/fixtures';
import type { Award, Dashboard, Player } from '../lib/types';
import { App } from './App';
import { afterLoginPath } from './guards';

const player: Player = makePlayer({ skills: [{ name: 'Tenacity', level: 5, active: false }] });

const award: Award = {
  stat: 'strength',
  base: 23,
  final: 25,
  factors: [{ name: 'class_affinity', value: 1.1 }],
  capped: false,
  message: 'Recovery session logged. Rest is also training.',
  skills_unlocked: [],
  moves_unlocked: [],
};

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

class NoopSocket {
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;
  close() {}
}

describe('App flows (mocked API)', () => {
  let xp = 0;
  const calls: { method: string; url: string; body?: unknown }[] = [];
  beforeEach(() => {
    xp = 0;
    calls.length = 0;
    tokenStore.set(null);
    vi.stubGlobal('WebSocket', NoopSocket);
    vi.stubGlobal('scrollTo', () => {});
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        const method = init.method ?? 'GET';
        const body = init.body ? JSON.parse(String(init.body)) : undefined;
        calls.push({ method, url, body });
        const path = url.split('?')[0];
        if (method === 'POST' && path === '/api/v1/auth/register') return json(201, { token: 'tok', player });
        if (method === 'POST' && path === '/api/v1/auth/login') return json(200, { token: 'tok', player });
        if (method === 'GET' && path === '/api/v1/me') return json(200, { ...player, total_xp: xp });
        if (method === 'GET' && path === '/api/v1/dashboard') {
          const d: Dashboard = {
            player: { ...player, total_xp: xp },
            weekly: Array.from({ length: 12 }, (_, i) => ({ week_start: `2026-09-${String(i + 1).padStart(2, '0')}`, xp: i === 11 ? xp : 0, by_stat: { strength: i === 11 ? xp : 0, agility: 0, intelligence: 0, fighting: 0, discipline: 0 } })),
            streak: 0,
            buffs: [],
            boss: makeBoss(),
            recent: [],
          };
          return json(200, d);
        }
        if (method === 'POST' && path === '/api/v1/activities') {
          if (!body.duration_min || body.duration_min < 20) {
            return json(422, { error: { code: 'validation_failed', message: 'duration_min must be at least 20', details: { field: 'duration_min' } } });
          }
          xp += award.final;
          return json(201, { activity: { id: 7, occurred_at: new Date().toISOString(), ...body }, award });
        }
        return json(404, { error: { code: 'not_found', message: 'Not found.', details: {} } });
      }),
    );
  });
  afterEach(() => {
    // Unmount before clearing the token, so no update lands outside act().
    cleanup();
    vi.unstubAllGlobals();
    tokenStore.set(null);
    window.history.replaceState(null, '', '/');
  });

  it('sends a first visit to sign-up and a returning one to log-in', async () => {
    window.localStorage.removeItem('shonen.known');
    window.history.replaceState(null, '', '/');
    const first = render(<App />);
    await screen.findByRole('button', { name: /create my hero/i }, { timeout: 5000 });
    expect(window.location.pathname).toBe('/register');
    first.unmount();

    window.localStorage.setItem('shonen.known', '1');
    window.history.replaceState(null, '', '/');
    render(<App />);
    await screen.findByRole('button', { name: /log in/i }, { timeout: 5000 });
    expect(window.location.pathname).toBe('/login');
    window.localStorage.removeItem('shonen.known');
  });

  it('returns a deep link opened while logged out to that page after logging in', async () => {
    window.localStorage.setItem('shonen.known', '1');
    window.history.replaceState(null, '', '/boss');
    render(<App />);
    fireEvent.change(await screen.findByLabelText('Username or email', {}, { timeout: 5000 }), { target: { value: 'deku' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'plus-ultra-123' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: /log in/i }));
    });
    await waitFor(() => expect(window.location.pathname).toBe('/boss'));
    window.localStorage.removeItem('shonen.known');
  });

  it('keeps a deep link through the switch from sign-up to log-in', async () => {
    window.localStorage.removeItem('shonen.known');
    window.history.replaceState(null, '', '/duels/2');
    render(<App />);
    await screen.findByRole('button', { name: /create my hero/i }, { timeout: 5000 });
    expect(window.location.pathname).toBe('/register');
    fireEvent.click(screen.getByRole('link', { name: /log in/i }));
    fireEvent.change(await screen.findByLabelText('Username or email', {}, { timeout: 5000 }), { target: { value: 'deku' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'plus-ultra-123' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: /log in/i }));
    });
    await waitFor(() => expect(window.location.pathname).toBe('/duels/2'));
    // The session knows its player: what it queues offline is theirs alone.
    expect(tokenStore.owner()).toBe(String(player.id));
    window.localStorage.removeItem('shonen.known');
  });

  it('keeps a deep link from log-in back to sign-up, and offers it after the class reveal', async () => {
    window.localStorage.setItem('shonen.known', '1');
    window.history.replaceState(null, '', '/duels/2');
    render(<App />);
    await screen.findByLabelText('Username or email', {}, { timeout: 5000 });
    fireEvent.click(screen.getByRole('link', { name: /start your training arc/i }));
    fireEvent.change(await screen.findByLabelText('Username', {}, { timeout: 5000 }), { target: { value: 'deku' } });
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'deku@ua.jp' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'plus-ultra-123' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: /create my hero/i }));
    });
    await screen.findByTestId('class-reveal', {}, { timeout: 5000 });
    const onward = screen.getByRole('link', { name: /continue to the page you opened/i });
    expect(onward.getAttribute('href')).toBe('/duels/2');
    fireEvent.click(onward);
    await waitFor(() => expect(window.location.pathname).toBe('/duels/2'));
    window.localStorage.removeItem('shonen.known');
  });

  it('registers, logs a strength session with a 422 first, and shows the award and XP', async () => {
    window.history.replaceState(null, '', '/register');
    render(<App />);
    fireEvent.change(await screen.findByLabelText('Username', {}, { timeout: 5000 }), { target: { value: 'deku' } });
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'deku@ua.jp' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'plus-ultra-123' } });
    fireEvent.change(screen.getByLabelText(/Strength/), { target: { value: '9' } });
    expect(screen.getByTestId('class-preview').textContent).toContain('Brawler');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: /create my hero/i }));
    });

    // Episode 1: the class reveal, then the first log.
    await screen.findByTestId('class-reveal', {}, { timeout: 5000 });
    expect(window.location.pathname).toBe('/welcome');
    const reg = calls.find((c) => c.url === '/api/v1/auth/register');
    expect(reg?.body).toMatchObject({ username: 'deku', goals: { strength: 9, agility: 5, intelligence: 5 } });
    expect(tokenStore.get()).toBe('tok');

    // No deep link: no detour offered.
    expect(screen.queryByRole('link', { name: /continue to the page you opened/i })).toBeNull();
    fireEvent.click(screen.getByRole('link', { name: /log your first training/i }));
    await screen.findByRole('group', { name: /activity kind/i }, { timeout: 5000 });
    expect((screen.getByRole('radio', { name: /strength/i }) as HTMLInputElement).checked).toBe(true);
    fireEvent.change(screen.getByLabelText('Set 1 weight (kg)'), { target: { value: '10' } });
    fireEvent.change(screen.getByLabelText('Set 1 reps'), { target: { value: '15' } });
    for (let i = 0; i < 3; i++) fireEvent.click(screen.getByRole('button', { name: /add set/i }));
    expect((screen.getByLabelText('Set 4 reps') as HTMLInputElement).value).toBe('15');

    fireEvent.change(screen.getByLabelText('Duration (minutes)'), { target: { value: '5' } });
    fireEvent.click(screen.getByRole('button', { name: /log it/i }));
    const fieldErr = await screen.findByText('Duration must be at least 20 minutes', {}, { timeout: 5000 });
    const duration = screen.getByLabelText('Duration (minutes)');
    expect(duration.getAttribute('aria-describedby')).toContain(fieldErr.id);

    fireEvent.change(duration, { target: { value: '25' } });
    fireEvent.click(screen.getByRole('button', { name: /log it/i }));
    expect((await screen.findByTestId('award-final', {}, { timeout: 5000 })).textContent).toBe('+25');
    const posts = calls.filter((c) => c.url === '/api/v1/activities');
    expect(posts[1].body).toEqual({
      kind: 'strength',
      sets: Array.from({ length: 4 }, () => ({ exercise: '', weight_kg: 10, reps: 15 })),
      duration_min: 25,
      // Pinned when first sent: a retry or the offline queue sends the same time.
      occurred_at: expect.any(String),
    });

    fireEvent.click(screen.getByRole('link', { name: /back to dashboard/i }));
    await waitFor(() => expect(screen.getByTestId('total-xp').textContent).toBe('25'));
    await act(async () => {});
  });
});

describe('afterLoginPath', () => {
  it('goes back to a page of this app, and home otherwise', () => {
    expect(afterLoginPath({ from: '/boss' })).toBe('/boss');
    expect(afterLoginPath({ from: '/activities/7?x=1' })).toBe('/activities/7?x=1');
    expect(afterLoginPath(null)).toBe('/');
    expect(afterLoginPath({ from: 'https://evil.example/' })).toBe('/');
    expect(afterLoginPath({ from: '//evil.example/' })).toBe('/');
    expect(afterLoginPath({ from: '/login' })).toBe('/');
  });
});
