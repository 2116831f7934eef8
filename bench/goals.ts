/**
 * Issue 14's goals, measured in one run of `npm run bench:overhead`: each as a ratio (or a
 * difference) against the bare Node proxy or another target measured in the same rounds, with
 * the per-round range, the figure from when the issue was filed, the goal, and pass or miss;
 * then how noisy the machine was. Pure: results in, text out. Run alone, it prints them again
 * from the JSON record of an earlier run:
 *
 *   npx tsx bench/goals.ts bench/results/overhead-<timestamp>.json
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { BenchOptions, PhaseName, TargetName } from './args.ts';
import type { TargetResult } from './measure.ts';
import { table } from './report.ts';
import { disturbed, DISTURBED_OTHER_PERCENT, DISTURBED_STEAL_PERCENT, pairedValues } from './rounds.ts';
import { median, round } from './stats.ts';

export interface GoalSpec {
  what: string;
  phase: PhaseName;
  a: TargetName;
  b: TargetName;
  /** a / b, or a − b. */
  op: 'ratio' | 'delta';
  metric: 'req/s' | 'proxy µs/stream' | 'TTFB p50 ms';
  /** `>=`: at least `value` (with an optional lower floor that still resolves the issue); `<=`: at most. Null: reported only. */
  goal: { op: '>=' | '<='; value: number; floor?: number } | null;
  /** What the issue measured when it was filed (streams' CPU: 1.2–2.7 ms against 0.6–0.9 ms, i.e. ×1.3–4.5). */
  whenFiled: string;
}

export interface GoalResult extends GoalSpec {
  /** Median of the per-round values (over the undisturbed rounds when any); null when a side is missing. */
  value: number | null;
  min: number | null;
  max: number | null;
  rounds: number;
  /** The medians of both sides, e.g. "2,950 vs 9,800 req/s". */
  detail: string;
  status: 'pass' | 'floor' | 'miss' | 'report' | 'not measured';
  /** The per-round range lies on both sides of the goal. */
  uncertain: boolean;
  /** No round was clean for both targets: the values come from disturbed rounds. */
  disturbedOnly: boolean;
}

export function goalSpecs(chunks: number): GoalSpec[] {
  return [
    { what: 'Node, default config: req/s', phase: 'non-stream', a: 'gateway-logs', b: 'bare-proxy', op: 'ratio', metric: 'req/s', goal: { op: '>=', value: 0.8, floor: 0.6 }, whenFiled: '×0.24–0.29' },
    { what: 'Node, + API key and rate limits: req/s', phase: 'non-stream', a: 'gateway-auth-limits', b: 'bare-proxy', op: 'ratio', metric: 'req/s', goal: { op: '>=', value: 0.7 }, whenFiled: '-' },
    { what: 'Bun, default config: req/s', phase: 'non-stream', a: 'gateway-bun', b: 'bare-proxy', op: 'ratio', metric: 'req/s', goal: { op: '>=', value: 1.1 }, whenFiled: '×0.79' },
    { what: '15-line Hono app (reference): req/s', phase: 'non-stream', a: 'hono-app', b: 'bare-proxy', op: 'ratio', metric: 'req/s', goal: null, whenFiled: '×0.72–1.0' },
    { what: `Streams: CPU per ${chunks}-chunk stream`, phase: 'stream', a: 'gateway-logs', b: 'bare-proxy', op: 'ratio', metric: 'proxy µs/stream', goal: { op: '<=', value: 1.5 }, whenFiled: '×1.3–4.5' },
    { what: 'Streams: added TTFT at concurrency 1, p50 (ms)', phase: 'stream-c1', a: 'gateway-logs', b: 'bare-proxy', op: 'delta', metric: 'TTFB p50 ms', goal: { op: '<=', value: 0.3 }, whenFiled: '+0.7' },
    { what: 'Multi-core: 2 workers / 1 process, req/s', phase: 'non-stream', a: 'gateway-workers-2', b: 'gateway', op: 'ratio', metric: 'req/s', goal: null, whenFiled: '-' },
  ];
}

const GET: Record<GoalSpec['metric'], (r: TargetResult) => number | undefined> = {
  'req/s': (r) => r.requestsPerSec,
  'proxy µs/stream': (r) => r.cpu.proxy?.usPerRequest,
  'TTFB p50 ms': (r) => r.ttfb.p50,
};

const finite = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n);

function meets(goal: NonNullable<GoalSpec['goal']>, v: number, bound = goal.value): boolean {
  return goal.op === '>=' ? v >= bound : v <= bound;
}

