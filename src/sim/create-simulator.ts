/** createSimulator: options with defaults, shared state, and the Hono app of the chosen flavour. */
import { Hono } from 'hono';
import { controlApp } from './control.ts';
import type { EngineEnv } from './engine.ts';
import { EngineSleep } from './engine-sleep.ts';
import { FaultQueue } from './faults.ts';
import { llamacppFlavor } from './flavor-llamacpp.ts';
import { vllmFlavor } from './flavor-vllm.ts';
import { llamacppApp } from './routes-llamacpp.ts';
import { vllmApp } from './routes-vllm.ts';
import type { ResolvedOptions, SimCore } from './sim-core.ts';
import { SlotPool } from './slots.ts';
import { StatsTracker } from './stats.ts';
import type { SimOptions, Simulator } from './types.ts';

export const DEFAULT_MODELS = { llamacpp: 'tiny-llama', vllm: 'Qwen/Qwen2.5-0.5B-Instruct' } as const;

function count(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new Error(`SimOptions.${name} must be a number >= ${min}, got ${String(value)}`);
  }
  return value;
}

export function resolveOptions(opts: SimOptions): ResolvedOptions {
  if (opts.flavor !== 'llamacpp' && opts.flavor !== 'vllm') {
    throw new Error(`SimOptions.flavor must be 'llamacpp' or 'vllm', got ${String(opts.flavor)}`);
  }
  const resolved: ResolvedOptions = {
    flavor: opts.flavor,
    model: opts.model ?? DEFAULT_MODELS[opts.flavor],
    ttftMs: count('ttftMs', opts.ttftMs, 0, 0),
    tokenDelayMs: count('tokenDelayMs', opts.tokenDelayMs, 0, 0),
    defaultMaxTokens: Math.floor(count('defaultMaxTokens', opts.defaultMaxTokens, 16, 0)),
    ctxSize: Math.floor(count('ctxSize', opts.ctxSize, 4096, 1)),
    parallel: Math.floor(count('parallel', opts.parallel, 4, 1)),
    // llama-server's --reranking turns on --embeddings (with rank pooling).
    embeddings: opts.embeddings === true || (opts.flavor === 'llamacpp' && opts.rerank === true),
    rerank: opts.rerank ?? false,
    loadMs: count('loadMs', opts.loadMs, 0, 0),
    // Sleep mode is vLLM's; the llama.cpp flavour ignores it.
    sleepMode: opts.flavor === 'vllm' && opts.sleepMode === true,
    sleepMs: count('sleepMs', opts.sleepMs, 50, 0),
    wakeMs: count('wakeMs', opts.wakeMs, 50, 0),
    now: opts.now ?? Date.now,
  };
  if (opts.apiKey) resolved.apiKey = opts.apiKey;
  return resolved;
}

export function createSimulator(opts: SimOptions): Simulator {
  const options = resolveOptions(opts);
  const readyAt = Date.now() + options.loadMs;
  const llama = options.flavor === 'llamacpp';
  const slots = llama ? new SlotPool(options.parallel) : null;
  const engineSleep = options.sleepMode ? new EngineSleep({ sleepMs: options.sleepMs, wakeMs: options.wakeMs }) : null;
  const stats = new StatsTracker(() => engineSleep?.isSleeping() ?? false);
  engineSleep?.attach(stats);
  const env: EngineEnv = {
    flavor: llama ? llamacppFlavor : vllmFlavor,
    model: options.model,
    ttftMs: options.ttftMs,
    tokenDelayMs: options.tokenDelayMs,
    defaultMaxTokens: options.defaultMaxTokens,
    slots,
    sleep: engineSleep,
    now: options.now,
  };
  const faults = new FaultQueue();
  faults.push(...(opts.faults ?? []));
  const core: SimCore = { options, env, stats, faults, readyAt, engineSleep };

  const flavorApp = slots ? llamacppApp(core, slots) : vllmApp(core);
  const app = new Hono();
  app.route('/_sim', controlApp(core));
  app.all('*', (c) => flavorApp.fetch(c.req.raw));

  return {
    fetch: async (req: Request) => app.fetch(req),
    injectFault: (f) => faults.push(f),
    stats: () => core.stats.snapshot(),
    options: Object.freeze({ ...options }),
    readyAt,
  };
}
