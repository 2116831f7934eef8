/** Request accounting for generation and pooling requests (not /tokenize and the like), and sleep-mode counters. */
import type { SimStats } from './types.ts';

export interface RequestTicket {
  /** The response was fully produced (success, error or server-side fault). */
  complete(): void;
  /** The client went away first. */
  abort(): void;
  readonly settled: boolean;
}

type Counters = Omit<SimStats, 'sleeping'>;

export class StatsTracker {
  private readonly s: Counters = {
    requests: 0, active: 0, completed: 0, aborted: 0, lastAbortAt: null,
    sleeps: 0, wakeUps: 0, requestsWhileAsleep: 0, abortedBySleep: 0, weightReloads: 0,
  };

  /** `isSleeping`: what `GET /is_sleeping` would answer (always false without sleep mode). */
  constructor(private readonly isSleeping: () => boolean = () => false) {}

  /** Counts a new request; settle the ticket exactly once (later calls are ignored). */
  begin(): RequestTicket {
    this.s.requests++;
    this.s.active++;
    if (this.isSleeping()) this.s.requestsWhileAsleep++;
    let settled = false;
    const settle = (kind: 'completed' | 'aborted'): void => {
      if (settled) return;
      settled = true;
      this.s.active--;
      this.s[kind]++;
      if (kind === 'aborted') this.s.lastAbortAt = Date.now();
    };
    return {
      complete: () => settle('completed'),
      abort: () => settle('aborted'),
      get settled() {
        return settled;
      },
    };
  }

  /** Bumps one of the sleep-mode counters. */
  count(name: 'sleeps' | 'wakeUps' | 'abortedBySleep' | 'weightReloads', by = 1): void {
    this.s[name] += by;
  }

  snapshot(): SimStats {
    return { ...this.s, sleeping: this.isSleeping() };
  }
}
