import type { LaunchConfig, LifecycleConfig } from '../config/lifecycle-schema.ts';
import type { ConfigStore } from '../config/config-store.ts';
import type { Clock, ContainerDriver, FileReader, Logger, ProcessLauncher, Scheduler, UpstreamFetch } from '../deps.ts';
import { errors } from '../errors/errors.ts';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import type { GatewayRuntime } from '../runtime/gateway-runtime.ts';
import type { ModelRuntime } from '../runtime/model-runtime.ts';
import type { EventBus, LifecycleEvent } from './events.ts';
import { ManagedServer, type ServerChange, type ServerHost } from './managed-server.ts';
import { modelMemory } from './model-memory.ts';
import { createOutputLog } from './output-log.ts';
import { place, type Device, type ServerView } from './placement.ts';
import type { LifecycleHooks } from './lifecycle-hooks.ts';

export interface LifecycleDeps {
  config: ConfigStore;
  http: UpstreamFetch;
  clock: Clock;
  logger: Logger;
  metrics: GatewayMetrics;
  events: EventBus<LifecycleEvent>;
  launcher?: ProcessLauncher;
  containers?: ContainerDriver;
  files?: FileReader;
}

const SWEEP_MS = 250;
/** A server that has run this long without crashing starts again from zero failures. */
const STABLE_MS = 60_000;
/** How often a running container is asked whether it still runs. */
const CONTAINER_CHECK_MS = 5_000;

/**
 * Decides which launched model servers run, where, and when: starts a model's server when
 * requests wait for it (one start however many wait), stops or sleeps idle ones, fits them
 * in device memory and `max_loaded_models` by draining idle (then, past the swap window,
 * busy) servers first, restarts crashed ones with back-off, and marks a model failed after
 * repeated failures. Nothing is ever stopped with a request in flight: a server leaves
 * through `draining`.
 */
export class LifecycleManager implements ServerHost, LifecycleHooks {
  readonly http: UpstreamFetch;
  readonly clock: Clock;
  readonly launcher?: ProcessLauncher;
  readonly containers?: ContainerDriver;
  private runtime: GatewayRuntime | null = null;
  private scheduler: Scheduler | null = null;
  private planQueued = false;
  private readonly needs = new Map<string, number | Error | Promise<void>>();
  private readonly waitingSince = new Map<string, number>();
  private readonly notBefore = new Map<string, number>();
  private readonly outputs = new Map<string, (stream: 'stdout' | 'stderr', line: string) => void>();
  private readonly timers = new Set<() => void>();
  private lastContainerCheck = 0;
  /** When the next re-plan is due (a back-off or a swap window ending), if one is. */
  private nextWake: number | null = null;

  constructor(private readonly deps: LifecycleDeps) {
    this.http = deps.http;
    this.clock = deps.clock;
    this.launcher = deps.launcher;
    this.containers = deps.containers;
  }

  attach(runtime: GatewayRuntime): void {
    this.runtime = runtime;
  }

  /** Background work: the idle sweep, preload. */
  start(scheduler: Scheduler): void {
    this.scheduler = scheduler;
    scheduler.every(SWEEP_MS, () => this.sweep());
    const preload = this.settings().preload;
    for (const rt of this.managed()) if (preload.includes('*') || preload.includes(rt.name)) rt.managed!.wanted = true;
    this.schedulePlan();
  }

  /** Stops every server (the gateway is exiting): in parallel, each with its stop_timeout. */
  async stopAll(): Promise<void> {
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    await Promise.all(this.managed().map((rt) => (rt.managed!.state === 'off' || rt.managed!.state === 'failed' ? undefined : rt.managed!.stop())));
  }

  settings(): LifecycleConfig {
    return this.deps.config.current().lifecycle;
  }

  // ---- LifecycleHooks: what model runtimes report

  server(name: string, launch: LaunchConfig): ManagedServer {
    return new ManagedServer(name, launch, this);
  }

