/** Console tables, target-to-target comparisons, and the JSON record of a run. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PhaseName, TargetName } from './args.ts';
import { fileStamp } from './environment.ts';
import type { TargetResult } from './measure.ts';
import { pairedValues, type Reduced } from './rounds.ts';
import { median, round } from './stats.ts';

export interface Comparison {
  phase: PhaseName;
  /** "a vs b": ratio = a / b, delta = a - b, of the reduced (median-round) results. */
  a: TargetName;
  b: TargetName;
  metrics: Record<string, { a: number; b: number; ratio: number; delta: number; paired?: PairedRatio }>;
}

/**
 * With several rounds: a / b within each round (a and b measured minutes apart at most), then
 * the median and range of those per-round ratios, over the rounds where neither was disturbed
 * (all rounds when none is clean). Less sensitive to the machine's speed drifting between
 * rounds than the ratio of two medians.
 */
export interface PairedRatio {
  median: number;
  min: number;
  max: number;
  rounds: number;
}

const PAIRS: Array<[TargetName, TargetName]> = [
  ['gateway', 'direct'],
  ['gateway', 'bare-proxy'],
  ['bare-proxy', 'direct'],
  ['gateway-logs', 'gateway'],
  // metrics: what turning them off saves
  ['gateway', 'gateway-no-metrics'],
  // API key check, then the rate limiter on top of it (memory or Redis store)
  ['gateway-auth', 'gateway'],
  ['gateway-limits-memory', 'gateway'],
  ['gateway-limits-redis', 'gateway'],
  ['gateway-limits-memory', 'gateway-auth'],
  ['gateway-limits-redis', 'gateway-auth'],
  ['gateway-limits-redis', 'gateway-limits-memory'],
  // every request waiting for Redis (sync_interval: 0) instead of admitting locally below the limits
  ['gateway-limits-redis-exact', 'gateway-auth'],
  ['gateway-limits-redis-exact', 'gateway-limits-redis'],
  // before and after: the working tree's gateway against --baseline REV's, same config
  ['gateway', 'gateway-baseline'],
  // what a shadow model costs the caller (latency) and the gateway (CPU): a slow one, one refusing connections
  ['gateway-shadow-slow', 'gateway'],
  ['gateway-shadow-failing', 'gateway'],
  // issue 14: the references and the gateway as configured by default, against the floor
  ['hono-app', 'bare-proxy'],
  ['gateway-logs', 'bare-proxy'],
  ['gateway-auth-limits', 'bare-proxy'],
  ['gateway-auth-limits', 'gateway-logs'],
  ['gateway-bun', 'bare-proxy'],
  ['gateway-bun', 'gateway-logs'],
  ['gateway-workers-2', 'gateway'],
];

/** Proxy CPU plus its helper's (redis-server), per request; only compared where a side has a helper. */
const withSidecar = (r: TargetResult) => (r.cpu.proxy ? r.cpu.proxy.usPerRequest + (r.cpu.sidecar?.usPerRequest ?? 0) : undefined);

const STREAM_METRICS: Record<string, (r: TargetResult) => number | undefined> = {
  'TTFB p50 ms': (r) => r.ttfb.p50,
  'TTFB p99 ms': (r) => r.ttfb.p99,
  'full p50 ms': (r) => r.latency.p50,
  'full p99 ms': (r) => r.latency.p99,
  'proxy CPU µs/stream': (r) => r.cpu.proxy?.usPerRequest,
};

const METRICS: Record<PhaseName, Record<string, (r: TargetResult) => number | undefined>> = {
  'non-stream': {
    'req/s': (r) => r.requestsPerSec,
    'p50 ms': (r) => r.latency.p50,
    'p99 ms': (r) => r.latency.p99,
    'proxy CPU µs/req': (r) => r.cpu.proxy?.usPerRequest,
  },
  stream: STREAM_METRICS,
  'stream-c1': STREAM_METRICS,
};

function pairedRatio(all: TargetResult[], phase: PhaseName, a: TargetName, b: TargetName, get: (r: TargetResult) => number | undefined): PairedRatio | undefined {
  const { values } = pairedValues(all, phase, a, b, get);
  if (values.length < 2) return undefined;
  return { median: round(median(values), 3), min: round(values[0] as number, 3), max: round(values[values.length - 1] as number, 3), rounds: values.length };
}

