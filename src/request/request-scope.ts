import { clientClosed, errors } from '../errors/errors.ts';
import type { GatewayError } from '../errors/gateway-error.ts';

export type AbortCause = { kind: 'client' } | { kind: 'timeout'; phase: 'first byte' | 'total'; ms: number; label: string };

/**
 * The life of one request, created by the gateway's first middleware. The handler arms
 * it (`begin`) before any waiting, so queue waits and every upstream attempt share one
 * abort signal, fired by the client leaving or the total deadline; an attempt adds its
 * first-byte deadline. The request's end is an event of the scope: the log line, metrics,
 * the limiter and the target slot subscribe to it.
 *
 * One AbortController per request (they are not cheap on Node); an attempt cut by its
 * first-byte deadline leaves the next attempt a fresh one.
 */
export class RequestScope {
  private ctl: AbortController | null = null;
  private totalTimer: ReturnType<typeof setTimeout> | undefined;
  private firstByteTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners: (() => void)[] = [];
  private held = false;
  private ended = false;
  private readonly onClientAbort = () => this.abort({ kind: 'client' });

  constructor(private readonly clientSignal: AbortSignal) {}

  /** Starts following the client and arms the total deadline (`label` names what timed out). */
  begin(totalMs: number, label: string): void {
    if (this.ctl) return;
    this.ctl = new AbortController();
    if (this.clientSignal.aborted) this.onClientAbort();
    else this.clientSignal.addEventListener('abort', this.onClientAbort, { once: true });
    this.totalTimer = setTimeout(() => this.abort({ kind: 'timeout', phase: 'total', ms: totalMs, label }), totalMs);
  }

  /** Aborted when the client leaves or a deadline passes; an attempt cut by its first-byte deadline leaves a fresh one. */
  get signal(): AbortSignal {
    if (!this.ctl || RequestScope.firstByteTimeout(this.ctl.signal)) this.ctl = new AbortController();
    return this.ctl.signal;
  }

  abort(cause: AbortCause): void {
    this.ctl?.abort(cause);
  }

  /** Arms the first-byte deadline of an attempt on `label`. */
  attempt(firstByteMs: number, label: string): Attempt {
    this.disarmFirstByte();
    this.firstByteTimer = setTimeout(() => this.abort({ kind: 'timeout', phase: 'first byte', ms: firstByteMs, label }), firstByteMs);
    const disarm = () => this.disarmFirstByte();
    return { signal: this.signal, firstByte: disarm, abort: (cause) => this.abort(cause), release: disarm };
  }

  /** The error for an aborted signal, or null if it was not aborted. */
  errorFor(signal: AbortSignal): GatewayError | null {
    if (!signal.aborted) return null;
    const cause = signal.reason as AbortCause | undefined;
    if (cause?.kind === 'timeout') return errors.backendTimeout(cause.label, cause.phase, cause.ms);
    return clientClosed();
  }

  /** Whether `signal` was cut by an attempt's first-byte deadline (the request itself goes on). */
  static firstByteTimeout(signal: AbortSignal): boolean {
    if (!signal.aborted) return false;
    const cause = signal.reason as AbortCause | undefined;
    return cause?.kind === 'timeout' && cause.phase === 'first byte';
  }

  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else this.listeners.push(listener);
  }

  /** The response outlives the handler (a stream): the request ends when `end` is called. */
  hold(): void {
    this.held = true;
  }

  get holding(): boolean {
    return this.held;
  }

  /** Ends the request once: clears its timers and tells every subscriber. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.totalTimer !== undefined) clearTimeout(this.totalTimer);
    this.disarmFirstByte();
    if (this.ctl) this.clientSignal.removeEventListener('abort', this.onClientAbort);
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        // one faulty subscriber must not keep the others (the in-flight count) from running
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  private disarmFirstByte(): void {
    if (this.firstByteTimer !== undefined) clearTimeout(this.firstByteTimer);
  }
}

export interface Attempt {
  signal: AbortSignal;
  /** The first byte arrived: the first-byte deadline no longer applies. */
  firstByte(): void;
  abort(cause: AbortCause): void;
  release(): void;
}
