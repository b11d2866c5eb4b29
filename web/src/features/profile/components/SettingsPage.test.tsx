import { QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createQueryClient } from '../../../app/provider';
import { formatDateTime } from '../../../lib/format';
import { makePlayer } from '../../../lib/fixtures';
import { tokenStore } from '../../../lib/token';
import { SettingsPage } from './SettingsPage';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const player = makePlayer({ username: 'deku', class: 'balanced' });

function mockApi(answers: { patch?: () => Response; reclassify?: () => Response }) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const method = init.method ?? 'GET';
      if (method === 'PATCH' && answers.patch) return answers.patch();
      if (method === 'POST' && url.endsWith('/me/reclassify') && answers.reclassify) return answers.reclassify();
      return json(200, player);
    }),
  );
}

function renderPage() {
  return render(
    <QueryClientProvider client={createQueryClient()}>
      <MemoryRouter>
        <SettingsPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('SettingsPage', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    tokenStore.set(null);
    window.localStorage.clear();
  });

  it('puts a training-days error on its own line, tied to every day and marking them invalid', async () => {
    tokenStore.set('tok');
    mockApi({ patch: () => json(422, { error: { code: 'no_training_days', message: 'choose at least one training day', details: { field: 'training_days' } } }) });
    renderPage();
    const group = await screen.findByRole('group', { name: 'Training days' });
    for (const box of within(group).getAllByRole('checkbox')) if ((box as HTMLInputElement).checked) fireEvent.click(box);
    fireEvent.click(screen.getByRole('button', { name: /save settings/i }));

    const error = await screen.findByText('Choose at least one training day');
    expect(error.id).not.toBe('');
    const hint = screen.getByText(/scheduled day without training is a skip/);
    expect(hint).not.toBe(error);
    expect(hint.contains(error)).toBe(false);
    const boxes = within(group).getAllByRole('checkbox');
    for (const box of boxes) {
      expect(box.getAttribute('aria-invalid')).toBe('true');
      expect(box.getAttribute('aria-describedby')).toContain(error.id);
    }
    expect(group.getAttribute('aria-describedby')).toContain(error.id);
    await waitFor(() => expect(document.activeElement).toBe(boxes[0]));
  });

  it('closes the class dialog on a cooldown refusal and says when the next change is allowed', async () => {
    tokenStore.set('tok');
    const at = new Date(Date.now() + 12 * 86400e3).toISOString();
    mockApi({
      reclassify: () =>
        json(409, { error: { code: 'reclassify_cooldown', message: 'you can re-take the classification once every 30 days', details: { available_at: at } } }),
    });
    renderPage();
    fireEvent.change(await screen.findByLabelText(/Strength/), { target: { value: '9' } });
    fireEvent.click(screen.getByRole('button', { name: /switch to brawler/i }));
    fireEvent.click(screen.getByRole('button', { name: /yes, switch/i }));

    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toContain(`your next change is possible from ${formatDateTime(at)}`);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    // Not offered again until then.
    expect(screen.queryByRole('button', { name: /switch to/i })).toBeNull();
  });

  it('after a change, does not offer another until 30 days later', async () => {
    tokenStore.set('tok');
    mockApi({ reclassify: () => json(200, { ...player, class: 'brawler' }) });
    renderPage();
    fireEvent.change(await screen.findByLabelText(/Strength/), { target: { value: '9' } });
    fireEvent.click(screen.getByRole('button', { name: /switch to brawler/i }));
    fireEvent.click(screen.getByRole('button', { name: /yes, switch/i }));
    expect((await screen.findByTestId('class-locked')).textContent).toMatch(/locked until/);
    expect(screen.queryByRole('alertdialog')).toBeNull();
    fireEvent.change(screen.getByLabelText(/Intelligence/), { target: { value: '10' } });
    expect(screen.queryByRole('button', { name: /switch to/i })).toBeNull();
  });
});
