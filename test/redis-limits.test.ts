import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../adapters/node/redis-store.ts';
import { sha256Hex, unanswered, windowOf, type Admitted, type LimitCheck } from '../src/index.ts';
import { children, freePort, startGateway, startRedis } from './support/processes.ts';

// Two gateway processes, one real redis-server: one combined limit. Every test runs in both
// modes: replicas admitting on their own while clearly below a limit (the default), and
// every request waiting for Redis (sync_interval: 0).
const KEYS = {
  shared: 'mt-shared-limit-key-000000000000',
  burst: 'mt-burst-limit-key-0000000000000',
  tokens: 'mt-token-limit-key-0000000000000',
  slots: 'mt-slot-limit-key-00000000000000',
  roomy: 'mt-roomy-limit-key-0000000000000',
  hundred: 'mt-hundred-limit-key-00000000000',
};
let redisUrl = '';
let redisDown = '';

beforeAll(async () => {
  redisUrl = await startRedis();
  redisDown = await startGateway(await writeConfig(`redis://127.0.0.1:${await freePort()}`, 'down:', 0));
}, 60_000);

afterAll(() => children.forEach((c) => c.kill('SIGTERM')));

async function writeConfig(url: string, prefix: string, syncInterval: number): Promise<string> {
  const config = join(mkdtempSync(join(tmpdir(), 'mt-redis-')), 'models.yaml');
  const key = async (name: keyof typeof KEYS, limits: string) => `    - { name: ${name}, key_sha256: ${await sha256Hex(KEYS[name])}, ${limits} }`;
  writeFileSync(
    config,
    `version: 1
rate_limits: { store: redis, redis_url: "${url}", prefix: "${prefix}", sync_interval: ${syncInterval} }
auth:
  keys:
${await key('shared', 'rpm: 5')}
${await key('burst', 'rpm: 5')}
${await key('tokens', 'tpm: 40')}
${await key('slots', 'max_concurrent: 2')}
${await key('roomy', 'rpm: 1000000')}
${await key('hundred', 'rpm: 100')}
models:
  - { name: m, backend: sim, sim: { ttft: 0ms, token_delay: 0ms, max_tokens: 2 } }
  - { name: slow, backend: sim, sim: { ttft: 0ms, token_delay: 50ms, max_tokens: 8 } }
`,
  );
  return config;
}

