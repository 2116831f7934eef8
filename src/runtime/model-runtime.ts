import type { CacheContext } from '../cache/cache-store.ts';
import { syncModelCache, type ModelCache } from '../cache/model-cache.ts';
import type { ModelEntry } from '../config/snapshot.ts';
import type { Clock, Logger, UpstreamFetch } from '../deps.ts';
import { clientClosed, errors } from '../errors/errors.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import { WaitQueue, type Waiting } from '../queue/wait-queue.ts';
import type { ManagedServer } from '../lifecycle/managed-server.ts';
import type { LifecycleHooks } from '../lifecycle/lifecycle-hooks.ts';
import { buildTargets, launchedTarget } from '../targets/build-targets.ts';
import { pickTarget, type PickRequest, type RoundRobin } from '../targets/picker.ts';
import { TargetState } from '../targets/target-state.ts';
import { TargetLease, type Lease } from './target-lease.ts';

export type { Lease } from './target-lease.ts';
import type { AttemptOutcome } from '../targets/target.ts';

/** The part of a request's scope the queue needs: a waiting request leaves when its signal aborts, with its error. */
export interface WaitScope {
  readonly signal: AbortSignal;
  errorFor(signal: AbortSignal): GatewayError | null;
}

export interface AcquireRequest extends PickRequest {
  priority: number;
  scope: WaitScope;
  /** false: never wait (shadow copies); throws queue_full instead. */
  queue: boolean;
  /** Place in line; a retry keeps the one it had. */
  seq: number;
}

interface Waiter extends Waiting {
  req: AcquireRequest;
  resolve(lease: Lease): void;
  reject(err: GatewayError): void;
  cleanup(): void;
}

export interface RuntimeContext {
  clock: Clock;
  logger: Logger;
  http: UpstreamFetch;
  random: () => number;
  /** Models with `launch`: their servers are started, stopped and placed by the lifecycle. */
  lifecycle?: LifecycleHooks;
  /** URLs of targets registered at run time for a model (POST /admin/targets). */
  registered?: (model: string) => readonly string[];
  /** The response cache's store, for models with `cache`. */
  cache?: CacheContext;
}

const EWMA = 0.2;
const NO_PREFERENCE: PickRequest = { tried: null, affinity: null };

/**
 * A model as a live object, keyed by name: its targets' state (in flight, breaker,
 * health), its waiting line and its counters. Reloads update it in place; only what the
 * change touches is rebuilt.
 */
export class ModelRuntime {
  readonly name: string;
  entry: ModelEntry;
  states: TargetState[] = [];
  inFlight = 0;
  /** Left the config: serves what it holds, then is dropped. */
  retired = false;
  readonly rr: RoundRobin = { current: new Map() };
  /** Split models: the smooth round-robin position over their members. */
  readonly splitRr = { current: new Map<string, number>() };
  /** Mean time a lease is held, for Retry-After. */
  serviceMs = 1000;
  /** Copies of this model's requests on their way to its shadow. */
  shadowsInFlight = 0;
  /** Launched models: the server this runtime's one target is (null: the model has no launch). */
  managed: ManagedServer | null = null;
  /** When the last request ended (or the server became ready): for idle_timeout. */
  lastUsed = 0;
  /** The response cache (models with `cache`): its settings, version, coalescing and counters. */
  cache: ModelCache | null = null;
  private managedState: TargetState | null = null;
  private readonly queue = new WaitQueue<Waiter>();
  private readonly byId = new Map<string, TargetState>();
  private readonly retiring = new Set<TargetState>();

  constructor(
    entry: ModelEntry,
    private readonly ctx: RuntimeContext,
    private readonly onIdle: (rt: ModelRuntime) => void,
  ) {
    this.name = entry.name;
    this.entry = entry;
    this.update(entry);
  }

  /** Applies a new entry: targets with an unchanged id keep their state; new ones start fresh; dropped ones drain. */
  update(entry: ModelEntry): void {
    this.entry = entry;
    this.retired = false;
    this.cache = syncModelCache(this.cache, entry, this.ctx.cache);
    if (entry.launch) {
      this.updateManaged(entry.launch);
      return;
    }
    const existing = new Map([...this.byId].map(([id, s]) => [id, s.target]));
    const targets = buildTargets(entry, this.ctx.http, existing, this.ctx.registered?.(entry.name));
    const next: TargetState[] = [];
    const keep = new Set<string>();
    for (const t of targets) {
      let state = this.byId.get(t.id);
      if (state) state.target = t;
      else {
        state = new TargetState(t);
        this.byId.set(t.id, state);
      }
      state.retired = false;
      this.retiring.delete(state);
      keep.add(t.id);
      next.push(state);
    }
    for (const [id, state] of this.byId) {
      if (keep.has(id)) continue;
      this.byId.delete(id);
      this.rr.current.delete(state);
      state.retired = true;
      if (state.inFlight > 0) this.retiring.add(state);
    }
    this.states = next;
    this.dispatch();
  }

