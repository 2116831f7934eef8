import { Breaker } from './breaker.ts';
import { isFailure, type AttemptOutcome, type Target } from './target.ts';

/** What active health checks last saw: `unknown` until the first probe (traffic flows), `down` stops traffic. */
export type Health = 'unknown' | 'up' | 'down';

/**
 * The live state of one target: lives in the model's runtime, keyed by target id, and
 * survives reloads that keep the target. The Target itself (headers, weight, limits) is
 * replaced by each reload.
 */
export class TargetState {
  target: Target;
  inFlight = 0;
  readonly breaker = new Breaker();
  health: Health = 'unknown';
  /** Attempts sent to it, and of those, how many failed. */
  sent = 0;
  failed = 0;
  /** Set when the target left the config: it finishes what it has and takes nothing new. */
  retired = false;

  constructor(target: Target) {
    this.target = target;
  }

  /** Takes traffic (health and breaker), regardless of how busy it is. */
  available(now: number, cooldownMs: number): boolean {
    return !this.retired && this.health !== 'down' && this.breaker.allows(now, cooldownMs);
  }

  hasCapacity(): boolean {
    const max = this.target.maxConcurrent;
    return max === undefined || this.inFlight < max;
  }

  /**
   * An attempt's outcome to the breaker (`verdict`: its success was already counted when the
   * headers came). Answers whether this failure ejected the target.
   */
  report(outcome: AttemptOutcome, verdict: boolean, now: number, ejectAfter: number): boolean {
    if (isFailure(outcome)) {
      this.failed++;
      const wasOpen = this.breaker.state === 'open';
      this.breaker.failure(now, ejectAfter);
      return !wasOpen && this.breaker.state === 'open';
    }
    if (outcome === 'ok') {
      if (!verdict) this.breaker.success();
    } else this.breaker.neutral();
    return false;
  }

  /** For modeltainer_backend_up: healthy and not ejected. */
  get up(): boolean {
    return this.health !== 'down' && this.breaker.state !== 'open';
  }
}