  demand(model: string): void {
    if (!this.waitingSince.has(model)) this.waitingSince.set(model, this.clock.now());
    this.schedulePlan();
  }

  released(model: string): void {
    const rt = this.runtime?.get(model);
    if (rt?.managed?.state === 'draining' && rt.inFlight === 0) void rt.managed.finishDrain();
    this.schedulePlan();
  }

  respecced(model: string): void {
    const m = this.runtime?.get(model)?.managed;
    if (!m || m.state === 'off' || m.state === 'failed') return;
    this.deps.logger.log('info', { msg: 'launch spec changed: draining, then restarting', model });
    this.drain(model, 'restart');
  }

  retired(model: string): void {
    this.drain(model, 'stop');
  }

  notify(model: string): void {
    if (this.deps.events.size === 0) return;
    const rt = this.runtime?.get(model);
    if (rt) this.deps.events.emit(this.eventOf(rt));
  }

  // ---- ServerHost: what servers report

  output(server: ManagedServer, stream: 'stdout' | 'stderr', line: string): void {
    let log = this.outputs.get(server.name);
    if (!log) this.outputs.set(server.name, (log = createOutputLog(this.deps.logger, server.name, () => this.clock.now())));
    log(stream, line);
  }

  /** A server's state changed, it crashed, a start failed, or a drain asks for a restart. */
  changed(server: ManagedServer, why: ServerChange): void {
    const rt = this.runtime?.get(server.name);
    if (!rt) return;
    const log = this.deps.logger;
    if (why === 'state') {
      if (server.state === 'ready') {
        this.waitingSince.delete(server.name);
        server.wanted = false;
        if (server.lastStartMs !== null) this.deps.metrics.modelStarted(server.name, server.lastStartMs / 1000);
        log.log('info', { msg: 'model ready', model: server.name, pid: server.pid, device: server.device, start_ms: server.lastStartMs && Math.round(server.lastStartMs) });
        rt.setServing(server.baseUrl);
      } else if (server.state === 'off' || server.state === 'sleeping' || server.state === 'stopping') {
        if (rt.states.length > 0) rt.setServing(null);
        if (server.state !== 'stopping') log.log('info', { msg: server.state === 'off' ? 'model stopped' : 'model asleep', model: server.name });
      }
      this.notify(server.name);
      this.schedulePlan();
      return;
    }
    if (why === 'restart') {
      server.wanted = true;
      this.schedulePlan();
      return;
    }
    this.deps.metrics.modelCrashed(server.name);
    log.log('error', { msg: why === 'crash' ? 'model server crashed' : 'model server did not start', model: server.name, error: server.lastError, failures: server.failures });
    if (rt.states.length > 0) rt.setServing(null);
    if (server.state === 'failed') {
      rt.failWaiters(errors.modelFailed(server.name, server.lastError ?? 'unknown error'));
      return;
    }
    if (why === 'start-failed') {
      // the requests that waited for this start get their answer; the next request tries again
      rt.failWaiters(errors.modelStartFailed(server.name, server.lastError ?? 'unknown error', Math.max(1, Math.ceil(this.settings().restart_backoff / 1000))));
      return;
    }
    const backoff = this.settings().restart_backoff * 2 ** (server.failures - 1);
    this.notBefore.set(server.name, this.clock.now() + backoff);
    server.wanted = true;
    this.wakeAt(this.clock.now() + backoff);
  }

  // ---- control (admin API)

  startModel(model: string): void {
    const m = this.runtime?.get(model)?.managed;
    if (!m) return;
    m.wanted = true;
    this.waitingSince.set(model, this.clock.now());
    this.schedulePlan();
  }

