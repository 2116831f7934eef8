/** Command-line flags of `npm run bench`. */
import { parseArgs } from 'node:util';

export const TARGETS = [
  'direct',
  'bare-proxy',
  'gateway',
  // the gateway of another git revision (--baseline REV), same config as `gateway`
  'gateway-baseline',
  // `gateway` with every request also copied to a shadow model: a slow one, and one that refuses connections
  'gateway-shadow-slow',
  'gateway-shadow-failing',
  'gateway-logs',
  'gateway-no-metrics',
  'gateway-auth',
  'gateway-limits-memory',
  'gateway-limits-redis',
  'gateway-limits-redis-exact',
  // issue 14's references and goals
  'hono-app',
  'gateway-auth-limits',
  'gateway-bun',
  'gateway-workers-2',
] as const;
export type TargetName = (typeof TARGETS)[number];
/** The target that runs the gateway of `--baseline REV`; only with that flag. */
export const BASELINE_TARGET = 'gateway-baseline' satisfies TargetName;
/** `--targets all`: every target but the baseline (which needs --baseline, and adds itself then). */
export const ALL_TARGETS: readonly TargetName[] = TARGETS.filter((t) => t !== BASELINE_TARGET);
/**
 * Without --targets: what issue 14's goals are measured on (bench/goals.ts) — the bare proxy, the
 * 15-line Hono app, the gateway as configured by default (`gateway-logs`), with keys and limits, on
 * Bun, with two workers — plus `direct` and `gateway` (LOG_LEVEL=warn), which the workers compare with.
 */
export const DEFAULT_TARGETS: readonly TargetName[] = ['direct', 'bare-proxy', 'hono-app', 'gateway', 'gateway-logs', 'gateway-auth-limits', 'gateway-bun', 'gateway-workers-2'];
export const PHASES = ['non-stream', 'stream', 'stream-c1'] as const;
export type PhaseName = (typeof PHASES)[number];

/** What answers behind every proxy: bench/minimal-backend.ts, or the gateway's simulator (`sim --flavor vllm`). */
export const BACKENDS = ['minimal', 'sim'] as const;
export type BackendKind = (typeof BACKENDS)[number];

export interface BenchOptions {
  /** The backend behind every target. */
  backend: BackendKind;
  /** Content chunks of every stream (and tokens of every JSON answer) of the minimal backend. */
  chunks: number;
  /** Measured time per target and phase. */
  durationMs: number;
  /** Load before each measurement that is not counted. */
  warmupMs: number;
  /** Closed-loop workers (and keep-alive connections) in the non-stream phase. */
  concurrency: number;
  /** Closed-loop workers in the stream phase. */
  streamConcurrency: number;
  /** max_tokens of every request to the simulator (`--backend sim`); the minimal backend's requests ask for `chunks`. */
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
  /** --baseline REV as given (a commit, tag, branch, HEAD~3…): `gateway-baseline` runs that revision's gateway. */
  baseline: string | null;
}

