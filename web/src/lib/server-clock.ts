/**
 * The server's clock as seen from this device: every API response carries a `Date`
 * header, and the difference to the device clock is kept, so rules that the server
 * judges by its own time (the 24 h edit window) are shown by that time too, even on a
 * phone whose clock is off.
 */

let offsetMs = 0;

/** Records the server time of a response received at `receivedAt` (device time). */
export function noteServerDate(header: string | null | undefined, receivedAt: number = Date.now()): void {
  if (!header) return;
  const t = Date.parse(header);
  // The header has whole seconds: a device within a second of the server is in sync.
  if (Number.isFinite(t)) offsetMs = Math.abs(t - receivedAt) < 1000 ? 0 : t - receivedAt;
}

/** The server's time now, best known (the device clock until a response has come in). */
export function serverNow(deviceNow: number = Date.now()): number {
  return deviceNow + offsetMs;
}

/** Forgets the measured offset (tests). */
export function resetServerClock(): void {
  offsetMs = 0;
}
