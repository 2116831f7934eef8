/**
 * Requests the gateway is serving now, streams until their last byte, and whether it
 * is draining (shutting down: no new requests, the ones in flight finish).
 */
export class InFlight {
  count = 0;
  draining = false;
  private idle: (() => void)[] = [];

  enter(): void {
    this.count++;
  }

  leave(): void {
    if (--this.count === 0 && this.idle.length) {
      const waiting = this.idle;
      this.idle = [];
      for (const resolve of waiting) resolve();
    }
  }

  /** Resolves once nothing is in flight. */
  whenIdle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}