/** `results`: one reduced result per phase and target; `all`: every round, for the paired ratios. */
export function compare(results: TargetResult[], all: TargetResult[] = []): Comparison[] {
  const out: Comparison[] = [];
  for (const phase of Object.keys(METRICS) as PhaseName[]) {
    for (const [a, b] of PAIRS) {
      const ra = results.find((r) => r.phase === phase && r.target === a);
      const rb = results.find((r) => r.phase === phase && r.target === b);
      if (!ra || !rb) continue;
      const metrics: Comparison['metrics'] = {};
      const extra: Record<string, (r: TargetResult) => number | undefined> = ra.cpu.sidecar || rb.cpu.sidecar ? { 'proxy + redis CPU µs/req': withSidecar } : {};
      for (const [name, get] of Object.entries({ ...METRICS[phase], ...extra })) {
        const va = get(ra);
        const vb = get(rb);
        if (va === undefined || vb === undefined || !Number.isFinite(va) || !Number.isFinite(vb)) continue;
        const paired = pairedRatio(all, phase, a, b, get);
        metrics[name] = { a: va, b: vb, ratio: round(va / vb, 3), delta: round(va - vb), ...(paired ? { paired } : {}) };
      }
      out.push({ phase, a, b, metrics });
    }
  }
  return out;
}

/** A plain-text table: the first column left-aligned, the others right-aligned (or all left with `left`). */
export function table(header: string[], rows: string[][], left = false): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || left ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const num = (n: number | undefined, digits = 1) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits));
const pct = (r: TargetResult, which: 'proxy' | 'simulator' | 'loadGenerator' | 'sidecar' | 'shadowBackend') => num(r.cpu[which]?.percent, 0);
/** The simulator's CPU, plus the shadow model's simulator's ("12+30") where there is one. */
const simPct = (r: TargetResult) => (r.cpu.shadowBackend ? `${pct(r, 'simulator')}+${pct(r, 'shadowBackend')}` : pct(r, 'simulator'));

const spread = (r: Reduced, digits: number) =>
  r.rounds.count > 1 ? `${num(r.rounds.min, digits)}–${num(r.rounds.max, digits)}${r.rounds.disturbed ? ` (${r.rounds.count - r.rounds.disturbed}/${r.rounds.count})` : ''}` : '-';

export function formatResults(results: Reduced[]): string {
  const nonStream = results.filter((r) => r.phase === 'non-stream');
  const parts: string[] = [];
  if (nonStream.length) {
    parts.push(
      `Non-stream (concurrency ${nonStream[0]?.concurrency}):`,
      table(
        ['target', 'req/s', 'rounds', 'p50 ms', 'p99 ms', 'errors', 'proxy CPU%', 'proxy µs/req', 'redis µs/req', 'sim CPU%', 'loadgen CPU%', 'other CPU%'],
        nonStream.map((r) => [
          r.target, num(r.requestsPerSec, 0), spread(r, 0), num(r.latency.p50, 2), num(r.latency.p99, 2), String(r.errorCount),
          pct(r, 'proxy'), num(r.cpu.proxy?.usPerRequest, 0), num(r.cpu.sidecar?.usPerRequest, 0), simPct(r), pct(r, 'loadGenerator'),
          num(r.cpu.otherPercent ?? undefined, 0),
        ]),
      ),
    );
  }
  for (const phase of ['stream', 'stream-c1'] as const) {
    const stream = results.filter((r) => r.phase === phase);
    if (!stream.length) continue;
    parts.push(
      '',
      `${phase === 'stream' ? 'Stream' : 'Stream, one at a time'} (concurrency ${stream[0]?.concurrency}):`,
      table(
        ['target', 'streams/s', 'TTFB p50', 'rounds', 'TTFB p99', 'full p50', 'full p99', 'errors', 'proxy CPU%', 'proxy µs/stream', 'redis µs/stream', 'other CPU%'],
        stream.map((r) => [
          r.target, num(r.requestsPerSec, 0), num(r.ttfb.p50, 2), spread(r, 2), num(r.ttfb.p99, 2), num(r.latency.p50, 2), num(r.latency.p99, 2), String(r.errorCount),
          pct(r, 'proxy'), num(r.cpu.proxy?.usPerRequest, 0), num(r.cpu.sidecar?.usPerRequest, 0), num(r.cpu.otherPercent ?? undefined, 0),
        ]),
      ),
    );
  }
  return parts.join('\n');
}

export function formatComparisons(comparisons: Comparison[]): string {
  const lines = ['Comparisons (ratio a/b and delta a-b of the medians; [paired: median and range of the per-round ratios]):'];
  for (const c of comparisons) {
    const metrics = Object.entries(c.metrics).map(([name, m]) => {
      const paired = m.paired ? ` [paired ×${m.paired.median.toFixed(2)}, ${m.paired.min.toFixed(2)}–${m.paired.max.toFixed(2)} in ${m.paired.rounds} rounds]` : '';
      return `${name} ×${m.ratio.toFixed(2)} (${m.delta >= 0 ? '+' : ''}${m.delta})${paired}`;
    });
    lines.push(`  ${c.phase.padEnd(10)} ${`${c.a} / ${c.b}`.padEnd(45)} ${metrics.join(', ')}`);
  }
  return lines.join('\n');
}

/** Writes bench/results/overhead-<timestamp>.json and returns its path. */
export function writeRecord(dir: string, record: unknown): string {
  mkdirSync(dir, { recursive: true });
  const stamp = fileStamp();
  const file = join(dir, `overhead-${stamp}.json`);
  writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
  return file;
}
