/**
 * Starting the servers of the benchmarks: backends (bench/minimal-backend.ts or the simulator),
 * the reference proxies (bench/bare-proxy.ts, bench/hono-app.ts), the gateway on Node (one
 * process or `--workers N`) or Bun, and redis-server; and what the run asks them afterwards.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { BackendKind } from './args.ts';
import { GATEWAY_CLI } from './baseline.ts';
import { ROOT } from './environment.ts';
import { freePort, type ProcessGroup, type ServerProcess } from './processes.ts';

const CLI = GATEWAY_CLI;
/** What makes a Node gateway start several workers unasked (`serve --workers` defaults): one process unless the target says. */
export const WORKER_ENV = ['NODE_ENV', 'MODELTAINER_WORKERS'];
const BUN = join(ROOT, 'node_modules', '.bin', 'bun');

export interface GatewayHow {
  /** Served by Bun instead of Node. */
  runtime?: 'node' | 'bun';
  /** `serve --workers N` (Node): N processes; their CPU is counted as one target's. */
  workers?: number;
}

export function simArgs(model: string, ttftMs: number, tokenDelayMs: number): string[] {
  return ['--flavor', 'vllm', '--port', '0', '--served-model-name', model, '--ttft-ms', String(ttftMs), '--token-delay-ms', String(tokenDelayMs)];
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
  how: GatewayHow = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const args = ['--config', config, '--port', String(port)];
  if (how.runtime === 'bun') {
    // Bun has no --cpu-prof: profiles are Node's only
    return group.start({ name, command: BUN, nodeArgs: ['run', 'adapters/bun/main.ts', ...args], cpus, env: { LOG_LEVEL: logLevel }, ready: { kind: 'poll', port, readyPath: '/readyz', stdout: logLevel === 'info' ? 'ignore' : 'inherit' } });
  }
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const workers = how.workers ? ['--workers', String(how.workers)] : [];
  return group.start({
    name,
    nodeArgs: [...profile, '--import', 'tsx', tree ? join(tree, CLI) : CLI, 'serve', ...args, ...workers],
    cpus,
    ...(how.workers ? { tree: true } : { unsetEnv: WORKER_ENV }),
    ...(tree ? { cwd: tree } : {}),
    env: { LOG_LEVEL: logLevel },
    // warn: stdout shows only problems; info: one line per request, written to /dev/null.
    ready: { kind: 'poll', port, readyPath: '/readyz', stdout: logLevel === 'info' ? 'ignore' : 'inherit' },
  });
}

/**
 * Why a `--workers` gateway did not start, when the reason is that this gateway has no such flag
 * (it exits with "unknown option '--workers'"); null for any other failure, which is a real one.
 */
export function workersUnsupported(err: unknown): string | null {
  const text = err instanceof Error ? err.message : String(err);
  return /unknown option '--workers'/.test(text) ? "this gateway's serve has no --workers yet (unknown option '--workers')" : null;
}

/** Null when the bun binary of node_modules runs, else why the Bun target is skipped. */
export function bunMissing(): string | null {
  const out = spawnSync(BUN, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (out.error) return `${BUN} does not run (${(out.error as NodeJS.ErrnoException).code ?? out.error.message})`;
  return out.status === 0 ? null : `bun --version failed: ${out.stderr.trim()}`;
}

/** One backend: the minimal one (bench/minimal-backend.ts) or the simulator; `args` for the record. */
export async function startBackend(
  group: ProcessGroup,
  name: string,
  kind: BackendKind,
  o: { model: string; chunks: number; ttftMs: number; tokenDelayMs: number },
  cpus: string | null,
): Promise<{ server: ServerProcess; args: string[] }> {
  const args =
    kind === 'minimal'
      ? ['--port', '0', '--model', o.model, '--chunks', String(o.chunks), '--ttft-ms', String(o.ttftMs), '--token-delay-ms', String(o.tokenDelayMs)]
      : simArgs(o.model, o.ttftMs, o.tokenDelayMs);
  const script = kind === 'minimal' ? ['bench/minimal-backend.ts'] : [CLI, 'sim'];
  const server = await group.start({ name, nodeArgs: ['--import', 'tsx', ...script, ...args], cpus, ready: { kind: 'stdout-url' } });
  return { server, args: kind === 'minimal' ? ['bench/minimal-backend.ts', ...args] : ['sim', ...args] };
}

/** A reference proxy in front of `to`: bench/bare-proxy.ts or bench/hono-app.ts (which rewrites `model` to `model`). */
export function startReferenceProxy(group: ProcessGroup, name: string, kind: 'bare-proxy' | 'hono-app', to: ServerProcess, model: string, cpus: string | null): Promise<ServerProcess> {
  const args = kind === 'bare-proxy' ? ['bench/bare-proxy.ts', '--target', to.url] : ['bench/hono-app.ts', '--target', to.url, '--model', model];
  return group.start({ name, nodeArgs: ['--import', 'tsx', ...args], cpus, ready: { kind: 'stdout-url' } });
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
