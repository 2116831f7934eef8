/**
 * The processes under test: two backends (bench/minimal-backend.ts, or simulators with
 * `--backend sim`: one answering at once for throughput, one paced for streaming), a bare proxy
 * and the 15-line Hono app in front of each, and one gateway per gateway variant (each with its
 * own config, routing a model to each backend; on Node, on Bun, or as `serve --workers 2`), plus
 * a redis-server for the Redis-backed rate limiter, a slow simulator for the shadow model of
 * `gateway-shadow-slow`, and the gateway of another git revision (`gateway-baseline`, from
 * `--baseline`). Every target of a phase sees the same backend and the same request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { maxTokens, type BenchOptions, type PhaseName, type TargetName } from './args.ts';
import type { CpuPlan } from './cpu.ts';
import { gatewayConfigText, gatewayVariants, REDIS_TARGETS, SHADOW_MODEL, SHADOW_TARGETS, SLOW_SHADOW, variantModels, type GatewayModel } from './gateways.ts';
import { freePort, type ProcessGroup, type ServerProcess } from './processes.ts';
import { bunMissing, redisMissing, startBackend, startGateway, startRedis, startReferenceProxy, workersUnsupported } from './servers.ts';

export { gatewayConfigText, gatewayVariants, REDIS_TARGETS, SHADOW_MODEL, SHADOW_TARGETS, SLOW_SHADOW, variantModels, writeGatewayConfig } from './gateways.ts';
export type { GatewayModel, GatewayVariant, ShadowBackends, ShadowModel } from './gateways.ts';
export { redisMissing, redisScriptCalls, shadowOutcomes, startGateway, startRedis } from './servers.ts';

export interface Endpoint {
  target: TargetName;
  url: string;
  /** The process whose CPU is the proxy's cost; null for `direct`. */
  proxy: ServerProcess | null;
  /** Request headers the target needs (the API key of the auth and limit variants). */
  headers?: Record<string, string>;
  /** Another process whose CPU is part of this target's cost (redis-server); measured apart. */
  sidecar?: ServerProcess | null;
  /** The backend of the target's shadow model (slow simulator); its CPU is measured apart, not the proxy's cost. */
  shadowBackend?: ServerProcess | null;
  /** Wait this long after measuring, for work the target goes on with (shadow copies) to end before the next target. */
  settleMs?: number;
}

export interface Phase {
  name: PhaseName;
  model: string;
  stream: boolean;
  concurrency: number;
  /** The backend every target of the phase forwards to (the minimal backend or a simulator). */
  simulator: ServerProcess;
  /** The backend's command line, for the record. */
  simulatorArgs: string[];
  endpoints: Endpoint[];
}

export interface Topology {
  phases: Phase[];
  /** Targets asked for but not run, and why. */
  skipped: Array<{ target: TargetName; reason: string }>;
  /** The gateway config of each gateway variant, for the record. */
  gatewayConfigs: Partial<Record<TargetName, string>>;
  redis: ServerProcess | null;
  /** The gateway of each shadow target, to ask it (GET /metrics) what became of the shadow copies. */
  shadowGateways: Partial<Record<TargetName, ServerProcess>>;
  /** The slow simulator behind `gateway-shadow-slow`'s shadow model, with its flags. */
  shadowSimulator: { url: string; args: string[] } | null;
}

const CHAT = '/v1/chat/completions';
/** Started only when asked for, and skipped (with the reason) when their runtime or feature is missing. */
const OPTIONAL: Array<[TargetName[], () => string | null]> = [
  [[...REDIS_TARGETS], redisMissing],
  [['gateway-bun'], bunMissing],
];

/**
 * Starts every server; the gateways' config files are written into `tempDir`. `baselineDir`:
 * the exported tree of `--baseline`, which `gateway-baseline` runs (required when it is a target).
 */
