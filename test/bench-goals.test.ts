import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TARGETS, maxTokens, parseBenchArgs, type PhaseName, type TargetName } from '../bench/args.ts';
import { gatewayConfigText, gatewayVariants, variantModels } from '../bench/gateways.ts';
import { evaluateGoals, formatGoals, formatNoise, goalSpecs, machineNoise } from '../bench/goals.ts';
import type { TargetResult } from '../bench/measure.ts';
import { heapFromMetrics, rssTrend } from '../bench/memory.ts';
import { completionBody, createBackend, requestFlags, streamEvents } from '../bench/minimal-backend.ts';
import { buildReason, formatSoakGoals, parseSoakArgs, soakGoals, type Sample } from '../bench/soak.ts';
import { parseConfig } from '../src/index.ts';

function result(phase: PhaseName, target: TargetName, round: number, v: { rps?: number; us?: number; ttfb?: number; other?: number }): TargetResult {
  const lat = (x: number) => ({ count: 10, mean: x, p50: x, p90: x, p99: x, max: x });
  return {
    phase, target, url: '', concurrency: 1, requestsPerSec: v.rps ?? 100, completed: 100, errorCount: 0, errors: {}, warmupErrors: 0, late: 0, sent: 100, round,
    latency: lat(10), ttfb: lat(v.ttfb ?? 5),
    cpu: { proxy: { percent: 50, usPerRequest: v.us ?? 100 }, simulator: null, loadGenerator: { percent: 10, usPerRequest: 1 }, sidecar: null, otherPercent: v.other ?? 0, stealPercent: 0 },
  };
}

describe('[node] issue 14 goals of bench:overhead', () => {
  it('pairs each goal by round, drops disturbed rounds, and says pass, floor or miss', () => {
    const all = [1, 2, 3].flatMap((r) => [
      result('non-stream', 'bare-proxy', r, { rps: 1000 }),
      // round 3 disturbed: left out while clean rounds remain
      result('non-stream', 'gateway-logs', r, { rps: r === 3 ? 100 : 600 + 100 * r, other: r === 3 ? 90 : 0 }),
      result('non-stream', 'gateway-bun', r, { rps: 1200 }),
      result('stream', 'bare-proxy', r, { us: 1000 }),
      result('stream', 'gateway-logs', r, { us: 1400 + 200 * r }),
      result('stream-c1', 'bare-proxy', r, { ttfb: 20 }),
      result('stream-c1', 'gateway-logs', r, { ttfb: 20.2 }),
    ]);
    const goals = evaluateGoals(goalSpecs(64), all.filter((r) => r.round === 1), all);
    const by = (what: string) => goals.find((g) => g.what.startsWith(what));
    expect(by('Node, default')).toMatchObject({ value: 0.75, min: 0.7, max: 0.8, rounds: 2, status: 'floor', uncertain: true });
    expect(by('Bun')).toMatchObject({ value: 1.2, status: 'pass', uncertain: false });
    expect(by('Streams: CPU per 64-chunk')).toMatchObject({ value: 1.8, status: 'miss' });
    expect(by('Streams: added TTFT')?.value).toBeCloseTo(0.2, 5);
    expect(by('Streams: added TTFT')?.status).toBe('pass');
    expect(by('15-line Hono')?.status).toBe('not measured');
    expect(by('Node, + API key')?.status).toBe('not measured');

    const text = formatGoals(goals);
    expect(text).toMatch(/Node, default config: req\/s +gateway-logs \/ bare-proxy +×0\.75 +×0\.70…×0\.80 \(2\) +700 vs 1,000 req\/s +×0\.24–0\.29 +≥ ×0\.8 \(floor ×0\.6\) +floor met, goal missed \(range spans the goal\)/);
    expect(text).toMatch(/added TTFT.*gateway-logs − bare-proxy +\+0\.20 .*≤ 0\.3 ms +PASS/);

    const noise = machineNoise(all);
    expect(noise).toMatchObject({ measurements: 21, disturbed: 1, other: { min: 0, max: 90 }, bareProxy: { min: 1000, max: 1000, rounds: 3 } });
    expect(formatNoise(noise)).toMatch(/over 21 measurements: other processes 0–90% of a core .*\n +1 disturbed .*\n.*1,000–1,000 \(±0%\)/);
    // every round disturbed: still a value, but said so
    const busy = all.map((r) => ({ ...r, cpu: { ...r.cpu, otherPercent: 50 } }));
    expect(formatGoals(evaluateGoals(goalSpecs(64), busy, busy))).toMatch(/Bun.*PASS \(disturbed rounds only\)/);
  });

  it('the default targets are what the goals need; stream-c1 is a phase; the minimal backend asks for its chunks', () => {
    const opts = parseBenchArgs([]);
    for (const g of goalSpecs(64)) {
      expect(DEFAULT_TARGETS).toContain(g.a);
      expect(DEFAULT_TARGETS).toContain(g.b);
    }
    expect(opts?.phases).toEqual(['non-stream', 'stream', 'stream-c1']);
    expect(opts && maxTokens(opts)).toBe(64);
    const sim = parseBenchArgs(['--backend', 'sim', '--tokens', '16']);
    expect(sim && maxTokens(sim)).toBe(16);
    expect(() => parseBenchArgs(['--backend', 'nginx'])).toThrow(/--backend/);
  });

  it('gateway-auth-limits is the default config (info logs) plus a key with limits; Bun and two workers run the plain config', () => {
    const variants = gatewayVariants('0'.repeat(64), null, 'p:');
    const v = (t: TargetName) => variants.find((x) => x.target === t);
    expect(v('gateway-logs')).toMatchObject({ logLevel: 'info', extra: [] });
    expect(v('gateway-auth-limits')).toMatchObject({ logLevel: 'info', key: true });
    expect(v('gateway-bun')).toMatchObject({ logLevel: 'info', runtime: 'bun', extra: [] });
    expect(v('gateway-workers-2')).toMatchObject({ logLevel: 'warn', workers: 2, extra: [] });
    const limits = v('gateway-auth-limits');
    if (!limits) throw new Error('no gateway-auth-limits');
    const snapshot = parseConfig(gatewayConfigText(variantModels(limits, [{ name: 'bench', url: 'http://127.0.0.1:40003' }]), limits.extra), { file: 'x.yaml' });
    expect(snapshot.models.map((m) => m.name)).toEqual(['bench']);
    expect(gatewayConfigText([], limits.extra)).toMatch(/rpm: 1000000000, tpm: 1000000000000[\s\S]*rate_limits: \{ store: memory \}/);
  });
});