  retire(): void {
    this.retired = true;
    if (this.managed) this.ctx.lifecycle?.retired(this.name);
    this.checkIdle();
  }

  private updateManaged(launch: NonNullable<ModelEntry['launch']>): void {
    const lifecycle = this.ctx.lifecycle;
    if (!lifecycle) return;
    if (!this.managed) this.managed = lifecycle.server(this.name, launch);
    else if (this.managed.respec(launch)) lifecycle.respecced(this.name);
    this.managed.startTimeoutMs = this.entry.start_timeout ?? null;
    // the model's headers and timeouts may have changed: same server, rebuilt target
    if (this.managedState && this.managed.baseUrl) this.managedState.target = launchedTarget(this.entry, this.managed.baseUrl, this.ctx.http);
  }

  /** The launched server is ready at `baseUrl` (or gone: null): its target takes traffic, or none does. */
  setServing(baseUrl: string | null): void {
    if (baseUrl === null) {
      this.states = [];
      this.dispatch();
      return;
    }
    const target = launchedTarget(this.entry, baseUrl, this.ctx.http);
    if (this.managedState) this.managedState.target = target;
    else this.managedState = new TargetState(target);
    this.managedState.health = 'up';
    this.managedState.breaker.success();
    this.states = [this.managedState];
    this.lastUsed = this.ctx.clock.now();
    this.dispatch();
  }

  /** Every waiter gets `error` (a start that timed out, a model that cannot fit or has failed). */
  failWaiters(error: GatewayError): void {
    for (const w of this.queue.inOrder()) {
      this.queue.remove(w);
      w.cleanup();
      w.reject(error);
    }
    this.changed();
  }

  /** The launched server's target (kept across restarts, with its counters). */
  get launchedState(): TargetState | null {
    return this.managedState;
  }

  /** For the lifecycle: a launched model's server takes new requests only when ready. */
  private serving(): boolean {
    return this.managed === null || this.managed.state === 'ready';
  }

  private changed(): void {
    this.ctx.lifecycle?.notify(this.name);
  }

  /** Targets still finishing requests after they left the config. */
  get draining(): readonly TargetState[] {
    return [...this.retiring];
  }

  get queued(): number {
    return this.queue.length;
  }

  queueSummary(): ReturnType<WaitQueue<Waiter>['summary']> {
    return this.queue.summary();
  }

  /** Some target takes traffic (busy or not). */
  anyAvailable(now = this.ctx.clock.now()): boolean {
    const cooldown = this.entry.healthSettings.cooldown;
    for (const s of this.states) if (s.available(now, cooldown)) return true;
    return false;
  }

  /**
   * A lease on a target, at once when one has room, else after waiting in line (by
   * priority, then arrival) within `queue_timeout`. Throws 503 when no target takes
   * traffic at all, 429 when the line is full.
   */
  acquire(req: AcquireRequest): Lease | Promise<Lease> {
    const now = this.ctx.clock.now();
    const m = this.managed;
    if (m && m.state !== 'ready') {
      // off, starting, asleep or draining: wait for the server (a failed one answers at once)
      if (m.state === 'failed') throw errors.modelFailed(this.name, m.lastError ?? 'unknown error');
      if (!req.queue || this.queue.length >= this.entry.max_queue) throw errors.queueFull(this.name, this.queue.length, this.retryAfterS());
      const waiting = this.wait(req, now);
      this.ctx.lifecycle?.demand(this.name);
      return waiting;
    }
    if (!this.anyAvailable(now)) throw this.unavailable();
    if (this.queue.length === 0 || req.tried) {
      const lease = this.tryGrant(req, now);
      if (lease) return lease;
    }
    if (!req.queue || this.queue.length >= this.entry.max_queue) throw errors.queueFull(this.name, this.queue.length, this.retryAfterS());
    return this.wait(req, now);
  }

  /** A lease only if a target has room right now and nobody is waiting (shadow copies); never throws. */
  leaseNow(): Lease | null {
    if (this.queue.length > 0) return null;
    const now = this.ctx.clock.now();
    return this.anyAvailable(now) ? this.tryGrant(NO_PREFERENCE, now) : null;
  }