  drain(model: string, then: 'stop' | 'sleep' | 'restart'): void {
    const rt = this.runtime?.get(model);
    const m = rt?.managed;
    if (!rt || !m) return;
    if (then !== 'restart') m.wanted = false;
    if (m.state === 'starting' && then !== 'sleep') {
      void m.stop();
      return;
    }
    m.beginDrain(then);
    if (m.state === 'draining' && rt.inFlight === 0) void m.finishDrain();
  }

  reset(model: string): void {
    this.runtime?.get(model)?.managed?.reset();
    this.schedulePlan();
  }

  // ---- planning

  private schedulePlan(): void {
    if (this.planQueued) return;
    this.planQueued = true;
    queueMicrotask(() => {
      this.planQueued = false;
      this.plan();
    });
  }

  /** Starts (or wakes) what is wanted and can run now; makes room by draining others; says no to what never fits. */
  private plan(): void {
    const L = this.settings();
    const now = this.clock.now();
    const devices = devicesOf(L);
    const wanted = this.managed()
      .filter((rt) => (rt.queued > 0 || rt.managed!.wanted) && (rt.managed!.state === 'off' || rt.managed!.state === 'sleeping'))
      .sort((a, b) => (this.waitingSince.get(a.name) ?? now) - (this.waitingSince.get(b.name) ?? now));
    for (const rt of wanted) {
      const m = rt.managed!;
      // requests that queued while it was still serving (then draining) wait from now on at the latest
      if (!this.waitingSince.has(rt.name)) this.waitingSince.set(rt.name, now);
      const wait = this.notBefore.get(rt.name);
      if (wait !== undefined && wait > now) {
        // a timer may fire a little before the clock reads its time: plan again then, or nothing would
        this.wakeAt(wait);
        continue;
      }
      const need = this.need(rt, devices);
      if (need === null) continue;
      if (need instanceof Error) {
        rt.failWaiters(errors.modelCannotFit(rt.name, need.message));
        m.wanted = false;
        continue;
      }
      const decision = place(
        { name: rt.name, need, pinned: m.state === 'sleeping' ? m.device : (rt.entry.device ?? null), groups: this.groupsOf(rt.name), waitingSince: this.waitingSince.get(rt.name)! },
        this.views(),
        devices,
        L.max_loaded_models,
        L.max_wait_before_swap,
        now,
      );
      if (decision.kind === 'never') {
        this.deps.logger.log('warn', { msg: 'model cannot be loaded', model: rt.name, why: decision.why });
        rt.failWaiters(errors.modelCannotFit(rt.name, decision.why));
        m.wanted = false;
      } else if (decision.kind === 'wait') {
        this.wakeAt(decision.until);
      } else if (decision.kind === 'evict') {
        for (const victim of decision.victims) {
          const v = this.runtime?.get(victim)?.managed;
          if (!v || v.state === 'draining' || v.state === 'stopping') continue;
          this.deps.metrics.modelEvicted(victim, rt.name);
          this.deps.logger.log('info', { msg: 'model evicted', model: victim, for: rt.name });
          this.drain(victim, 'stop');
        }
        // each victim's stop re-plans
      } else {
        this.notBefore.delete(rt.name);
        m.memory = need;
        if (m.state === 'sleeping') void m.wake();
        else void m.start(decision.device);
      }
      // one start at a time per plan: what it takes changes what the next may take
      if (decision.kind !== 'never') break;
    }
  }

  /** Bytes the model needs on a device, null while still being worked out (the plan reruns). */
  private need(rt: ModelRuntime, devices: readonly Device[]): number | Error | null {
    if (rt.entry.memory !== undefined) return rt.entry.memory;
    const budgeted = devices.some((d) => Number.isFinite(d.memory));
    if (!budgeted) return 0;
    const key = rt.managed!.key;
    const known = this.needs.get(key);
    if (typeof known === 'number' || known instanceof Error) return known;
    if (!known) {
      const work = modelMemory(rt.entry, this.deps.files).then(
        (bytes) => void this.needs.set(key, bytes),
        (err: unknown) => void this.needs.set(key, new Error(`its memory cannot be estimated (${(err as Error).message}); declare memory`)),
      );
      this.needs.set(key, work.then(() => this.schedulePlan()));
    }
    return null;
  }

