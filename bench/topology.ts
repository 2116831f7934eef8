/**
 * The processes under test: two simulators (fast for throughput, paced for streaming), one
 * bare proxy in front of each, and one gateway process per gateway variant (each with its
 * own config, routing a model to each simulator), plus a redis-server for the Redis-backed
 * rate limiter, a slow simulator for the shadow model of `gateway-shadow-slow`, and the gateway
 * of another git revision (`gateway-baseline`, from `--baseline`). Every target of a phase sees
 * the same simulator and the same request.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { BenchOptions, PhaseName, TargetName } from './args.ts';
import { GATEWAY_CLI } from './baseline.ts';
import type { CpuPlan } from './cpu.ts';
import { freePort, type ProcessGroup, type ServerProcess } from './processes.ts';

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
  simulator: ServerProcess;
  /** Simulator flags, for the record. */
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

const CLI = GATEWAY_CLI;
const CHAT = '/v1/chat/completions';
/** The targets whose rate limiter talks to the benchmark's redis-server. */
export const REDIS_TARGETS: readonly TargetName[] = ['gateway-limits-redis', 'gateway-limits-redis-exact'];

/** The targets whose config copies every request to a shadow model. */
export const SHADOW_TARGETS: readonly TargetName[] = ['gateway-shadow-slow', 'gateway-shadow-failing'];
/** The shadow model's name (and the slow simulator's served model). */
export const SHADOW_MODEL = 'bench-shadow';
/** The slow shadow backend: a vLLM-like simulator far slower than the models it shadows. */
export const SLOW_SHADOW = { ttftMs: 300, tokenDelayMs: 50 } as const;

/** Per-key limits far above anything the benchmark can reach: checked and counted, never hit. */
const NEVER_HIT = 'rpm: 1000000000, tpm: 1000000000000';

export interface GatewayModel {
  name: string;
  url: string;
  backend?: 'vllm' | 'llamacpp' | 'openai';
  /** More fields of the model, one YAML line each (`shadow: {…}`, `retry: {…}`), indented by the writer. */
  lines?: string[];
}

/** A shadow model every request of the benchmark's models is copied to. */
export interface ShadowModel {
  backend: 'vllm' | 'openai';
  url: string;
  lines?: string[];
}

export interface GatewayVariant {
  target: TargetName;
  logLevel: 'warn' | 'info';
  /** Config sections besides `version` and `models`. */
  extra: string[];
  /** Whether clients must send the API key. */
  key: boolean;
  /** `bench` and `bench-stream` get `shadow: { model: bench-shadow, sample: 1 }`, and this is `bench-shadow`. */
  shadow?: ShadowModel;
  /** Runs the gateway of the `--baseline` revision's tree, not the working tree's. */
  baseline?: boolean;
}

export interface ShadowBackends {
  /** The slow simulator's URL (`gateway-shadow-slow`). */
  slowUrl: string | null;
  /** A loopback port nothing listens on (`gateway-shadow-failing`). */
  deadPort: number | null;
}

/** Each gateway target: what differs from the default config (metrics on, no auth, no limits). */
export function gatewayVariants(keySha256: string, redisUrl: string | null, prefix: string, shadows: ShadowBackends = { slowUrl: null, deadPort: null }): GatewayVariant[] {
  const key = (limits: string) => ['auth:', '  keys:', `    - { name: bench, key_sha256: ${keySha256}${limits ? `, ${limits}` : ''} }`];
  return [
    { target: 'gateway', logLevel: 'warn', extra: [], key: false },
    // the same config as `gateway`, served by another revision's code
    { target: 'gateway-baseline', logLevel: 'warn', extra: [], key: false, baseline: true },
    { target: 'gateway-shadow-slow', logLevel: 'warn', extra: [], key: false, shadow: { backend: 'vllm', url: shadows.slowUrl ?? 'http://127.0.0.1:9/' } },
    {
      target: 'gateway-shadow-failing',
      logLevel: 'warn',
      extra: [],
      key: false,
      // connections refused: one attempt per copy, no retries
      shadow: { backend: 'openai', url: `http://127.0.0.1:${shadows.deadPort ?? 9}/v1`, lines: ['retry: { attempts: 1 }'] },
    },
    { target: 'gateway-logs', logLevel: 'info', extra: [], key: false },
    { target: 'gateway-no-metrics', logLevel: 'warn', extra: ['metrics: { enabled: false }'], key: false },
    { target: 'gateway-auth', logLevel: 'warn', extra: key(''), key: true },
    { target: 'gateway-limits-memory', logLevel: 'warn', extra: [...key(NEVER_HIT), 'rate_limits: { store: memory }'], key: true },
    {
      target: 'gateway-limits-redis',
      logLevel: 'warn',
      extra: [...key(NEVER_HIT), `rate_limits: { store: redis, redis_url: "${redisUrl ?? ''}", prefix: "${prefix}" }`],
      key: true,
    },
    {
      target: 'gateway-limits-redis-exact',
      logLevel: 'warn',
      extra: [...key(NEVER_HIT), `rate_limits: { store: redis, redis_url: "${redisUrl ?? ''}", prefix: "${prefix}exact:", sync_interval: 0 }`],
      key: true,
    },
  ];
}