  private wait(req: AcquireRequest, now: number): Promise<Lease> {
    const signal = req.scope.signal;
    const abortError = () => req.scope.errorFor(signal) ?? clientClosed();
    if (signal.aborted) return Promise.reject(abortError());
    return new Promise<Lease>((resolve, reject) => {
      const onAbort = () => {
        if (this.queue.remove(waiter)) {
          waiter.cleanup();
          reject(abortError());
          this.checkIdle();
        }
      };
      const timer = setTimeout(() => {
        if (this.queue.remove(waiter)) {
          waiter.cleanup();
          reject(errors.queueTimeout(this.name, this.ctx.clock.now() - now, this.retryAfterS()));
          this.checkIdle();
        }
      }, this.entry.queue_timeout + (this.managed?.startTimeout() ?? 0));
      const waiter: Waiter = {
        priority: req.priority,
        seq: req.seq,
        since: now,
        req,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.changed();
    });
  }

  private modelHasRoom(): boolean {
    const max = this.entry.max_concurrent;
    return max === undefined || this.inFlight < max;
  }

  private tryGrant(req: PickRequest, now: number): Lease | null {
    if (!this.modelHasRoom() || !this.serving()) return null;
    const cooldown = this.entry.healthSettings.cooldown;
    const states = this.states;
    // one target, the common case: no picking to do
    if (states.length === 1) {
      const only = states[0]!;
      return only.hasCapacity() && only.available(now, cooldown) ? this.lease(only, now) : null;
    }
    const state = pickTarget(states, (s) => s.hasCapacity() && s.available(now, cooldown), this.entry.balance, req, this.rr, this.ctx.random);
    return state ? this.lease(state, now) : null;
  }

  private lease(state: TargetState, grantedAt: number): Lease {
    state.breaker.dispatched();
    state.inFlight++;
    state.sent++;
    this.inFlight++;
    return new TargetLease(this, state, grantedAt);
  }

  /** A lease ended (TargetLease calls it once): frees its slots, reports its outcome, serves the next waiter. */
  leaseEnded(state: TargetState, outcome: AttemptOutcome, verdict: boolean, grantedAt: number): void {
    state.inFlight--;
    this.inFlight--;
    const now = this.ctx.clock.now();
    this.serviceMs += EWMA * (now - grantedAt - this.serviceMs);
    this.lastUsed = now;
    this.report(state, outcome, verdict, now);
    if (state.retired && state.inFlight === 0) this.retiring.delete(state);
    this.dispatch();
    if (this.managed) this.ctx.lifecycle?.released(this.name);
    this.checkIdle();
  }

  private report(state: TargetState, outcome: AttemptOutcome, verdict: boolean, now: number): void {
    if (state.report(outcome, verdict, now, this.entry.healthSettings.eject_after)) {
      this.ctx.logger.log('warn', { msg: 'target ejected', model: this.name, target: state.target.label, failures: state.breaker.failures, last: outcome });
    }
  }

  /** Health or capacity changed: serve waiters that can go now; fail them all if nothing takes traffic. */
  dispatch(): void {
    if (this.queue.length === 0) return;
    const now = this.ctx.clock.now();
    if (!this.serving()) return;
    for (const w of this.queue.inOrder()) {
      if (!this.modelHasRoom()) break;
      const lease = this.tryGrant(w.req, now);
      if (!lease) continue;
      this.queue.remove(w);
      w.cleanup();
      w.resolve(lease);
    }
    // a launched model's waiters wait for its server; others fail when no target takes traffic
    if (this.queue.length > 0 && !this.managed && !this.anyAvailable(now)) {
      for (const w of this.queue.inOrder()) {
        this.queue.remove(w);
        w.cleanup();
        w.reject(this.unavailable());
      }
    }
    this.changed();
  }

  /** A health probe's verdict on one target. */
  healthSeen(state: TargetState, health: TargetState['health']): void {
    const was = state.health;
    state.health = health;
    if (health === 'up' && (was === 'down' || state.breaker.state === 'open')) state.breaker.probeRecovered();
    if (was !== health && (health === 'down' || was === 'down')) {
      this.ctx.logger.log(health === 'down' ? 'warn' : 'info', { msg: health === 'down' ? 'target down' : 'target up', model: this.name, target: state.target.label });
    }
    this.dispatch();
  }

  retryAfterS(): number {
    const capacity = this.entry.max_concurrent ?? this.states.reduce((n, s) => n + (s.target.maxConcurrent ?? 1), 0);
    const estimate = (this.serviceMs * (this.queue.length + 1)) / Math.max(1, capacity) / 1000;
    return Math.min(60, Math.max(1, Math.ceil(estimate)));
  }

  private unavailable(): GatewayError {
    const none = this.entry.registered ? 'no target has registered (POST /admin/targets)' : 'no targets configured';
    const why = this.states.length === 0 ? none : this.states.map((s) => `${s.target.label} ${s.health === 'down' ? 'down' : 'ejected'}`).join(', ');
    return errors.noHealthyTarget(this.name, why);
  }

  /** Retired with nothing in flight or waiting: its owner may drop it. */
  get idle(): boolean {
    return this.retired && this.inFlight === 0 && this.queue.length === 0;
  }

  private checkIdle(): void {
    if (this.retired && this.inFlight === 0 && this.queue.length === 0) this.onIdle(this);
  }
}
