/**
 * The processes under test: two simulators (fast for throughput, paced for streaming), one
 * bare proxy in front of each, and one gateway process per gateway variant (each with its
 * own config, routing a model to each simulator), plus a redis-server for the Redis-backed
 * rate limiter. Every target of a phase sees the same simulator and the same request.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { BenchOptions, PhaseName, TargetName } from './args.ts';
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
}

const CLI = 'adapters/node/cli.ts';
const CHAT = '/v1/chat/completions';
/** The targets whose rate limiter talks to the benchmark's redis-server. */
export const REDIS_TARGETS: readonly TargetName[] = ['gateway-limits-redis', 'gateway-limits-redis-exact'];

/** Per-key limits far above anything the benchmark can reach: checked and counted, never hit. */
const NEVER_HIT = 'rpm: 1000000000, tpm: 1000000000000';

export interface GatewayVariant {
  target: TargetName;
  logLevel: 'warn' | 'info';
  /** Config sections besides `version` and `models`. */
  extra: string[];
  /** Whether clients must send the API key. */
  key: boolean;
}

/** Each gateway target: what differs from the default config (metrics on, no auth, no limits). */
export function gatewayVariants(keySha256: string, redisUrl: string | null, prefix: string): GatewayVariant[] {
  const key = (limits: string) => ['auth:', '  keys:', `    - { name: bench, key_sha256: ${keySha256}${limits ? `, ${limits}` : ''} }`];
  return [
    { target: 'gateway', logLevel: 'warn', extra: [], key: false },
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

/** Writes a gateway config with one model per entry (backend vllm unless said), plus `extra` top-level lines. */
export function writeGatewayConfig(file: string, models: Array<{ name: string; url: string; backend?: 'vllm' | 'llamacpp' }>, extra: string[] = []): string {
  const lines = ['version: 1', ...extra, 'models:'];
  for (const m of models) lines.push(`  - name: ${JSON.stringify(m.name)}`, `    backend: ${m.backend ?? 'vllm'}`, `    backend_url: ${m.url}`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export async function startGateway(
  group: ProcessGroup,
  name: string,
  config: string,
  cpus: string | null,
  logLevel: 'warn' | 'info',
  profileDir: string | null,
): Promise<ServerProcess> {
  const port = await freePort();
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  return group.start({
    name,
    nodeArgs: [...profile, '--import', 'tsx', CLI, 'serve', '--config', config, '--port', String(port)],
    cpus,
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

/** Starts every server; the gateways' config files are written into `tempDir`. */
export async function startTopology(group: ProcessGroup, opts: BenchOptions, plan: CpuPlan | null, tempDir: string): Promise<Topology> {
  const rest = plan?.rest ?? null;
  const proxyCpus = plan?.proxy ?? null;
  const skipped: Topology['skipped'] = [];
  const want = new Set(opts.targets);
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
  const [fast, paced, redis] = await Promise.all([
    sim('sim-fast', fastArgs),
    sim('sim-paced', pacedArgs),
    REDIS_TARGETS.some((t) => want.has(t)) ? startRedis(group, rest) : null,
  ]);

  const apiKey = `mt-bench-${randomBytes(16).toString('hex')}`;
  const keySha256 = createHash('sha256').update(apiKey).digest('hex');
  const variants = gatewayVariants(keySha256, redis?.url ?? null, `modeltainer-bench-${Date.now()}:`).filter((v) => want.has(v.target));
  const models = [
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
      const config = writeGatewayConfig(join(tempDir, `${v.target}.yaml`), models, v.extra);
      gatewayConfigs[v.target] = v.extra.join('\n').replace(keySha256, '<sha256 of the bench key>');
      return startGateway(group, v.target, config, proxyCpus, v.logLevel, opts.profileDir ? join(opts.profileDir, v.target) : null);
    }),
  ]);
  const gatewayOf = new Map(variants.map((v, i) => [v.target, { server: gateways[i] as ServerProcess, variant: v }]));

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
        },
      ];
    });
  const phases: Phase[] = [
    { name: 'non-stream', model: 'bench', stream: false, concurrency: opts.concurrency, simulator: fast, simulatorArgs: fastArgs, endpoints: endpoints(fast, bareFast) },
    { name: 'stream', model: 'bench-stream', stream: true, concurrency: opts.streamConcurrency, simulator: paced, simulatorArgs: pacedArgs, endpoints: endpoints(paced, barePaced) },
  ];
  return { phases: phases.filter((p) => opts.phases.includes(p.name)), skipped, gatewayConfigs, redis };
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