function simArgs(model: string, ttftMs: number, tokenDelayMs: number): string[] {
  return ['--flavor', 'vllm', '--port', '0', '--served-model-name', model, '--ttft-ms', String(ttftMs), '--token-delay-ms', String(tokenDelayMs)];
}

/** A gateway config with one model per entry (backend vllm unless said), plus `extra` top-level lines. */
export function gatewayConfigText(models: GatewayModel[], extra: string[] = []): string {
  const lines = ['version: 1', ...extra, 'models:'];
  for (const m of models) {
    lines.push(`  - name: ${JSON.stringify(m.name)}`, `    backend: ${m.backend ?? 'vllm'}`, `    backend_url: ${m.url}`);
    for (const l of m.lines ?? []) lines.push(`    ${l}`);
  }
  return lines.join('\n') + '\n';
}

/** Writes gatewayConfigText(models, extra) to `file`. */
export function writeGatewayConfig(file: string, models: GatewayModel[], extra: string[] = []): string {
  writeFileSync(file, gatewayConfigText(models, extra));
  return file;
}

/** The models of a variant's config: the benchmark's models, plus the shadow model (and a `shadow:` on each) when it has one. */
export function variantModels(variant: GatewayVariant, models: GatewayModel[]): GatewayModel[] {
  const { shadow } = variant;
  if (!shadow) return models;
  return [
    ...models.map((m) => ({ ...m, lines: [...(m.lines ?? []), `shadow: { model: ${SHADOW_MODEL}, sample: 1 }`] })),
    { name: SHADOW_MODEL, url: shadow.url, backend: shadow.backend, ...(shadow.lines ? { lines: shadow.lines } : {}) },
  ];
}

export async function startGateway(
  group: ProcessGroup,
  name: string,
  config: string,
  cpus: string | null,
  logLevel: 'warn' | 'info',
  profileDir: string | null,
  /** Another tree to run the gateway from (the exported `--baseline` revision); its own directory is the working directory. */
  tree: string | null = null,
): Promise<ServerProcess> {
  const port = await freePort();
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  return group.start({
    name,
    nodeArgs: [...profile, '--import', 'tsx', tree ? join(tree, CLI) : CLI, 'serve', '--config', config, '--port', String(port)],
    cpus,
    ...(tree ? { cwd: tree } : {}),
    env: { LOG_LEVEL: logLevel },
    // warn: stdout shows only problems; info: one line per request, written to /dev/null.
    ready: { kind: 'poll', port, readyPath: '/readyz', stdout: logLevel === 'info' ? 'ignore' : 'inherit' },
  });
}

/** Null when redis-server can be started, else why not. */
export function redisMissing(): string | null {
  const out = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (out.error) return `redis-server not installed (${(out.error as NodeJS.ErrnoException).code ?? out.error.message})`;
  return out.status === 0 ? null : `redis-server --version failed: ${out.stderr.trim()}`;
}

/** A throwaway redis-server on a free loopback port, no persistence. */
export async function startRedis(group: ProcessGroup, cpus: string | null): Promise<ServerProcess> {
  const port = await freePort();
  return group.start({
    name: 'redis-server',
    command: 'redis-server',
    nodeArgs: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    cpus,
    ready: { kind: 'stdout-match', match: 'Ready to accept connections', url: `redis://127.0.0.1:${port}` },
  });
}

