import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { makePlayer } from '../../../lib/fixtures';
import { PendingNote } from './PendingNote';

const at = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

describe('PendingNote', () => {
  afterEach(cleanup);

  it('shows nothing when no setting is pending', () => {
    const { container } = render(<PendingNote player={makePlayer({ pending: null })} />);
    expect(container.textContent).toBe('');
  });

  it('names only the settings that changed, at the next midnight', () => {
    const player = makePlayer({
      pending: { effective_at: '2026-12-02T00:00:00Z', training_days: ['mon', 'wed'], timezone: null, wake_target: null },
    });
    render(<PendingNote player={player} />);
    expect(screen.getByTestId('pending-settings').textContent).toBe(`Changes to training days take effect at ${at('2026-12-02T00:00:00Z')}.`);
  });

  it('gives the weekly goal its own date (the next ISO week)', () => {
    const player = makePlayer({
      pending: {
        effective_at: '2026-12-02T00:00:00Z',
        wake_target: '06:00',
        weekly_goal: 5,
        weekly_goal_effective_at: '2026-12-07T00:00:00Z',
      },
    });
    render(<PendingNote player={player} />);
    expect(screen.getByTestId('pending-settings').textContent).toBe(
      `Changes to wake-up target take effect at ${at('2026-12-02T00:00:00Z')}. A weekly goal of 5 takes effect at ${at('2026-12-07T00:00:00Z')}.`,
    );
  });
});
