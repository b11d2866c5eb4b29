import 'fake-indexeddb/auto';
import { QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createQueryClient } from '../../../app/provider';
import type { ActivityWithAward, Award } from '../../../lib/types';
import { makeActivity } from '../../../lib/fixtures';
import { tokenStore } from '../../../lib/token';
import { discard, enqueue, flushQueue, listQueued } from '../offline/queue';
import { LogActivityPage } from './LogActivityPage';

const award: Award = {
  stat: 'intelligence',
  base: 20,
  final: 20,
  factors: [],
  capped: false,
  message: 'Knowledge is power.',
  skills_unlocked: [],
  moves_unlocked: [],
};

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const stored = (kind: ActivityWithAward['activity']['kind'] = 'study'): ActivityWithAward => ({
  activity: makeActivity({ id: 7, kind, occurred_at: new Date().toISOString() }),
  award,
});

/** Answers the page's reads; `post` answers each POST /activities. */
function mockApi(post: (init: RequestInit) => Promise<Response> | Response) {
  const posts: RequestInit[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      if ((init.method ?? 'GET') === 'POST' && url === '/api/v1/activities') {
        posts.push(init);
        return post(init);
      }
      return json(200, { items: [], next_before: null });
    }),
  );
  return posts;
}

function renderPage() {
  return render(
    <QueryClientProvider client={createQueryClient()}>
      <MemoryRouter>
        <main id="main">
          <LogActivityPage />
        </main>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const submitButton = () => screen.getByRole('button', { name: /log it/i });

function fillStudy(minutes = '30') {
  fireEvent.click(screen.getByRole('radio', { name: /study/i }));
  fireEvent.change(screen.getByLabelText('Duration (minutes)'), { target: { value: minutes } });
}

describe('LogActivityPage', () => {
  beforeEach(() => {
    vi.stubGlobal('scrollTo', () => {});
    tokenStore.set('tok', 1);
  });
  afterEach(async () => {
    cleanup();
    // The award's focus move runs on the next frame: let it, before unstubbing.
    await new Promise((r) => requestAnimationFrame(r));
    vi.unstubAllGlobals();
    tokenStore.set(null);
    for (const q of await listQueued()) await discard(q.key);
  });

  it('sends a double tap once, disabled until the answer, then shows the award', async () => {
    let answer!: (r: Response) => void;
    const posts = mockApi(() => new Promise<Response>((resolve) => (answer = resolve)));
    renderPage();
    fillStudy();
    fireEvent.click(submitButton());
    fireEvent.click(submitButton());
    fireEvent.submit(submitButton().closest('form')!);
    expect((submitButton() as HTMLButtonElement).disabled).toBe(true);
    await waitFor(() => expect(posts).toHaveLength(1));
    await act(async () => answer(json(201, stored())));
    expect(await screen.findByRole('heading', { name: 'Training logged!' })).toBeTruthy();
    expect(screen.getByTestId('award-final').textContent).toBe('+20');
    expect(posts).toHaveLength(1);
  });

  it('asks again with the same key while the server is still on it, and shows the first answer', async () => {
    let n = 0;
    const posts = mockApi(() =>
      n++ === 0
        ? json(409, { error: { code: 'request_in_progress', message: 'a request with this Idempotency-Key is still being processed', details: {} } })
        : json(201, stored()),
    );
    renderPage();
    fillStudy();
    fireEvent.click(submitButton());
    expect(await screen.findByRole('heading', { name: 'Training logged!' }, { timeout: 3000 })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    const keys = posts.map((p) => (p.headers as Record<string, string>)['Idempotency-Key']);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });

  it('titles a wake-up as a wake-up, not as training', async () => {
    mockApi(() => json(201, stored('wake_up')));
    renderPage();
    fireEvent.click(screen.getByRole('radio', { name: /wake-up/i }));
    fireEvent.change(screen.getByLabelText('Woke at (local time)'), { target: { value: '06:00' } });
    fireEvent.click(submitButton());
    expect(await screen.findByRole('heading', { name: 'Wake-up logged!' })).toBeTruthy();
    expect(screen.queryByText('Training logged!')).toBeNull();
  });

  it('moves focus to the field the server refused', async () => {
    mockApi(() => json(422, { error: { code: 'validation_failed', message: 'duration_min must be at least 15', details: { field: 'duration_min' } } }));
    renderPage();
    fillStudy('5');
    fireEvent.click(submitButton());
    const duration = screen.getByLabelText('Duration (minutes)');
    await waitFor(() => expect(document.activeElement).toBe(duration));
    expect(duration.getAttribute('aria-invalid')).toBe('true');
    // The field's error is read with the field; it is not a second alert.
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('after a queued activity goes out on reconnect, shows its award', async () => {
    const onLine = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    const posts = mockApi(() => json(201, stored()));
    renderPage();
    fillStudy();
    fireEvent.click(submitButton());
    expect(await screen.findByRole('heading', { name: 'Saved on this phone' })).toBeTruthy();
    expect(posts).toHaveLength(0);

    onLine.mockReturnValue(true);
    await act(async () => {
      await flushQueue();
    });
    expect(await screen.findByRole('heading', { name: 'Training logged!' })).toBeTruthy();
    expect(screen.getByTestId('award-final').textContent).toBe('+20');
    expect(posts).toHaveLength(1);
    expect(await listQueued()).toEqual([]);
  });

  it('queues a send that got no answer with the same key and body, timed when it was first sent', async () => {
    const posts = mockApi(() => Promise.reject(new TypeError('Failed to fetch')));
    renderPage();
    fillStudy();
    const before = Date.now();
    fireEvent.click(submitButton());
    expect(await screen.findByRole('heading', { name: 'Saved on this phone' })).toBeTruthy();
    expect(posts).toHaveLength(1);
    const sent = JSON.parse(String(posts[0].body)) as { occurred_at?: string };
    expect(Date.parse(sent.occurred_at ?? '')).toBeGreaterThanOrEqual(before - 1000);
    const [queued] = await listQueued();
    expect(queued.key).toBe((posts[0].headers as Record<string, string>)['Idempotency-Key']);
    expect(queued.input).toEqual(sent);
    expect(queued.owner).toBe('1');
  });

  it('sends a retry after no answer with the same key and the same body', async () => {
    let n = 0;
    const posts = mockApi(() => (n++ === 0 ? json(503, { error: { code: 'unavailable', message: 'down', details: {} } }) : json(201, stored())));
    renderPage();
    fillStudy();
    fireEvent.click(submitButton());
    await screen.findByRole('alert');
    await new Promise((r) => setTimeout(r, 5));
    fireEvent.click(submitButton());
    expect(await screen.findByRole('heading', { name: 'Training logged!' })).toBeTruthy();
    expect(posts).toHaveLength(2);
    expect(posts[1].headers).toEqual(posts[0].headers);
    expect(posts[1].body).toBe(posts[0].body);
  });

  it("shows only the current player's queued activities", async () => {
    vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    mockApi(() => json(201, stored()));
    tokenStore.set('tok-b', 2);
    await enqueue('theirs', { kind: 'run', distance_km: 5, duration_min: 30 });
    tokenStore.set('tok', 1);
    await enqueue('mine', { kind: 'study', duration_min: 30 });
    renderPage();
    const list = await screen.findByTestId('offline-queue');
    expect(list.querySelectorAll('li')).toHaveLength(1);
    expect(list.textContent).toContain('Study');
    expect(list.textContent).not.toContain('Run');
  });
});
