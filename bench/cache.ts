/**
 * Response cache benchmark: in one run, the same chat request (JSON and SSE) sent to a
 * simulator with a realistic time per token, straight and through a bare node:http proxy,
 * then through the gateway to a model without cache and to a cached model, all with a new
 * prompt every time (for the cached model every request a miss, stored); then the cached
 * model with one prompt: every request a hit, from memory and, when redis-server is
 * installed, from Redis. See docs/benchmarks.md.
 *
 *   npm run bench:cache -- [--duration 10s] [--warmup 2s] [--concurrency 16] [--tokens 32] [--ttft 20ms] [--token-delay 5ms]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration as ms } from './args.ts';
import { fileStamp, gitState, machine, RESULTS_DIR, ROOT } from './environment.ts';
import { runLoad } from './load-generator.ts';
import { ProcessGroup, type ServerProcess } from './processes.ts';
import { redisMissing, startBackend, startGateway, startRedis, startReferenceProxy } from './servers.ts';
import { round, summarize } from './stats.ts';

const MODEL = 'cache-bench';

interface Target {
  name: string;
  url: string;
  model: string;
  /** one prompt for every request (each one a hit); the others get a new prompt every time (a miss) */
  same?: boolean;
}

interface Row {
  phase: 'json' | 'stream';
  target: string;
  requestsPerSec: number;
  completed: number;
  errors: number;
  latencyP50: number;
  latencyP99: number;
  ttfbP50: number;
}

function gatewayConfig(backend: string, redisUrl: string | null): string {
  const cache = redisUrl ? `cache: { store: redis, redis_url: "${redisUrl}", prefix: "bench-${Date.now()}:" }\n` : '';
  return `version: 1
${cache}models:
  - { name: plain, backend: vllm, backend_url: "${backend}", upstream_model: ${MODEL} }
  - { name: cached, backend: vllm, backend_url: "${backend}", upstream_model: ${MODEL}, cache: { max_bytes: 256MiB, max_entries: 1000000 } }
`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10s' },
      warmup: { type: 'string', default: '2s' },
      concurrency: { type: 'string', default: '16' },
      tokens: { type: 'string', default: '32' },
      ttft: { type: 'string', default: '20ms' },
      'token-delay': { type: 'string', default: '5ms' },
    },
  });
  const durationMs = ms(values.duration);
  const warmupMs = ms(values.warmup);
  const concurrency = Number(values.concurrency);
  const tokens = Number(values.tokens);
  const group = new ProcessGroup(ROOT);
  const dir = mkdtempSync(join(tmpdir(), 'modeltainer-bench-cache-'));
  process.on('exit', () => {
    group.killAllNow();
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    const { server: sim, args: simArgs } = await startBackend(group, 'simulator', 'sim', { model: MODEL, chunks: tokens, ttftMs: ms(values.ttft), tokenDelayMs: ms(values['token-delay']) }, null);
    const bare = await startReferenceProxy(group, 'bare-proxy', 'bare-proxy', sim, MODEL, null);
    const memoryConfig = join(dir, 'memory.yaml');
    writeFileSync(memoryConfig, gatewayConfig(sim.url, null));
    const gateway = await startGateway(group, 'gateway', memoryConfig, null, 'warn', null);
    let redisGateway: ServerProcess | null = null;
    const noRedis = redisMissing();
    if (noRedis) console.log(`skipping the Redis hit: ${noRedis}`);
    else {
      const redis = await startRedis(group, null);
      const redisConfig = join(dir, 'redis.yaml');
      writeFileSync(redisConfig, gatewayConfig(sim.url, redis.url));
      redisGateway = await startGateway(group, 'gateway-redis', redisConfig, null, 'warn', null);
    }
    const targets: Target[] = [
      { name: 'direct', url: sim.url, model: MODEL },
      { name: 'bare-proxy', url: bare.url, model: MODEL },
      { name: 'gateway (no cache)', url: gateway.url, model: 'plain' },
      { name: 'gateway cache miss', url: gateway.url, model: 'cached' },
      { name: 'gateway cache hit', url: gateway.url, model: 'cached', same: true },
      ...(redisGateway ? [{ name: 'gateway cache hit (redis)', url: redisGateway.url, model: 'cached', same: true }] : []),
    ];
    const rows: Row[] = [];
    let n = 0;
    for (const phase of ['json', 'stream'] as const) {
      const stream = phase === 'stream';
      for (const t of targets) {
        const body = (prompt: string) => JSON.stringify({ model: t.model, messages: [{ role: 'user', content: prompt }], max_tokens: tokens, temperature: 0, stream });
        const fixed = body(`the same question, ${phase}`);
        process.stdout.write(`${phase.padEnd(6)} ${t.name.padEnd(26)} ... `);
        const r = await runLoad({ url: `${t.url}/v1/chat/completions`, body: t.same ? fixed : () => body(`question ${++n}, ${phase}`), stream, concurrency, warmupMs, durationMs });
        const latency = summarize(r.latencyMs);
        const row: Row = {
          phase,
          target: t.name,
          requestsPerSec: round(r.completed / (durationMs / 1000), 1),
          completed: r.completed,
          errors: r.errorCount,
          latencyP50: round(latency.p50),
          latencyP99: round(latency.p99),
          ttfbP50: round(summarize(r.ttfbMs).p50),
        };
        rows.push(row);
        console.log(`${row.requestsPerSec} req/s, p50 ${row.latencyP50} ms, p99 ${row.latencyP99} ms, ttfb p50 ${row.ttfbP50} ms${row.errors ? `, ${row.errors} errors ${JSON.stringify(r.errors)}` : ''}`);
      }
    }
    console.log(`\n| phase | target | req/s | p50 ms | p99 ms | ttfb p50 ms |\n|---|---|---:|---:|---:|---:|`);
    for (const r of rows) console.log(`| ${r.phase} | ${r.target} | ${r.requestsPerSec} | ${r.latencyP50} | ${r.latencyP99} | ${r.ttfbP50} |`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `cache-${fileStamp()}.json`);
    writeFileSync(file, JSON.stringify({ options: { durationMs, warmupMs, concurrency, tokens, simulator: simArgs }, git: gitState(), machine: machine(), rows }, null, 2));
    console.log(`\nwrote ${file}`);
    return rows.some((r) => r.errors > 0 || r.completed === 0) ? 1 : 0;
  } finally {
    await group.stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
