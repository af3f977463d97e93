/** Exponential backoff with full jitter: attempt 0 → ~base, doubling up to `max`. */
export interface BackoffOptions {
  base?: number;
  max?: number;
  /** 0..1 → how much of the delay is random; injectable for tests */
  random?: () => number;
}

export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.base ?? 500;
  const max = opts.max ?? 30_000;
  const random = opts.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt));
  // half fixed, half jitter: never 0 (no hot loop), spread so tabs do not reconnect in lockstep
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
