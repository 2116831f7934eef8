/** Command-line flags of `npm run bench`. */
import { parseArgs } from 'node:util';

export const TARGETS = [
  'direct',
  'bare-proxy',
  'gateway',
  'gateway-logs',
  'gateway-no-metrics',
  'gateway-auth',
  'gateway-limits-memory',
  'gateway-limits-redis',
  'gateway-limits-redis-exact',
] as const;
export type TargetName = (typeof TARGETS)[number];
export const PHASES = ['non-stream', 'stream'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface BenchOptions {
  /** Measured time per target and phase. */
  durationMs: number;
  /** Load before each measurement that is not counted. */
  warmupMs: number;
  /** Closed-loop workers (and keep-alive connections) in the non-stream phase. */
  concurrency: number;
  /** Closed-loop workers in the stream phase. */
  streamConcurrency: number;
  /** max_tokens of every request. */
  tokens: number;
  /** Simulator timings of the stream phase. */
  streamTtftMs: number;
  streamTokenDelayMs: number;
  /** Repetitions of the whole sequence of targets; each target reports its median round. */
  rounds: number;
  /** Longest wait, before each measurement, for the machine to go quiet (0: do not wait). */
  quietWaitMs: number;
  /** Pin processes with taskset (when available). */
  pin: boolean;
  targets: TargetName[];
  phases: PhaseName[];
  /** When set, every gateway target runs under --cpu-prof and writes its profile to DIR/<target>/. */
  profileDir: string | null;
}

export const USAGE = `npm run bench:overhead -- [flags]     (or: npm run bench -- --mode overhead [flags])

  --duration 5s             measured time per target and phase
  --warmup 2s               unmeasured load before each measurement
  --concurrency 64          closed-loop workers, non-stream phase
  --stream-concurrency 16   closed-loop workers, stream phase
  --tokens 16               max_tokens per request
  --stream-ttft-ms 20       simulator time to first token, stream phase
  --stream-token-delay-ms 5 simulator delay between tokens, stream phase
  --rounds 3                repeat the sequence of targets; report each target's median round and paired ratios
  --targets direct,bare-proxy,gateway,gateway-logs,gateway-no-metrics,gateway-auth,gateway-limits-memory,gateway-limits-redis,gateway-limits-redis-exact
                            (default: all; the Redis targets are skipped when redis-server is not installed)
  --phases non-stream,stream
  --quiet-wait 30s          before each measurement, wait up to this for other load to stop (0: don't)
  --no-pin                  do not pin processes to cores with taskset
  --profile DIR             run each gateway target under node --cpu-prof, profiles into DIR/<target>/`;

/** "10s", "500ms", "1m"; a bare number is seconds. */
export function parseDuration(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!m) throw new Error(`invalid duration '${raw}' (expected e.g. 10s, 500ms, 1m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(unit === 'ms' ? n : unit === 'm' ? n * 60_000 : n * 1000);
}

function positiveInt(flag: string, raw: string, min = 1): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`invalid value for --${flag}: '${raw}' (expected an integer >= ${min})`);
  return n;
}

function parseList<T extends string>(flag: string, raw: string, allowed: readonly T[]): T[] {
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(allowed as readonly string[]).includes(n)) throw new Error(`unknown value '${n}' for --${flag} (expected ${allowed.join(', ')})`);
  }
  if (names.length === 0) throw new Error(`--${flag} is empty`);
  return names as T[];
}

/** Returns null when --help was asked for. */
export function parseBenchArgs(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '5s' },
      warmup: { type: 'string', default: '2s' },
      concurrency: { type: 'string', default: '64' },
      'stream-concurrency': { type: 'string', default: '16' },
      tokens: { type: 'string', default: '16' },
      'stream-ttft-ms': { type: 'string', default: '20' },
      'stream-token-delay-ms': { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      'quiet-wait': { type: 'string', default: '30s' },
      targets: { type: 'string', default: TARGETS.join(',') },
      phases: { type: 'string', default: PHASES.join(',') },
      'no-pin': { type: 'boolean', default: false },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  return {
    durationMs: parseDuration(values.duration),
    warmupMs: parseDuration(values.warmup),
    concurrency: positiveInt('concurrency', values.concurrency),
    streamConcurrency: positiveInt('stream-concurrency', values['stream-concurrency']),
    tokens: positiveInt('tokens', values.tokens),
    streamTtftMs: positiveInt('stream-ttft-ms', values['stream-ttft-ms'], 0),
    streamTokenDelayMs: positiveInt('stream-token-delay-ms', values['stream-token-delay-ms'], 0),
    rounds: positiveInt('rounds', values.rounds),
    quietWaitMs: parseDuration(values['quiet-wait']),
    pin: !values['no-pin'],
    targets: parseList('targets', values.targets, TARGETS),
    phases: parseList('phases', values.phases, PHASES),
    profileDir: values.profile ?? null,
  };
}
