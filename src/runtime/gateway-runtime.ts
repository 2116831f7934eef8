import type { CacheStore } from '../cache/cache-store.ts';
import type { ConfigDiff } from '../config/config-diff.ts';
import type { ConfigSnapshot, ModelEntry } from '../config/snapshot.ts';
import type { Scheduler } from '../deps.ts';
import { errors } from '../errors/errors.ts';
import { probeTarget } from '../targets/health-probe.ts';
import { ModelRuntime, type RuntimeContext } from './model-runtime.ts';
import { TargetRegistry, type Registration } from './target-registry.ts';

/** How often registrations past their ttl are removed. */
const EXPIRY_SWEEP_MS = 500;

/**
 * All live per-model state, keyed by model name. Created from the first snapshot and
 * reconciled with every reload's diff: added models start, removed ones drain and go,
 * changed ones keep whatever the change does not touch.
 */
export class GatewayRuntime {
  private readonly byName = new Map<string, ModelRuntime>();
  private readonly probes = new Map<string, { interval: number; cancel: () => void }>();
  private scheduler: Scheduler | null = null;
  private stopExpiry: (() => void) | null = null;
  private seq = 0;
  readonly registry = new TargetRegistry();
  private readonly ctx: RuntimeContext;

  constructor(snapshot: ConfigSnapshot, ctx: RuntimeContext) {
    this.ctx = { ...ctx, registered: (model) => this.registry.urls(model) };
    for (const m of snapshot.models) this.byName.set(m.name, this.create(m));
  }

  /**
   * A backend adds itself to a model (or sends its heartbeat): it joins the model's balancing
   * and health checks at once, and leaves after `ttlMs` without a heartbeat.
   */
  register(model: string, url: string, ttlMs: number, id?: string): { registration: Registration; created: boolean } {
    const rt = this.byName.get(model);
    if (!rt || rt.retired) throw errors.modelNotFound(model);
    const e = rt.entry;
    if (e.split || e.launch || e.backend === 'sim') {
      throw errors.invalidField('model', `Targets cannot register with ${model}: it is ${e.split ? 'a split model' : e.launch ? 'started by the gateway (launch)' : 'the in-process simulator'}.`);
    }
    const result = this.registry.register(model, url, ttlMs, this.ctx.clock.now(), id);
    if (result.created) this.targetsChanged(model);
    return result;
  }

  unregister(id: string): Registration | null {
    const r = this.registry.remove(id);
    if (r) this.targetsChanged(r.model);
    return r;
  }

  private targetsChanged(model: string): void {
    const rt = this.byName.get(model);
    if (!rt) return;
    rt.update(rt.entry);
    if (this.scheduler) this.armProbes();
  }

  /** The response cache's store, shared by every model that caches. */
  get cacheStore(): CacheStore | undefined {
    return this.ctx.cache?.store;
  }

  /** The live runtime of a model a request resolved; one that has left the config meanwhile still serves it. */
  model(entry: ModelEntry): ModelRuntime {
    let rt = this.byName.get(entry.name);
    if (!rt) {
      rt = this.create(entry);
      rt.retired = true;
      this.byName.set(entry.name, rt);
    }
    return rt;
  }

  get(name: string): ModelRuntime | undefined {
    return this.byName.get(name);
  }

  all(): ModelRuntime[] {
    return [...this.byName.values()];
  }

  /** Queue order across the gateway: arrival. */
  nextSeq(): number {
    return ++this.seq;
  }

  apply(next: ConfigSnapshot, diff: ConfigDiff): void {
    for (const m of next.models) {
      const rt = this.byName.get(m.name);
      if (rt) rt.update(m);
      else this.byName.set(m.name, this.create(m));
    }
    for (const name of diff.removed) {
      this.registry.dropModel(name);
      this.byName.get(name)?.retire();
    }
    // retired runtimes a request looked up after their model left (and never used) go now
    for (const [name, rt] of this.byName) if (rt.idle) this.byName.delete(name);
    if (this.scheduler) this.armProbes();
  }

  /** Starts active health checks through the server's scheduler (none on runtimes without background work). */
  start(scheduler: Scheduler): void {
    this.scheduler = scheduler;
    this.armProbes();
    this.stopExpiry = scheduler.every(EXPIRY_SWEEP_MS, () => {
      for (const model of this.registry.expire(this.ctx.clock.now())) this.targetsChanged(model);
    });
  }

  stop(): void {
    this.stopExpiry?.();
    this.stopExpiry = null;
    for (const p of this.probes.values()) p.cancel();
    this.probes.clear();
    this.scheduler = null;
  }

  /** Probes every target of every model once. */
  async probeAll(): Promise<void> {
    await Promise.all(this.all().filter((rt) => !rt.retired).map((rt) => this.probe(rt)));
  }

  private async probe(rt: ModelRuntime): Promise<void> {
    const { timeout } = rt.entry.healthSettings;
    await Promise.all(
      rt.states.map(async (state) => {
        const health = await probeTarget(state.target, timeout);
        if (!state.retired) rt.healthSeen(state, health);
      }),
    );
  }

  private armProbes(): void {
    const scheduler = this.scheduler;
    if (!scheduler) return;
    for (const [name, p] of this.probes) {
      const rt = this.byName.get(name);
      if (!rt || rt.retired || rt.entry.healthSettings.interval !== p.interval || rt.states.length === 0) {
        p.cancel();
        this.probes.delete(name);
      }
    }
    for (const rt of this.byName.values()) {
      const interval = rt.entry.healthSettings.interval;
      if (rt.retired || interval === 0 || rt.states.length === 0 || this.probes.has(rt.name)) continue;
      const run = () => void this.probe(rt);
      this.probes.set(rt.name, { interval, cancel: scheduler.every(interval, run) });
      run();
    }
  }

  private create(entry: ModelEntry): ModelRuntime {
    return new ModelRuntime(entry, this.ctx, (rt) => {
      if (this.byName.get(rt.name) === rt && rt.retired) this.byName.delete(rt.name);
    });
  }
}
