/** The bearer token, kept in localStorage and observable so the UI reacts to login/logout. */

const KEY = 'shonen.token';
const listeners = new Set<() => void>();

function read(): string | null {
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

let current: string | null = typeof window === 'undefined' ? null : read();

function emit() {
  listeners.forEach((l) => l());
}

export const tokenStore = {
  get(): string | null {
    return current;
  },
  set(token: string | null) {
    current = token;
    try {
      if (token) window.localStorage.setItem(KEY, token);
      else window.localStorage.removeItem(KEY);
    } catch {
      // Private mode or disabled storage: keep the token in memory for this tab.
    }
    emit();
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    // Another tab logging in or out changes our token too.
    const onStorage = (e: StorageEvent) => {
      if (e.key === KEY) {
        current = read();
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