describe('[node] minimal backend', () => {
  const o = { model: 'm', chunks: 4, ttftMs: 0, tokenDelayMs: 0 };

  it('builds a chat.completion and a chunked stream, with a usage event only when asked', () => {
    const body = JSON.parse(completionBody(o)) as { object: string; usage: { completion_tokens: number } };
    expect(body).toMatchObject({ object: 'chat.completion', usage: { completion_tokens: 4 } });
    const plain = streamEvents(o, false);
    expect(plain).toHaveLength(5);
    expect(plain.at(-1)).toBe('data: [DONE]\n\n');
    const events = streamEvents(o, true).slice(0, -1).map((e) => JSON.parse(e.slice(6)) as { object: string; choices: Array<{ finish_reason: string | null }>; usage?: unknown });
    expect(events.every((e) => e.object === 'chat.completion.chunk')).toBe(true);
    expect(events.map((e) => (e.choices.length ? e.choices[0]?.finish_reason : 'usage'))).toEqual([null, null, null, 'stop', 'usage']);
    expect(events.at(-1)?.usage).toEqual({ prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 });
    expect(requestFlags('{"stream": true, "stream_options": {"include_usage":true}}')).toEqual({ stream: true, includeUsage: true });
    expect(requestFlags('{"stream":false}')).toEqual({ stream: false, includeUsage: false });
  });

  it('serves chat, streams paced, health and models over HTTP', async () => {
    const server = createBackend({ ...o, ttftMs: 5, tokenDelayMs: 1 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const post = (body: unknown) => fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await (await post({ model: 'x' })).json()) as unknown).toMatchObject({ model: 'm', choices: [{ message: { content: 'tok tok tok tok ' } }] });
      const stream = await post({ model: 'x', stream: true, stream_options: { include_usage: true } });
      expect(stream.headers.get('content-type')).toBe('text/event-stream');
      const text = await stream.text();
      expect(text.match(/^data: /gm)).toHaveLength(6);
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect(((await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> }).data[0]?.id).toBe('m');
      expect((await fetch(`${url}/nope`)).status).toBe(404);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('[node] soak (npm run bench:soak)', () => {
  it('fits the RSS of the last half: GC noise is flat, a steady climb is growing', () => {
    const at = (ys: number[]) => ys.map((rssMB, i) => ({ requests: (i + 1) * 100_000, rssMB }));
    const flat = rssTrend(at([150, 170, 160, 163, 158, 171, 160, 162, 159, 170]), 500_000);
    expect(flat).toMatchObject({ points: 6, from: 500_000, growing: false });
    const leak = rssTrend(at([150, 152, 154, 156, 158, 160, 162, 164, 166, 168]), 500_000);
    expect(leak).toMatchObject({ slopeMBPer100k: 2, slopeStdErr: 0, rangeMB: 10, growing: true });
    expect(rssTrend(at([1, 2]), 0)).toBeNull();
  });

  it('reads the heap from /metrics, judges the memory goals, and builds only when needed', () => {
    const metrics = '# HELP x\nnodejs_heap_size_total_bytes 52428800\nnodejs_heap_size_used_bytes 31457280\n';
    expect(heapFromMetrics(metrics)).toEqual({ usedMB: 30, totalMB: 50 });
    expect(heapFromMetrics('up 1\n')).toBeNull();
    const samples: Sample[] = [100_000, 200_000, 300_000].map((requests) => ({ requests, rssMB: 95, heap: null, requestsPerSec: 1, errors: 0 }));
    const goals = soakGoals(58.2, samples, rssTrend(samples, 0));
    expect(goals.map((g) => g.status)).toEqual(['PASS', 'PASS', 'PASS']);
    expect(soakGoals(88, [], null).map((g) => g.status)).toEqual(['MISS', 'not measured', 'not measured']);
    expect(formatSoakGoals(goals)).toMatch(/idle RSS of the production build +58\.2 MB +≤ 60 MB +PASS/);
    expect(buildReason(null, 1)).toMatch(/missing/);
    expect(buildReason(1, 2)).toMatch(/older/);
    expect(buildReason(2, 1)).toBeNull();
    expect(parseSoakArgs(['--requests', '1_000', '--no-build'])).toMatchObject({ requests: 1000, every: 100_000, concurrency: 64, build: false, logLevel: 'info' });
    expect(() => parseSoakArgs(['--requests', '0'])).toThrow(/--requests/);
  });
});
