import { clientClosed, errors } from '../errors/errors.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import type { Cancellation, ClientSignal } from '../deps.ts';
import { Deadlines, type Deadline } from './deadlines.ts';

export type AbortCause = { kind: 'client' } | { kind: 'timeout'; phase: 'first byte' | 'total'; ms: number; label: string };

/**
 * The life of one request, created by the gateway's first middleware. The handler arms
 * it (`begin`) before any waiting, so queue waits and every upstream attempt share one
 * cancellation, fired by the client leaving or the total deadline; an attempt adds its
 * first-byte deadline. The request's end is an event of the scope: the log line, metrics,
 * the limiter and the target slot subscribe to it.
 *
 * AbortControllers are costly on Node, so the cancellation is plain state with callbacks
 * (`Aborts`), and its AbortSignal is built only when something asks for one (a queue wait,
 * a retry's back-off, a fetch-based upstream client). An attempt cut by its first-byte
 * deadline leaves the next attempt a fresh one. Deadlines are entries in shared lists
 * (deadlines.ts), not a timer each. No closures per request: the scope is its own client
 * listener (`handleEvent`) and its deadlines' target (`expire`).
 */
export class RequestScope {
  private aborts: Aborts | null = null;
  private totalDeadline: Deadline | null = null;
  private firstByteDeadline: Deadline | null = null;
  private totalMs = 0;
  private totalLabel = '';
  private firstByteMs = 0;
  private firstByteLabel = '';
  private listeners: (() => void)[] | null = null;
  private following = false;
  private held = false;
  private ended = false;

  constructor(
    private readonly client: ClientSignal,
    private readonly deadlines: Deadlines = sharedDeadlines,
  ) {}

  /** Starts following the client and arms the total deadline (`label` names what timed out). */
  begin(totalMs: number, label: string): void {
    if (this.following) return;
    this.following = true;
    this.current();
    this.totalMs = totalMs;
    this.totalLabel = label;
    if (this.client.aborted) this.handleEvent();
    else this.client.addEventListener('abort', this, { once: true });
    this.totalDeadline = this.deadlines.set(totalMs, this, 'total');
  }

  /** The client went away (this object is the client signal's abort listener). */
  handleEvent(): void {
    this.abort({ kind: 'client' });
  }

  /** Aborted when the client leaves or a deadline passes; an attempt cut by its first-byte deadline leaves a fresh one. */
  get signal(): AbortSignal {
    return this.current().signal;
  }

  abort(cause: AbortCause): void {
    this.aborts?.abort(cause);
  }

  /** Arms the first-byte deadline of an attempt on `label`. */
  attempt(firstByteMs: number, label: string): Attempt {
    this.disarmFirstByte();
    this.firstByteMs = firstByteMs;
    this.firstByteLabel = label;
    this.firstByteDeadline = this.deadlines.set(firstByteMs, this, 'first byte');
    return new ScopeAttempt(this, this.current());
  }

  /** @internal the deadlines' callback */
  expire(phase: 'first byte' | 'total'): void {
    const first = phase === 'first byte';
    this.abort({ kind: 'timeout', phase, ms: first ? this.firstByteMs : this.totalMs, label: first ? this.firstByteLabel : this.totalLabel });
  }

  /** The error for an aborted signal, or null if it was not aborted. */
  errorFor(signal: AbortSignal): GatewayError | null {
    return signal.aborted ? errorOf(signal.reason as AbortCause | undefined) : null;
  }

  /** Whether `signal` was cut by an attempt's first-byte deadline (the request itself goes on). */
  static firstByteTimeout(signal: AbortSignal): boolean {
    return signal.aborted && isFirstByte(signal.reason as AbortCause | undefined);
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
    this.totalDeadline?.clear();
    this.disarmFirstByte();
    if (this.following) this.client.removeEventListener('abort', this);
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
    this.firstByteDeadline?.clear();
  }

  /** The cancellation in force: a fresh one once an attempt's first-byte deadline cut the last. */
  private current(): Aborts {
    if (!this.aborts || isFirstByte(this.aborts.cause ?? undefined)) this.aborts = new Aborts();
    return this.aborts;
  }
}

/** For scopes made without their app's (tests). */
const sharedDeadlines = new Deadlines();

function isFirstByte(cause: AbortCause | undefined): boolean {
  return cause?.kind === 'timeout' && cause.phase === 'first byte';
}

function errorOf(cause: AbortCause | undefined): GatewayError {
  if (cause?.kind === 'timeout') return errors.backendTimeout(cause.label, cause.phase, cause.ms);
  return clientClosed();
}

/** One cancellation: its first cause wins; callbacks and the AbortSignal (built on demand) hear it once. */
class Aborts implements Cancellation {
  cause: AbortCause | null = null;
  private ctl: AbortController | null = null;
  private callbacks: (() => void)[] | null = null;

  get aborted(): boolean {
    return this.cause !== null;
  }

  get reason(): unknown {
    return this.cause ?? undefined;
  }

  get signal(): AbortSignal {
    if (!this.ctl) {
      this.ctl = new AbortController();
      if (this.cause) this.ctl.abort(this.cause);
    }
    return this.ctl.signal;
  }

  abort(cause: AbortCause): void {
    if (this.cause) return;
    this.cause = cause;
    this.ctl?.abort(cause);
    const callbacks = this.callbacks;
    this.callbacks = null;
    if (callbacks) for (const c of callbacks) c();
  }

  onAbort(listener: () => void): void {
    if (this.cause) listener();
    else (this.callbacks ??= []).push(listener);
  }

  offAbort(listener: () => void): void {
    const i = this.callbacks?.indexOf(listener) ?? -1;
    if (i >= 0) this.callbacks!.splice(i, 1);
  }
}

export interface Attempt extends Cancellation {
  /** Built on demand: prefer `aborted`, `error()` and the callbacks. */
  readonly signal: AbortSignal;
  /** Cut by its own first-byte deadline (the request itself goes on). */
  readonly firstByteTimedOut: boolean;
  /** The error for this attempt's abort, or null if it was not aborted. */
  error(): GatewayError | null;
  /** The first byte arrived: the first-byte deadline no longer applies. */
  firstByte(): void;
  abort(cause: AbortCause): void;
  release(): void;
}

class ScopeAttempt implements Attempt {
  constructor(
    private readonly scope: RequestScope,
    private readonly aborts: Aborts,
  ) {}

  get signal(): AbortSignal {
    return this.aborts.signal;
  }

  get aborted(): boolean {
    return this.aborts.aborted;
  }

  get reason(): unknown {
    return this.aborts.reason;
  }

  get firstByteTimedOut(): boolean {
    return isFirstByte(this.aborts.cause ?? undefined);
  }

  error(): GatewayError | null {
    return this.aborts.cause ? errorOf(this.aborts.cause) : null;
  }

  onAbort(listener: () => void): void {
    this.aborts.onAbort(listener);
  }

  offAbort(listener: () => void): void {
    this.aborts.offAbort(listener);
  }

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
