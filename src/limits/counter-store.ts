/**
 * Where limit counters live: in memory (one gateway process) or in Redis (shared by
 * replicas; the Node adapter injects it). Windows are fixed one-minute slots numbered
 * from the epoch, so every replica agrees on when a window resets.
 *
 * A store sees whole requests, not single counters: one `admit` per request and one
 * `settle` when it ends, so a remote store needs one round trip each (and can batch
 * many requests into one). A store may answer synchronously; the memory store does,
 * which keeps promises off the request path.
 */
export interface CounterStore {
  /**
   * Runs the checks in order, atomically: `requests` counts one request in `window` and
   * fails above `limit` (the rejected request still counts); `tokens` reads the window's
   * tokens and fails at or above `limit`; `concurrent` takes a slot unless `limit` are held.
   * The first failing check stops the rest and gives back the slots taken before it.
   */
  admit(checks: readonly LimitCheck[], window: number): Admitted | Promise<Admitted>;
  /** Adds `tokens` to each of `tokenKeys` in `window` and frees `slotKeys`: the end of a request. */
  settle(tokenKeys: readonly string[], tokens: number, window: number, slotKeys: readonly string[]): void | Promise<void>;
}

export type LimitKind = 'requests' | 'tokens' | 'concurrent';

export interface LimitCheck {
  readonly kind: LimitKind;
  readonly key: string;
  readonly limit: number;
  /** `concurrent`: how long a slot lives if its holder never frees it (a crashed replica). */
  readonly ttlMs: number;
}

export interface Admitted {
  /** Index of the check that failed, or -1 when the request is admitted. */
  failed: number;
  /** Per check, up to and including the failed one: the window's total after it, or the slots held. */
  values: number[];
}

export const WINDOW_MS = 60_000;

export function windowOf(nowMs: number): number {
  return Math.floor(nowMs / WINDOW_MS);
}
