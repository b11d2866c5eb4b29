import { describe, expect, it } from 'vitest';
import { shown } from './Meter';

describe('shown', () => {
  it('writes whole numbers as they are', () => {
    expect(shown(300)).toBe('300');
    expect(shown(12500)).toBe('12,500');
  });
  it('cuts fractions to one decimal, never up to a target not reached', () => {
    expect(shown(9.6)).toBe('9.6');
    expect(shown(9.99)).toBe('9.9');
    expect(shown(0.5)).toBe('0.5');
    expect(shown(3.3)).toBe('3.3');
  });
});