/** `results`: the reduced result of each phase and target (for the detail); `all`: every round. */
export function evaluateGoals(specs: GoalSpec[], results: TargetResult[], all: TargetResult[]): GoalResult[] {
  return specs.map((spec) => {
    const { values, disturbedOnly } = pairedValues(all, spec.phase, spec.a, spec.b, GET[spec.metric], spec.op);
    const ra = results.find((r) => r.phase === spec.phase && r.target === spec.a);
    const rb = results.find((r) => r.phase === spec.phase && r.target === spec.b);
    const [va, vb] = [ra && GET[spec.metric](ra), rb && GET[spec.metric](rb)];
    const unit = spec.metric === 'TTFB p50 ms' ? ' ms' : spec.metric === 'req/s' ? ' req/s' : ' µs';
    const fmt = (n: number | undefined) => (finite(n) ? (spec.metric === 'TTFB p50 ms' ? n.toFixed(2) : Math.round(n).toLocaleString('en-US')) : '-');
    const detail = `${fmt(va)} vs ${fmt(vb)}${unit}`;
    if (!values.length) return { ...spec, value: null, min: null, max: null, rounds: 0, detail, status: 'not measured', uncertain: false, disturbedOnly };
    const value = round(median(values), 3);
    const min = round(values[0] as number, 3);
    const max = round(values[values.length - 1] as number, 3);
    const g = spec.goal;
    let status: GoalResult['status'] = 'report';
    let uncertain = false;
    if (g) {
      status = meets(g, value) ? 'pass' : g.floor !== undefined && meets(g, value, g.floor) ? 'floor' : 'miss';
      uncertain = meets(g, min) !== meets(g, max);
    }
    return { ...spec, value, min, max, rounds: values.length, detail, status, uncertain, disturbedOnly };
  });
}

function show(spec: GoalSpec, n: number | null): string {
  if (n === null) return '-';
  return spec.op === 'delta' ? `${n >= 0 ? '+' : ''}${n.toFixed(2)}` : `×${n.toFixed(2)}`;
}

function goalText(spec: GoalSpec): string {
  const g = spec.goal;
  if (!g) return 'reported';
  const v = spec.op === 'delta' ? `${g.value} ms` : `×${g.value}`;
  return `${g.op === '>=' ? '≥' : '≤'} ${v}${g.floor !== undefined ? ` (floor ×${g.floor})` : ''}`;
}

const STATUS: Record<GoalResult['status'], string> = { pass: 'PASS', floor: 'floor met, goal missed', miss: 'MISS', report: '-', 'not measured': 'not measured' };

export function formatGoals(goals: GoalResult[]): string {
  const rows = goals.map((g) => [
    g.what,
    g.op === 'ratio' ? `${g.a} / ${g.b}` : `${g.a} − ${g.b}`,
    show(g, g.value),
    g.rounds > 1 ? `${show(g, g.min)}…${show(g, g.max)} (${g.rounds})` : g.rounds === 1 ? '1 round' : '-',
    g.detail,
    g.whenFiled,
    goalText(g),
    [STATUS[g.status], g.uncertain ? '(range spans the goal)' : '', g.disturbedOnly ? '(disturbed rounds only)' : ''].filter(Boolean).join(' '),
  ]);
  return ['Goals (issue 14), measured in this run; median of the per-round values, range over the rounds kept:', table(['what', 'targets', 'measured', 'range (rounds)', 'medians', 'when filed', 'goal', ''], rows, true)].join('\n');
}

export interface Noise {
  measurements: number;
  disturbed: number;
  other: { min: number; median: number; max: number } | null;
  steal: { min: number; median: number; max: number } | null;
  /** The bare proxy's non-stream req/s across rounds: the same code, measured again. */
  bareProxy: { min: number; max: number; rounds: number } | null;
}

export function machineNoise(all: TargetResult[]): Noise {
  const spread = (xs: number[]) => {
    const s = xs.filter(Number.isFinite).sort((x, y) => x - y);
    return s.length ? { min: s[0] as number, median: round(median(s), 1), max: s[s.length - 1] as number } : null;
  };
  const bare = all.filter((r) => r.phase === 'non-stream' && r.target === 'bare-proxy').map((r) => r.requestsPerSec);
  return {
    measurements: all.length,
    disturbed: all.filter(disturbed).length,
    other: spread(all.map((r) => r.cpu.otherPercent ?? NaN)),
    steal: spread(all.map((r) => r.cpu.stealPercent ?? NaN)),
    bareProxy: bare.length ? { min: Math.min(...bare), max: Math.max(...bare), rounds: bare.length } : null,
  };
}

export function formatNoise(n: Noise): string {
  const pct = (s: Noise['other'], name: string) => (s ? `${name} ${s.min}–${s.max}% of a core (median ${s.median}%)` : `${name} unknown`);
  const lines = [
    `Machine noise over ${n.measurements} measurements: ${pct(n.other, 'other processes')}; ${pct(n.steal, 'hypervisor steal')}`,
    `  ${n.disturbed} disturbed (> ${DISTURBED_OTHER_PERCENT}% other or > ${DISTURBED_STEAL_PERCENT}% steal; left out of the medians where a target has clean rounds)`,
  ];
  if (n.bareProxy && n.bareProxy.rounds > 1) {
    const mid = (n.bareProxy.min + n.bareProxy.max) / 2;
    const pm = mid ? Math.round((100 * (n.bareProxy.max - n.bareProxy.min)) / 2 / mid) : 0;
    lines.push(`  the bare proxy's non-stream req/s across ${n.bareProxy.rounds} rounds: ${Math.round(n.bareProxy.min).toLocaleString('en-US')}–${Math.round(n.bareProxy.max).toLocaleString('en-US')} (±${pm}%)`);
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const file of process.argv.slice(2)) {
    const record = JSON.parse(readFileSync(file, 'utf8')) as { options: Partial<BenchOptions>; results: TargetResult[]; allRounds: TargetResult[] };
    const chunks = record.options.backend === 'sim' ? (record.options.tokens ?? 16) : (record.options.chunks ?? 64);
    console.log(`${file}:\n${formatGoals(evaluateGoals(goalSpecs(chunks), record.results, record.allRounds))}\n${formatNoise(machineNoise(record.allRounds))}\n`);
  }
}
