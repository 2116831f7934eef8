export type BreakerState = 'closed' | 'open' | 'half_open';

/** The most a repeatedly failing target's cooldown grows to, as a multiple of the configured one. */
const MAX_BACKOFF = 8;

/**
 * A target's circuit breaker. Closed: traffic flows and consecutive failures are
 * counted; `ejectAfter` in a row open it. Open: no traffic for the cooldown (doubled
 * after each failed trial, up to 8×). Half-open: exactly one trial request; its success
 * closes the breaker, its failure opens it again. Time is read when asked (no timers).
 */
export class Breaker {
  state: BreakerState = 'closed';
  /** consecutive failures */
  failures = 0;
  private openedAt = 0;
  private backoff = 1;
  private trialInFlight = false;

  /** Whether a request may be sent now. Moves an open breaker whose cooldown is over to half-open. */
  allows(now: number, cooldownMs: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (now - this.openedAt < cooldownMs * this.backoff) return false;
      this.state = 'half_open';
    }
    return !this.trialInFlight;
  }

  /** A request is being sent; in half-open it is the one trial. */
  dispatched(): void {
    if (this.state === 'half_open') this.trialInFlight = true;
  }

  success(): void {
    this.state = 'closed';
    this.failures = 0;
    this.backoff = 1;
    this.trialInFlight = false;
  }

  failure(now: number, ejectAfter: number): void {
    this.failures++;
    if (this.state === 'half_open') {
      this.trialInFlight = false;
      this.backoff = Math.min(MAX_BACKOFF, this.backoff * 2);
      this.open(now);
    } else if (this.state === 'closed' && this.failures >= ejectAfter) this.open(now);
  }

  /** An attempt ended without a verdict (client gone, 429): a trial may be tried again. */
  neutral(): void {
    this.trialInFlight = false;
  }

  /** A health probe saw the target recover: let a trial request through without waiting out the cooldown. */
  probeRecovered(): void {
    if (this.state === 'open') this.state = 'half_open';
  }

  private open(now: number): void {
    this.state = 'open';
    this.openedAt = now;
    this.trialInFlight = false;
  }
}