  private views(): ServerView[] {
    const now = this.clock.now();
    return this.managed().map((rt) => {
      const m = rt.managed!;
      const holding = m.state === 'starting' || m.state === 'ready' || m.state === 'draining' || m.state === 'stopping';
      // a server still starting is never made to give way: its window counts from now (it has served nothing yet)
      const starting = m.state === 'starting';
      return {
        name: rt.name,
        state: m.state,
        device: m.device,
        memory: holding ? (m.memory ?? 0) : 0,
        busy: starting || rt.inFlight > 0 || rt.queued > 0,
        lastUsed: rt.lastUsed,
        readyAt: starting ? now : m.readyAt,
        groups: this.groupsOf(rt.name),
      };
    });
  }

  private groupsOf(model: string): string[] {
    return Object.entries(this.settings().groups)
      .filter(([, g]) => g.exclusive && g.members.includes(model))
      .map(([name]) => name);
  }

  /** Idle servers stop (or sleep); docker containers that died are noticed. */
  private sweep(): void {
    const L = this.settings();
    const now = this.clock.now();
    if (now - this.lastContainerCheck >= CONTAINER_CHECK_MS) {
      this.lastContainerCheck = now;
      for (const rt of this.managed()) void rt.managed!.checkContainer();
    }
    for (const rt of this.managed()) {
      const m = rt.managed!;
      if (rt.retired && m.state === 'off') continue;
      if (m.state === 'ready' && m.failures > 0 && now - m.readyAt >= STABLE_MS) m.failures = 0;
      const timeout = rt.entry.idle_timeout ?? L.idle_timeout;
      if (m.state !== 'ready' || timeout === 0 || rt.inFlight > 0 || rt.queued > 0) continue;
      if (now - Math.max(rt.lastUsed, m.readyAt) < timeout) continue;
      this.deps.logger.log('info', { msg: rt.entry.idle === 'sleep' ? 'model idle: sleeping' : 'model idle: stopping', model: rt.name, idle_ms: Math.round(now - rt.lastUsed) });
      m.sleepLevel = rt.entry.sleep_level;
      this.drain(rt.name, rt.entry.idle === 'sleep' ? 'sleep' : 'stop');
    }
  }

  private managed(): ModelRuntime[] {
    return this.runtime ? this.runtime.all().filter((rt) => rt.managed !== null) : [];
  }

  eventOf(rt: ModelRuntime): LifecycleEvent {
    return {
      type: 'model',
      model: rt.name,
      ...(rt.managed ? { state: rt.managed.state } : {}),
      queued: rt.queued,
      in_flight: rt.inFlight,
      targets: rt.states.map((s) => ({ target: s.target.label, health: s.health, breaker: s.breaker.state })),
      at: new Date(this.clock.wall()).toISOString(),
    };
  }

  /** Plans again at `at` (and a millisecond after, as timers round), unless an earlier wake-up is due. */
  private wakeAt(at: number): void {
    if (this.nextWake !== null && this.nextWake <= at) return;
    this.nextWake = at;
    this.after(at - this.clock.now() + 1, () => {
      if (this.nextWake === at) this.nextWake = null;
      this.schedulePlan();
    });
  }

  private after(ms: number, task: () => void): void {
    const s = this.scheduler;
    if (s) {
      const cancel = s.after(Math.max(0, ms), () => {
        this.timers.delete(cancel);
        task();
      });
      this.timers.add(cancel);
    } else setTimeout(task, Math.max(0, ms));
  }
}

function devicesOf(L: LifecycleConfig): Device[] {
  if (L.devices) return L.devices.map((d) => ({ id: d.id, memory: d.memory }));
  return [{ id: null, memory: L.memory_budget ?? Infinity }];
}
