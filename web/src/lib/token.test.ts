import { afterEach, describe, expect, it } from 'vitest';
import { tokenStore } from './token';

describe('tokenStore', () => {
  afterEach(() => tokenStore.set(null));

  it('keeps the player a token belongs to, and forgets both together', () => {
    tokenStore.set('tok', 7);
    expect([tokenStore.get(), tokenStore.owner()]).toEqual(['tok', '7']);
    expect(window.localStorage.getItem('shonen.token-owner')).toBe('7');
    tokenStore.set(null);
    expect([tokenStore.get(), tokenStore.owner()]).toEqual([null, null]);
    expect(window.localStorage.getItem('shonen.token-owner')).toBeNull();
  });

  it('lets /me name the owner of an older session, never change a known one', () => {
    tokenStore.set('old-session');
    expect(tokenStore.owner()).toBeNull();
    tokenStore.claimOwner('another-token', 3);
    expect(tokenStore.owner()).toBeNull();
    tokenStore.claimOwner('old-session', 3);
    expect(tokenStore.owner()).toBe('3');
    tokenStore.claimOwner('old-session', 4);
    expect(tokenStore.owner()).toBe('3');
  });
});