/** How many EVAL / EVALSHA calls the server has run (the Redis store's commands); null if it cannot tell. */
export async function redisScriptCalls(url: string): Promise<number | null> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined); // reported as null below
  try {
    await redis.connect();
    const info = await redis.info('commandstats');
    let calls = 0;
    for (const m of info.matchAll(/^cmdstat_(?:eval|evalsha):calls=(\d+)/gm)) calls += Number(m[1]);
    return calls;
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/**
 * What became of a gateway's shadow copies so far, by outcome (ok, error, timeout, skipped),
 * summed over its models, from `modeltainer_shadow_requests_total` on GET /metrics; null if it
 * cannot tell (metrics unreachable, or a gateway without that counter).
 */
export async function shadowOutcomes(gatewayUrl: string): Promise<Record<string, number> | null> {
  try {
    const res = await fetch(`${gatewayUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    if (!res.ok || !text.includes('modeltainer_shadow_requests_total')) return null;
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^modeltainer_shadow_requests_total\{([^}]*)\}\s+(\S+)/gm)) {
      const outcome = /outcome="([^"]*)"/.exec(m[1] ?? '')?.[1] ?? 'unknown';
      out[outcome] = (out[outcome] ?? 0) + Number(m[2]);
    }
    return out;
  } catch {
    return null;
  }
}

/**
 * Starts every server; the gateways' config files are written into `tempDir`. `baselineDir`:
 * the exported tree of `--baseline`, which `gateway-baseline` runs (required when it is a target).
 */
export async function startTopology(group: ProcessGroup, opts: BenchOptions, plan: CpuPlan | null, tempDir: string, baselineDir: string | null = null): Promise<Topology> {
  const rest = plan?.rest ?? null;
  const proxyCpus = plan?.proxy ?? null;
  const skipped: Topology['skipped'] = [];
  const want = new Set(opts.targets);
  if (want.has('gateway-baseline') && !baselineDir) throw new Error('gateway-baseline needs --baseline REV');
  const redisTargets = REDIS_TARGETS.filter((t) => want.has(t));
  const missing = redisTargets.length ? redisMissing() : null;
  if (missing) {
    for (const target of redisTargets) {
      skipped.push({ target, reason: missing });
      want.delete(target);
    }
  }

  const fastArgs = simArgs('bench', 0, 0);
  const pacedArgs = simArgs('bench-stream', opts.streamTtftMs, opts.streamTokenDelayMs);
  const sim = (name: string, args: string[]) => group.start({ name, nodeArgs: ['--import', 'tsx', CLI, 'sim', ...args], cpus: rest, ready: { kind: 'stdout-url' } });
  const slowArgs = simArgs(SHADOW_MODEL, SLOW_SHADOW.ttftMs, SLOW_SHADOW.tokenDelayMs);
  const [fast, paced, redis, slow, deadPort] = await Promise.all([
    sim('sim-fast', fastArgs),
    sim('sim-paced', pacedArgs),
    REDIS_TARGETS.some((t) => want.has(t)) ? startRedis(group, rest) : null,
    want.has('gateway-shadow-slow') ? sim('sim-shadow-slow', slowArgs) : null,
    // free a moment ago, and nothing of ours listens there: connections are refused
    want.has('gateway-shadow-failing') ? freePort() : null,
  ]);

  const apiKey = `mt-bench-${randomBytes(16).toString('hex')}`;
  const keySha256 = createHash('sha256').update(apiKey).digest('hex');
  const variants = gatewayVariants(keySha256, redis?.url ?? null, `modeltainer-bench-${Date.now()}:`, { slowUrl: slow?.url ?? null, deadPort }).filter((v) => want.has(v.target));
  const models: GatewayModel[] = [
    { name: 'bench', url: fast.url },
    { name: 'bench-stream', url: paced.url },
  ];
  const gatewayConfigs: Topology['gatewayConfigs'] = {};
  const bare = (name: string, to: ServerProcess) =>
    want.has('bare-proxy')
      ? group.start({ name, nodeArgs: ['--import', 'tsx', 'bench/bare-proxy.ts', '--target', to.url], cpus: proxyCpus, ready: { kind: 'stdout-url' } })
      : Promise.resolve(null);
  const [bareFast, barePaced, ...gateways] = await Promise.all([
    bare('bare-proxy-fast', fast),
    bare('bare-proxy-paced', paced),
    ...variants.map((v) => {
      const text = gatewayConfigText(variantModels(v, models), v.extra);
      const config = join(tempDir, `${v.target}.yaml`);
      writeFileSync(config, text);
      gatewayConfigs[v.target] = text.replace(keySha256, '<sha256 of the bench key>');
      // absolute: gateway-baseline runs in another working directory
      const profile = opts.profileDir ? resolve(opts.profileDir, v.target) : null;
      return startGateway(group, v.target, config, proxyCpus, v.logLevel, profile, v.baseline ? baselineDir : null);
    }),
  ]);
  const gatewayOf = new Map(variants.map((v, i) => [v.target, { server: gateways[i] as ServerProcess, variant: v }]));

  // a copy still running when the measurement ends takes this long at most (plus queueing)
  const shadowSettleMs = SLOW_SHADOW.ttftMs + SLOW_SHADOW.tokenDelayMs * opts.tokens + 500;
  if (deadPort !== null) {
    const taken = [fast, paced, redis, slow, bareFast, barePaced, ...gateways].filter((p): p is ServerProcess => p !== null).find((p) => new URL(p.url).port === String(deadPort));
    if (taken) throw new Error(`the port meant to refuse connections (${deadPort}) went to ${taken.name}; run again`);
  }
  const endpoints = (simulator: ServerProcess, bareProxy: ServerProcess | null): Endpoint[] =>
    [...want].flatMap((target): Endpoint[] => {
      if (target === 'direct') return [{ target, url: simulator.url + CHAT, proxy: null }];
      if (target === 'bare-proxy') return bareProxy ? [{ target, url: bareProxy.url + CHAT, proxy: bareProxy }] : [];
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

  const phases: Phase[] = [
    { name: 'non-stream', model: 'bench', stream: false, concurrency: opts.concurrency, simulator: fast, simulatorArgs: fastArgs, endpoints: endpoints(fast, bareFast) },
    { name: 'stream', model: 'bench-stream', stream: true, concurrency: opts.streamConcurrency, simulator: paced, simulatorArgs: pacedArgs, endpoints: endpoints(paced, barePaced) },
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
    shadowSimulator: slow ? { url: slow.url, args: slowArgs } : null,
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
