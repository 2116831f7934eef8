import type { Clock } from '../deps.ts';
import type { Admitted, CounterStore, LimitCheck } from './counter-store.ts';

/** A counter store shared by replicas that can also add to windowed counters unconditionally. */
export interface SharedCounterStore extends CounterStore {
  /** Adds each amount (0 reads) to its key's counter in `window`; resolves with the totals after. */
  add(entries: readonly (readonly [key: string, amount: number])[], window: number): Promise<number[]>;
}

export interface SyncOptions {
  /** How often counts made locally are sent to the shared store. */
  intervalMs: number;
  clock: Clock;
  onError: (err: unknown) => void;
}

/** What this replica knows of one shared counter in the current window. */
interface View {
  window: number;
  /** the shared total at the last answer */
  known: number;
  /** counted here and not yet in an answer */
  pending: number;
  at: number;
  /** the first answer in this window, and what the other replicas added since */
  since: number;
  others: number;
  /** the other replicas' additions per ms between the last two answers */
  lastRate: number;
  /** answers seen at least 1 ms apart (answers to one batch tell nothing about the others' rate), and the last one's time */
  answers: number;
  answeredAt: number;
}

/** Share of a limit kept in reserve before requests take the exact path. */
const RESERVE = 0.05;
/**
 * What one replica may count on its own before an answer: a quarter of the reserve. Another
 * replica's exact answers cannot see it, so this is also what each other replica can push a
 * limit past when bursts arrive everywhere at once; below 80 (where it would be under one
 * request) every request takes the exact path.
 */
export const unanswered = (limit: number) => Math.floor((limit * RESERVE) / 4);

/**
 * Requests and tokens per minute over a shared store without a round trip per request.
 * Each replica keeps a view of every counter (the total at the last answer plus what it
 * counted since) and admits on its own while the view is clearly below the limit: the
 * margin is 5% of the limit, or more when other replicas were seen adding fast. It counts
 * at most 1.25% of a limit on its own before an answer, and sends its counts every
 * `intervalMs` (sooner once it has that many), refreshing the view. A request near a
 * limit, on a counter not seen twice yet in this window, on a limit below 80, or with a
 * concurrency limit (slots must be exact) waits for the store, so limits stay exact
 * where they bind; bursts hitting several replicas at the same moment can pass a limit by
 * at most 1.25% of it per other replica.
 */
export function createSyncedStore(remote: SharedCounterStore & { close?(): Promise<void> }, options: SyncOptions): CounterStore & { close(): Promise<void> } {
  const { intervalMs, clock, onError } = options;
  const views = new Map<string, View>();
  let viewsWindow = -1;
  let adds = new Map<string, number>();
  let addsWindow = -1;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const inFlight = new Set<Promise<void>>();

  /** `own`: what this replica added in the answered call; `sent`: how much of it was pending. */
  const learn = (key: string, window: number, total: number, own: number, sent: number) => {
    const now = clock.now();
    const v = views.get(key);
    if (!v || v.window !== window) {
      const unsent = addsWindow === window ? (adds.get(key) ?? 0) : 0;
      views.set(key, { window, known: total, pending: unsent, at: now, since: now, others: 0, lastRate: 0, answers: 1, answeredAt: now });
      return;
    }
    // the other replicas' additions since the last answer; in no time at all means a burst: assume the worst
    const others = Math.max(0, total - v.known - own);
    const elapsed = now - v.at;
    if (now - v.answeredAt >= 1) {
      v.answers++;
      v.answeredAt = now;
    }
    v.lastRate = others === 0 ? 0 : elapsed > 0 ? others / elapsed : Infinity;
    v.others += others;
    v.known = Math.max(v.known, total);
    v.pending = Math.max(0, v.pending - sent);
    v.at = now;
  };

  const flush = () => {
    timer = null;
    if (adds.size === 0) return;
    const sent = adds;
    const window = addsWindow;
    adds = new Map();
    const entries = [...sent];
    const done = remote.add(entries, window).then(
      (totals) => entries.forEach(([key, amount], i) => learn(key, window, totals[i] ?? 0, amount, amount)),
      (err: unknown) => {
        onError(err);
        // the counts are lost to the store; forget them here too rather than block on them
        for (const [key, amount] of entries) {
          const v = views.get(key);
          if (v) v.pending = Math.max(0, v.pending - amount);
        }
      },
    );
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };

  const count = (key: string, amount: number, window: number) => {
    if (window !== addsWindow && adds.size) flush();
    addsWindow = window;
    adds.set(key, (adds.get(key) ?? 0) + amount);
    const v = views.get(key);
    if (v && v.window === window) v.pending += amount;
    timer ??= setTimeout(flush, intervalMs);
    return v;
  };

  /** The view's estimate of the total, or null when the request must ask the store. */
  const estimate = (c: LimitCheck, window: number, now: number): number | null => {
    const v = views.get(c.key);
    if (!v || v.window !== window || v.answers < 2) return null;
    const own = c.kind === 'requests' ? 1 : 0;
    const share = unanswered(c.limit);
    if (share < 1 || v.pending + own > share) return null;
    const total = v.known + v.pending + own;
    const othersPerMs = Math.max(v.lastRate, now > v.since ? v.others / (now - v.since) : 0);
    const margin = Math.max(1, Math.ceil(c.limit * RESERVE), Math.ceil(othersPerMs * (now - v.at + intervalMs) * 2));
    const fits = c.kind === 'requests' ? total + margin <= c.limit : total + margin < c.limit;
    return fits ? total : null;
  };

  const exact = async (checks: readonly LimitCheck[], window: number): Promise<Admitted> => {
    const outcome = await remote.admit(checks, window);
    outcome.values.forEach((value, i) => {
      const c = checks[i]!;
      if (c.kind !== 'concurrent') learn(c.key, window, value, c.kind === 'requests' ? 1 : 0, 0);
    });
    return outcome;
  };

  return {
    admit(checks, window) {
      if (window !== viewsWindow) {
        viewsWindow = window;
        for (const [k, v] of views) if (v.window < window) views.delete(k);
      }
      const now = clock.now();
      const values: number[] = [];
      for (const c of checks) {
        const total = c.kind === 'concurrent' ? null : estimate(c, window, now);
        if (total === null) {
          // what this replica counted on its own goes first, so the exact answer includes it
          if (adds.size) flush();
          return exact(checks, window);
        }
        values.push(total);
      }
      let full = false;
      for (const c of checks) {
        if (c.kind !== 'requests') continue;
        const v = count(c.key, 1, window);
        if (v && v.pending >= unanswered(c.limit)) full = true;
      }
      // this replica's share of the reserve is used: send now, not at the interval
      if (full) flush();
      return { failed: -1, values };
    },
    settle(tokenKeys, tokens, window, slotKeys) {
      if (tokens > 0) for (const key of tokenKeys) count(key, tokens, window);
      if (slotKeys.length) return remote.settle([], 0, window, slotKeys);
    },
    /** Sends the counts made since the last interval, then closes the shared store. */
    async close() {
      if (timer) clearTimeout(timer);
      flush();
      await Promise.all(inFlight);
      await remote.close?.();
    },
  };
}