export const USAGE = `npm run bench:overhead -- [flags]     (or: npm run bench -- --mode overhead [flags])

  --duration 5s             measured time per target and phase
  --warmup 2s               unmeasured load before each measurement
  --concurrency 64          closed-loop workers, non-stream phase
  --stream-concurrency 16   closed-loop workers, stream phase (stream-c1: one)
  --backend minimal         minimal: bench/minimal-backend.ts (node:http, fixed answers), so the
                            proxies, not the backend, are the limit; sim: the gateway's simulator
  --chunks 64               minimal backend: content chunks per stream (and tokens per JSON answer)
  --tokens 16               --backend sim: max_tokens per request
  --stream-ttft-ms 20       backend time to first token, stream phases
  --stream-token-delay-ms 5 backend delay between tokens, stream phases
  --rounds 3                repeat the sequence of targets; report each target's median round and paired ratios
  --targets ${DEFAULT_TARGETS.join(',')}
                            (the default: what the goals are measured on; \`all\` for every target below)
                            direct:                 the backend itself
                            bare-proxy:             node:http in, http.request out, piped (the floor)
                            hono-app:               15 lines of Hono on @hono/node-server + undici.request
                            gateway:                default config but LOG_LEVEL=warn (no access log)
                            gateway-logs:           the DEFAULT CONFIG: LOG_LEVEL=info (access log to
                                                    /dev/null), metrics on
                            gateway-auth-limits:    the default config + an API key with rpm/tpm limits
                                                    (memory store)
                            gateway-bun:            the default config, served by Bun
                            gateway-workers-2:      gateway's config with serve --workers 2, not pinned
                                                    (skipped when serve says: unknown option '--workers')
                            gateway-no-metrics, gateway-auth, gateway-limits-memory, gateway-limits-redis,
                            gateway-limits-redis-exact: LOG_LEVEL=warn with one change each (the Redis
                                                    targets are skipped when redis-server is not installed)
                            gateway-shadow-slow:    gateway + every request copied to a shadow model on a slow
                                                    simulator (300 ms to first token, 50 ms per token)
                            gateway-shadow-failing: gateway + every request copied to a shadow model whose
                                                    backend refuses connections (retry: { attempts: 1 })
                            gateway-baseline:       the gateway of --baseline REV, same config as gateway;
                                                    only with --baseline, which adds it (after gateway)
  --baseline REV            also measure the gateway of git revision REV (commit, tag, branch, HEAD~3):
                            its tree is exported with git archive into a temp dir that uses this
                            checkout's node_modules; compared with gateway as gateway / gateway-baseline
  --phases non-stream,stream,stream-c1
                            stream-c1: the stream phase at concurrency 1 (added time to first token)
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
      backend: { type: 'string', default: 'minimal' },
      chunks: { type: 'string', default: '64' },
      concurrency: { type: 'string', default: '64' },
      'stream-concurrency': { type: 'string', default: '16' },
      tokens: { type: 'string', default: '16' },
      'stream-ttft-ms': { type: 'string', default: '20' },
      'stream-token-delay-ms': { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      'quiet-wait': { type: 'string', default: '30s' },
      targets: { type: 'string', default: DEFAULT_TARGETS.join(',') },
      phases: { type: 'string', default: PHASES.join(',') },
      'no-pin': { type: 'boolean', default: false },
      profile: { type: 'string' },
      baseline: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  const baseline = values.baseline === undefined ? null : values.baseline.trim();
  if (baseline === '') throw new Error('--baseline is empty (expected a git revision, e.g. --baseline HEAD~3)');
  if (baseline?.startsWith('-')) throw new Error(`invalid --baseline '${baseline}' (expected a git revision, e.g. --baseline HEAD~3)`);
  const [backend] = parseList('backend', values.backend, BACKENDS);
  if (values.backend.includes(',')) throw new Error(`--backend takes one of ${BACKENDS.join(', ')}`);
  return {
    backend: backend as BackendKind,
    chunks: positiveInt('chunks', values.chunks),
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
    targets: withBaseline(values.targets.trim() === 'all' ? [...ALL_TARGETS] : parseList('targets', values.targets, TARGETS), baseline),
    phases: parseList('phases', values.phases, PHASES),
    profileDir: values.profile ?? null,
    baseline,
  };
}

/**
 * `gateway-baseline` needs --baseline; --baseline adds it right after `gateway` (measured one
 * after the other, in every round), or last when `gateway` is not among the targets.
 */
function withBaseline(targets: TargetName[], baseline: string | null): TargetName[] {
  const has = targets.includes(BASELINE_TARGET);
  if (baseline === null) {
    if (has) throw new Error(`target '${BASELINE_TARGET}' needs --baseline REV (the git revision whose gateway it runs)`);
    return targets;
  }
  if (has) return targets;
  const at = targets.indexOf('gateway');
  return at < 0 ? [...targets, BASELINE_TARGET] : [...targets.slice(0, at + 1), BASELINE_TARGET, ...targets.slice(at + 1)];
}

/** max_tokens of every request: the minimal backend's chunks, or --tokens for the simulator. */
export function maxTokens(opts: Pick<BenchOptions, 'backend' | 'chunks' | 'tokens'>): number {
  return opts.backend === 'minimal' ? opts.chunks : opts.tokens;
}