export async function startTopology(group: ProcessGroup, opts: BenchOptions, plan: CpuPlan | null, tempDir: string, baselineDir: string | null = null): Promise<Topology> {
  const rest = plan?.rest ?? null;
  const proxyCpus = plan?.proxy ?? null;
  const allCpus = plan ? `${plan.proxy},${plan.rest}` : null;
  const skipped: Topology['skipped'] = [];
  const want = new Set(opts.targets);
  if (want.has('gateway-baseline') && !baselineDir) throw new Error('gateway-baseline needs --baseline REV');
  for (const [targets, missing] of OPTIONAL) {
    const asked = targets.filter((t) => want.has(t));
    const reason = asked.length ? missing() : null;
    if (!reason) continue;
    for (const target of asked) {
      skipped.push({ target, reason });
      want.delete(target);
    }
  }

  const backend = (name: string, model: string, ttftMs: number, tokenDelayMs: number) => startBackend(group, name, opts.backend, { model, chunks: opts.chunks, ttftMs, tokenDelayMs }, rest);
  const [fastBackend, pacedBackend, redis, slowBackend, deadPort] = await Promise.all([
    backend(`${opts.backend}-fast`, 'bench', 0, 0),
    backend(`${opts.backend}-paced`, 'bench-stream', opts.streamTtftMs, opts.streamTokenDelayMs),
    REDIS_TARGETS.some((t) => want.has(t)) ? startRedis(group, rest) : null,
    // always the simulator: it paces JSON answers too
    want.has('gateway-shadow-slow') ? startBackend(group, 'sim-shadow-slow', 'sim', { model: SHADOW_MODEL, chunks: maxTokens(opts), ...SLOW_SHADOW }, rest) : null,
    // free a moment ago, and nothing of ours listens there: connections are refused
    want.has('gateway-shadow-failing') ? freePort() : null,
  ]);
  const fast = fastBackend.server;
  const paced = pacedBackend.server;
  const slow = slowBackend?.server ?? null;

  const apiKey = `mt-bench-${randomBytes(16).toString('hex')}`;
  const keySha256 = createHash('sha256').update(apiKey).digest('hex');
  const variants = gatewayVariants(keySha256, redis?.url ?? null, `modeltainer-bench-${Date.now()}:`, { slowUrl: slow?.url ?? null, deadPort }).filter((v) => want.has(v.target));
  const models: GatewayModel[] = [
    { name: 'bench', url: fast.url },
    { name: 'bench-stream', url: paced.url },
  ];
  const gatewayConfigs: Topology['gatewayConfigs'] = {};
  const reference = (kind: 'bare-proxy' | 'hono-app', to: ServerProcess, model: string, which: string) =>
    want.has(kind) ? startReferenceProxy(group, `${kind}-${which}`, kind, to, model, proxyCpus) : Promise.resolve(null);
  const [bareFast, barePaced, honoFast, honoPaced, ...gateways] = await Promise.all([
    reference('bare-proxy', fast, 'bench', 'fast'),
    reference('bare-proxy', paced, 'bench-stream', 'paced'),
    reference('hono-app', fast, 'bench', 'fast'),
    reference('hono-app', paced, 'bench-stream', 'paced'),
    ...variants.map((v) => {
      const text = gatewayConfigText(variantModels(v, models), v.extra);
      const config = join(tempDir, `${v.target}.yaml`);
      writeFileSync(config, text);
      gatewayConfigs[v.target] = text.replace(keySha256, '<sha256 of the bench key>');
      // absolute: gateway-baseline runs in another working directory
      const profile = opts.profileDir ? resolve(opts.profileDir, v.target) : null;
      // the workers share the machine's cores: pinning them to the proxy's core would defeat them, and
      // with no CPU list they would inherit this process's own pinning (the load generator's core)
      const cpus = v.workers ? allCpus : proxyCpus;
      const started = startGateway(group, v.target, config, cpus, v.logLevel, profile, v.baseline ? baselineDir : null, { ...(v.runtime ? { runtime: v.runtime } : {}), ...(v.workers ? { workers: v.workers } : {}) });
      // a gateway without --workers yet: skipped, not failed
      return started.catch((err: unknown) => {
        const reason = v.workers ? workersUnsupported(err) : null;
        if (!reason) throw err;
        skipped.push({ target: v.target, reason });
        want.delete(v.target);
        return null;
      });
    }),
  ]);
  const gatewayOf = new Map(variants.flatMap((v, i) => (gateways[i] ? [[v.target, { server: gateways[i], variant: v }] as const] : [])));

  // a copy still running when the measurement ends takes this long at most (plus queueing)
  const shadowSettleMs = SLOW_SHADOW.ttftMs + SLOW_SHADOW.tokenDelayMs * maxTokens(opts) + 500;
  if (deadPort !== null) {
    const taken = [fast, paced, redis, slow, bareFast, barePaced, honoFast, honoPaced, ...gateways].filter((p): p is ServerProcess => p !== null).find((p) => new URL(p.url).port === String(deadPort));
    if (taken) throw new Error(`the port meant to refuse connections (${deadPort}) went to ${taken.name}; run again`);
  }
  const endpoints = (backendServer: ServerProcess, bareProxy: ServerProcess | null, honoApp: ServerProcess | null): Endpoint[] =>
    [...want].flatMap((target): Endpoint[] => {
      if (target === 'direct') return [{ target, url: backendServer.url + CHAT, proxy: null }];
      if (target === 'bare-proxy') return bareProxy ? [{ target, url: bareProxy.url + CHAT, proxy: bareProxy }] : [];
      if (target === 'hono-app') return honoApp ? [{ target, url: honoApp.url + CHAT, proxy: honoApp }] : [];
      const gw = gatewayOf.get(target);
      if (!gw) return [];
      return [
        {
          target,
          url: gw.server.url + CHAT,
          proxy: gw.server,
          ...(gw.variant.key ? { headers: { authorization: `Bearer ${apiKey}` } } : {}),
          ...(REDIS_TARGETS.includes(target) ? { sidecar: redis } : {}),
          ...(target === 'gateway-shadow-slow' ? { shadowBackend: slow, settleMs: shadowSettleMs } : {}),
        },
      ];
    });

  const fastEndpoints = endpoints(fast, bareFast, honoFast);
  const pacedEndpoints = endpoints(paced, barePaced, honoPaced);
  const phases: Phase[] = [
    { name: 'non-stream', model: 'bench', stream: false, concurrency: opts.concurrency, simulator: fast, simulatorArgs: fastBackend.args, endpoints: fastEndpoints },
    { name: 'stream', model: 'bench-stream', stream: true, concurrency: opts.streamConcurrency, simulator: paced, simulatorArgs: pacedBackend.args, endpoints: pacedEndpoints },
    // one stream at a time: the time to first token each proxy adds, with nothing queued
    { name: 'stream-c1', model: 'bench-stream', stream: true, concurrency: 1, simulator: paced, simulatorArgs: pacedBackend.args, endpoints: pacedEndpoints },
  ];
  const shadowGateways: Topology['shadowGateways'] = {};
  for (const t of SHADOW_TARGETS) {
    const gw = gatewayOf.get(t);
    if (gw) shadowGateways[t] = gw.server;
  }
  return {
    phases: phases.filter((p) => opts.phases.includes(p.name)),
    skipped,
    gatewayConfigs,
    redis,
    shadowGateways,
    shadowSimulator: slowBackend ? { url: slowBackend.server.url, args: slowBackend.args } : null,
  };
}

export function requestBody(phase: Phase, tokens: number): string {
  const body: Record<string, unknown> = {
    model: phase.model,
    messages: [{ role: 'user', content: 'Write a haiku about reverse proxies.' }],
    max_tokens: tokens,
  };
  if (phase.stream) body.stream = true;
  return JSON.stringify(body);
}
