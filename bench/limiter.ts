/**
 * The rate limiter's own CPU cost, without the noise of a whole HTTP benchmark: this
 * process plays the gateway's request loop (admit, then some I/O, then finish with the
 * request's tokens) at a given concurrency: without a limiter, with the memory store, with
 * the Redis store as the gateway uses it by default (sync_interval 50ms) and with every
 * request waiting for Redis (sync_interval 0), round after round, and reports the CPU this
 * process spent per request. Redis runs pinned to another core; its CPU is not counted.
 *
 *   npm run bench:limiter -- --requests 50000 --concurrency 1,16,64 --rounds 3
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createRedisStore } from '../adapters/node/redis-store.ts';
import { createMemoryStore, createRateLimiter, createSyncedStore, type Admission, type CounterStore, type LimitScope } from '../src/index.ts';
import { planPinning } from './cpu.ts';
import { ProcessGroup } from './processes.ts';
import { fileStamp, gitState, machine, RESULTS_DIR, ROOT } from './environment.ts';
import { redisMissing, startRedis } from './topology.ts';

const SCOPES: LimitScope[] = [{ id: 'key:bench', limits: { rpm: 1_000_000_000, tpm: 1_000_000_000_000 } }];
const clock = { now: () => performance.now(), wall: () => Date.now() };
const quiet = { log: (level: string, rec: Record<string, unknown>) => console.error(level, JSON.stringify(rec)) };

type StoreName = 'none' | 'memory' | 'redis' | 'redis-exact';

export interface LimiterResult {
  store: StoreName;
  concurrency: number;
  /** per round: CPU µs of this process per request */
  cpuUsPerRequest: number[];
}

/** `concurrency` workers run `requests` requests in all; resolves with CPU µs per request. */
async function measure(store: CounterStore | null, concurrency: number, requests: number): Promise<number> {
  const limiter = store ? createRateLimiter(store, clock, quiet, `modeltainer-bench-${Date.now()}:`) : null;
  let started = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < requests) {
        started++;
        const pending = limiter?.admit(SCOPES, 60_000);
        const admission: Admission | undefined = pending instanceof Promise ? await pending : pending;
        // stands for the upstream call: the request yields to the event loop at least once
        await new Promise((r) => setImmediate(r));
        admission?.finish(30);
      }
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / requests;
}

export async function runLimiterBench(argv: string[]): Promise<LimiterResult[]> {
  const { values } = parseArgs({
    args: argv,
    options: { requests: { type: 'string', default: '50000' }, concurrency: { type: 'string', default: '1,16,64' }, rounds: { type: 'string', default: '3' } },
  });
  const requests = Number(values.requests);
  const levels = values.concurrency.split(',').map(Number);
  const rounds = Number(values.rounds);
  if (!Number.isSafeInteger(requests) || requests < 1 || levels.some((n) => !Number.isSafeInteger(n) || n < 1) || !(rounds >= 1)) {
    throw new Error('usage: npm run bench:limiter -- [--requests N] [--concurrency 1,16,64] [--rounds N]');
  }
  const pinning = planPinning(true);
  const group = new ProcessGroup(ROOT);
  const missing = redisMissing();
  if (missing) console.log(`skipping the Redis store: ${missing}`);
  const redis = missing ? null : await startRedis(group, pinning.plan?.proxy ?? null);
  const stores: [StoreName, CounterStore | null][] = [
    ['none', null],
    ['memory', createMemoryStore()],
  ];
  // the gateway's default (sync_interval 50ms) and sync_interval: 0, each with its own connection
  const synced = redis ? createSyncedStore(createRedisStore(redis.url), { intervalMs: 50, clock, onError: (err) => quiet.log('error', { error: String(err) }) }) : null;
  const exact = redis ? createRedisStore(redis.url) : null;
  if (synced && exact) stores.push(['redis', synced], ['redis-exact', exact]);
  const results: LimiterResult[] = [];
  try {
    for (const concurrency of levels) {
      const row = stores.map(([store]) => ({ store, concurrency, cpuUsPerRequest: [] as number[] }));
      await measure(stores[stores.length - 1]![1], concurrency, Math.min(requests, 5_000)); // warm-up
      for (let round = 0; round < rounds; round++) {
        // alternate the order so a machine that speeds up or slows down favours no store
        const order = round % 2 ? [...stores.keys()].reverse() : [...stores.keys()];
        for (const i of order) row[i]!.cpuUsPerRequest.push(await measure(stores[i]![1], concurrency, requests));
      }
      results.push(...row);
    }
  } finally {
    await synced?.close();
    await exact?.close();
    await group.stopAll();
  }
  return results;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

export function formatLimiterResults(results: LimiterResult[]): string {
  const lines = ['store        concurrency  CPU µs/request (median of rounds)  the limiter alone, µs (minus none, paired)'];
  for (const r of results) {
    const base = results.find((b) => b.store === 'none' && b.concurrency === r.concurrency)!;
    const own = r.cpuUsPerRequest.map((v, i) => v - (base.cpuUsPerRequest[i] ?? v));
    lines.push(
      `${r.store.padEnd(12)} ${String(r.concurrency).padStart(11)}  ${median(r.cpuUsPerRequest).toFixed(2).padStart(32)}  ${r.store === 'none' ? '' : median(own).toFixed(2).padStart(41)}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runLimiterBench(process.argv.slice(2)).then(
    (results) => {
      console.log(formatLimiterResults(results));
      mkdirSync(RESULTS_DIR, { recursive: true });
      const file = join(RESULTS_DIR, `limiter-${fileStamp()}.json`);
      writeFileSync(file, JSON.stringify({ machine: machine(), git: gitState(), results }, null, 2) + '\n');
      console.log(`wrote ${file}`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
