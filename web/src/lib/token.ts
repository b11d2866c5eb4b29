/**
 * The bearer token, kept in localStorage and observable so the UI reacts to login/logout,
 * with the id of the player it belongs to (the owner of what this session queues on the
 * device: the offline queue sends a player's items only with that player's token).
 */

const KEY = 'shonen.token';
const OWNER_KEY = 'shonen.token-owner';
const listeners = new Set<() => void>();

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null) {
  try {
    if (value) window.localStorage.setItem(key, value);
    else window.localStorage.removeItem(key);
  } catch {
    // Private mode or disabled storage: keep the session in memory for this tab.
  }
}

let current: string | null = typeof window === 'undefined' ? null : read(KEY);
let currentOwner: string | null = typeof window === 'undefined' ? null : read(OWNER_KEY);

function emit() {
  listeners.forEach((l) => l());
}

export const tokenStore = {
  get(): string | null {
    return current;
  },
  /** The id of the player the token belongs to, when known (always after a log-in). */
  owner(): string | null {
    return current ? currentOwner : null;
  },
  /** A new session (with its player's id) or none: the token and its owner change together. */
  set(token: string | null, owner: string | number | null = null) {
    current = token;
    currentOwner = token && owner != null ? String(owner) : null;
    write(OWNER_KEY, currentOwner);
    write(KEY, token);
    emit();
  },
  /**
   * Names the owner of the current token when it is not known yet (a session from
   * before owners were kept, told by `GET /me` asked with `token`). Never changes a
   * known owner, nor names one for a token that has since been replaced.
   */
  claimOwner(token: string, owner: string | number) {
    if (!current || current !== token || currentOwner) return;
    currentOwner = String(owner);
    write(OWNER_KEY, currentOwner);
    emit();
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    // Another tab logging in or out changes our session too.
    const onStorage = (e: StorageEvent) => {
      if (e.key === KEY || e.key === OWNER_KEY) {
        current = read(KEY);
        currentOwner = read(OWNER_KEY);
        listener();
      }
    };
    window.addEventListener('storage', onStorage);
    return () => {
      listeners.delete(listener);
      window.removeEventListener('storage', onStorage);
    };
  },
};