function call(url: string, key: keyof typeof KEYS, body: Record<string, unknown> = {}) {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS[key]}` },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

/** Fixed one-minute windows: a test that counts must not straddle a boundary. */
async function awayFromWindowEnd() {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
}

async function scriptCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  return [...info.matchAll(/^cmdstat_(?:eval|evalsha):calls=(\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

describe.each([
  { mode: 'admitting locally below the limits (sync_interval 50ms, the default)', syncInterval: 50 },
  { mode: 'every request through Redis (sync_interval 0)', syncInterval: 0 },
])('[node] rate limits shared through Redis, $mode', ({ syncInterval }) => {
  const prefix = `test-${syncInterval}-${Date.now()}:`;
  let gateways: [string, string] = ['', ''];

  beforeAll(async () => {
    const config = await writeConfig(redisUrl, prefix, syncInterval);
    gateways = [await startGateway(config), await startGateway(config)];
  }, 60_000);

  it('two gateway processes enforce one combined rpm limit', async () => {
    await awayFromWindowEnd();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call(gateways[i % 2]!, 'shared')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const last = await call(gateways[1], 'shared');
    expect(last.headers.get('x-ratelimit-remaining-requests')).toBe('0');
  }, 70_000);

  it('a burst of parallel requests on both gateways admits exactly the limit', async () => {
    await awayFromWindowEnd();
    const responses = await Promise.all(Array.from({ length: 16 }, (_, i) => call(gateways[i % 2]!, 'burst')));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(11);
    // every admitted request saw its own count: remaining 4, 3, 2, 1, 0 once each
    const remaining = responses.filter((r) => r.status === 200).map((r) => r.headers.get('x-ratelimit-remaining-requests'));
    expect(remaining.sort()).toEqual(['0', '1', '2', '3', '4']);
  }, 70_000);

  it('tokens counted on one gateway are seen by the other, and the shared budget runs out', async () => {
    await awayFromWindowEnd();
    const first = await call(gateways[0], 'tokens');
    const used = ((await first.json()) as { usage: { total_tokens: number } }).usage.total_tokens;
    expect(used).toBeGreaterThan(0);
    const redis = new Redis(redisUrl);
    try {
      await expect.poll(async () => Number(await redis.get(`${prefix}key:tokens:tpm:${windowOf(Date.now())}`))).toBe(used);
    } finally {
      redis.disconnect();
    }
    const second = await call(gateways[1], 'tokens');
    expect(second.status).toBe(200);
    expect(second.headers.get('x-ratelimit-remaining-tokens')).toBe(String(40 - used));
    let status = 200;
    for (let i = 0; i < 40 && status === 200; i++) status = (await call(gateways[i % 2]!, 'tokens')).status;
    expect(status).toBe(429);
  }, 70_000);

  it('concurrent streams are capped across gateways and the slots come back', async () => {
    const streams = await Promise.all([0, 0].map(() => call(gateways[0], 'slots', { model: 'slow', stream: true })));
    expect(streams.map((s) => s.status)).toEqual([200, 200]);
    const blocked = await call(gateways[1], 'slots');
    expect(blocked.status).toBe(429);
    expect(((await blocked.json()) as { error: { message: string } }).error.message).toContain('concurrent requests');
    await Promise.all(streams.map((s) => s.text()));
    await expect.poll(async () => (await call(gateways[1], 'slots')).status).toBe(200);
  }, 70_000);

  it('8 clients spread over both gateways get the limit of 100, at most 1.25% more', async () => {
    await awayFromWindowEnd();
    let next = 0;
    let admitted = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 160) {
          const res = await call(gateways[next++ % 2]!, 'hundred');
          if (res.status === 200) admitted++;
          else expect(res.status).toBe(429);
        }
      }),
    );
    expect(admitted).toBeGreaterThanOrEqual(100);
    expect(admitted).toBeLessThanOrEqual(syncInterval ? 100 + unanswered(100) : 100);
  }, 70_000);

  it(syncInterval ? 'far below the limit, requests do not each wait for Redis, and every one is counted' : 'every request is one call to Redis, and every one is counted', async () => {
    await awayFromWindowEnd();
    const redis = new Redis(redisUrl);
    try {
      const before = await scriptCalls(redis);
      for (let i = 0; i < 40; i++) expect((await call(gateways[0], 'roomy')).status).toBe(200);
      await expect.poll(async () => Number(await redis.get(`${prefix}key:roomy:rpm:${windowOf(Date.now())}`))).toBe(40);
      const calls = (await scriptCalls(redis)) - before;
      if (syncInterval) expect(calls).toBeLessThan(40);
      else expect(calls).toBeGreaterThanOrEqual(40);
    } finally {
      redis.disconnect();
    }
  }, 70_000);
});

describe('[node] Redis unreachable', () => {
  it('lets requests through, without x-ratelimit headers', async () => {
    for (let i = 0; i < 7; i++) {
      const res = await call(redisDown, 'shared');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit-requests')).toBeNull();
    }
  }, 30_000);
});

describe('[node] Redis store', () => {
  const prefix = `store-${Date.now()}:`;
  const check = (kind: LimitCheck['kind'], key: string, limit: number): LimitCheck => ({ kind, key: `${prefix}${key}`, limit, ttlMs: 60_000 });

  it('gives back the slots a rejected request took before the check that failed', async () => {
    const store = createRedisStore(redisUrl);
    try {
      const window = windowOf(Date.now());
      await store.admit([check('requests', 'spent', 1)], window);
      const rejected = await store.admit([check('concurrent', 'slot', 1), check('requests', 'spent', 1)], window);
      expect(rejected).toEqual({ failed: 1, values: [1, 2] });
      expect(await store.admit([check('concurrent', 'slot', 1)], window)).toEqual({ failed: -1, values: [1] });
      expect(await store.admit([check('concurrent', 'slot', 1)], window)).toEqual({ failed: 0, values: [1] });
    } finally {
      await store.close();
    }
  });

  it('answers each of many admissions sent in one batch with its own count', async () => {
    const store = createRedisStore(redisUrl);
    try {
      const window = windowOf(Date.now());
      const all: Admitted[] = await Promise.all(Array.from({ length: 50 }, () => store.admit([check('requests', 'batch', 20)], window)));
      expect(all.filter((a) => a.failed === -1)).toHaveLength(20);
      expect(all.map((a) => a.values[0]).sort((x, y) => x! - y!)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      await Promise.all(Array.from({ length: 10 }, () => store.settle([check('tokens', 'tok', 0).key], 7, window, [])));
      expect(await store.admit([check('tokens', 'tok', 71)], window)).toEqual({ failed: -1, values: [70] });
      expect(await store.admit([check('tokens', 'tok', 70)], window)).toEqual({ failed: 0, values: [70] });
    } finally {
      await store.close();
    }
  });
});
