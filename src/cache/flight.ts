import type { RequestLog } from '../observability/request-log.ts';
import type { CacheEntry } from './cache-entry.ts';
import type { Recording } from './recording.ts';

/** What a request on its way to the backend gives those waiting for it: a body, its live stream, or nothing (it failed). */
export type FlightResult = { entry: CacheEntry } | { recording: Recording } | null;

/**
 * A miss on its way to the backend, listed under its key so identical requests wait for it
 * instead of going too (request coalescing). It answers once (`settle`) when its response
 * starts; it stays listed until its answer is complete (`land`), so a request arriving while
 * the stream runs joins it too.
 */
export class Flight {
  readonly result: Promise<FlightResult>;
  private resolve!: (r: FlightResult) => void;
  private settled = false;

  constructor(
    private readonly flights: Map<string, Flight>,
    private readonly key: string,
    /** The log of the request that went to the backend: its usage, once its stream has ended. */
    readonly leader: RequestLog,
  ) {
    this.result = new Promise((r) => (this.resolve = r));
    flights.set(key, this);
  }

  settle(result: FlightResult): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(result);
    if (result === null) this.unlist();
  }

  /** The answer is complete (stored or not): later requests look in the store. */
  land(): void {
    this.settle(null);
    this.unlist();
  }

  private unlist(): void {
    if (this.flights.get(this.key) === this) this.flights.delete(this.key);
  }
}

/** Waits for `flight` at most `ms`; 'timeout' after that, and throws when `signal` aborts first. */
export function waitForFlight(flight: Flight, ms: number, signal: AbortSignal, aborted: () => Error): Promise<FlightResult | 'timeout'> {
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      done();
      reject(aborted());
    };
    const timer = setTimeout(() => {
      done();
      resolve('timeout');
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
    flight.result.then((r) => {
      done();
      resolve(r);
    });
  });
}
