import { clientClosed, errors } from '../errors/errors.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import type { ClientSignal } from '../deps.ts';

export type AbortCause = { kind: 'client' } | { kind: 'timeout'; phase: 'first byte' | 'total'; ms: number; label: string };

/**
 * The life of one request, created by the gateway's first middleware. The handler arms
 * it (`begin`) before any waiting, so queue waits and every upstream attempt share one
 * abort signal, fired by the client leaving or the total deadline; an attempt adds its
 * first-byte deadline. The request's end is an event of the scope: the log line, metrics,
 * the limiter and the target slot subscribe to it.
 *
 * One AbortController per request (they are not cheap on Node); an attempt cut by its
 * first-byte deadline leaves the next attempt a fresh one. No closures per request: the
 * scope is its own abort listener (`handleEvent`) and timers get it as their argument.
 */
export class RequestScope {
  private ctl: AbortController | null = null;
  private totalTimer: ReturnType<typeof setTimeout> | undefined;
  private firstByteTimer: ReturnType<typeof setTimeout> | undefined;
  private totalMs = 0;
  private totalLabel = '';
  private firstByteMs = 0;
  private firstByteLabel = '';
  private listeners: (() => void)[] | null = null;
  private held = false;
  private ended = false;

  constructor(private readonly clientSignal: ClientSignal) {}

  /** Starts following the client and arms the total deadline (`label` names what timed out). */
  begin(totalMs: number, label: string): void {
    if (this.ctl) return;
    this.ctl = new AbortController();
    this.totalMs = totalMs;
    this.totalLabel = label;
    if (this.clientSignal.aborted) this.handleEvent();
    else this.clientSignal.addEventListener('abort', this, { once: true });
    this.totalTimer = setTimeout(totalTimeout, totalMs, this);
  }

  /** The client went away (this object is the client signal's abort listener). */
  handleEvent(): void {
    this.abort({ kind: 'client' });
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
    this.firstByteMs = firstByteMs;
    this.firstByteLabel = label;
    this.firstByteTimer = setTimeout(firstByteTimeout, firstByteMs, this);
    return new ScopeAttempt(this, this.signal);
  }

  /** @internal the timers' callbacks */
  expire(phase: 'first byte' | 'total'): void {
    const first = phase === 'first byte';
    this.abort({ kind: 'timeout', phase, ms: first ? this.firstByteMs : this.totalMs, label: first ? this.firstByteLabel : this.totalLabel });
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
    else (this.listeners ??= []).push(listener);
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
    if (this.ctl) this.clientSignal.removeEventListener('abort', this);
    if (!this.listeners) return;
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

  /** @internal */
  disarmFirstByte(): void {
    if (this.firstByteTimer !== undefined) clearTimeout(this.firstByteTimer);
  }
}

function totalTimeout(scope: RequestScope): void {
  scope.expire('total');
}

function firstByteTimeout(scope: RequestScope): void {
  scope.expire('first byte');
}

export interface Attempt {
  signal: AbortSignal;
  /** The first byte arrived: the first-byte deadline no longer applies. */
  firstByte(): void;
  abort(cause: AbortCause): void;
  release(): void;
}

class ScopeAttempt implements Attempt {
  constructor(
    private readonly scope: RequestScope,
    readonly signal: AbortSignal,
  ) {}

  firstByte(): void {
    this.scope.disarmFirstByte();
  }

  abort(cause: AbortCause): void {
    this.scope.abort(cause);
  }

  release(): void {
    this.scope.disarmFirstByte();
  }
}
