import { QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createQueryClient } from '../../../app/provider';
import { DuelsPage } from './DuelsPage';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('DuelsPage', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('a challenge made offline fails at once with the offline message and is never sent later', async () => {
    const posts: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit = {}) => {
        if (init.method === 'POST') posts.push(url);
        return json(200, { items: [] });
      }),
    );
    render(
      <QueryClientProvider client={createQueryClient()}>
        <MemoryRouter>
          <DuelsPage />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    await screen.findByText(/no duels here/i);

    const onLine = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    act(() => {
      window.dispatchEvent(new Event('offline'));
    });
    fireEvent.change(screen.getByLabelText("Rival's username"), { target: { value: 'vegeta' } });
    fireEvent.click(screen.getByRole('button', { name: /challenge/i }));
    expect((await screen.findByRole('alert')).textContent).toBe('Cannot reach the server. Check your connection.');
    expect((screen.getByRole('button', { name: /challenge/i }) as HTMLButtonElement).disabled).toBe(false);

    onLine.mockReturnValue(true);
    await act(async () => {
      window.dispatchEvent(new Event('online'));
      await new Promise((r) => setTimeout(r, 50));
    });
    expect(posts).toEqual([]);
  });
});
