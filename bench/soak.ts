/**
 * Soak: the production build (`dist/modeltainer.mjs`, built first when missing or older than
 * the sources) on its default settings (LOG_LEVEL=info to /dev/null, metrics on) in front of
 * bench/minimal-backend.ts, sent `--requests` non-stream chat requests (1,000,000 by default) by
 * `--concurrency` closed-loop workers. Reports the resident memory (VmRSS) idle before, every
 * `--every` requests (100,000) and idle after, with the V8 heap from the gateway's /metrics;
 * fits a line to the samples of the last half and flags RSS that still grows; compares with
 * issue 14's memory goals (idle ≤ 60 MB, ≤ 100 MB after 100k requests, flat across 1M). Writes
 * bench/results/soak-<timestamp>.json.
 *
 *   npm run bench:soak                                   # 1M requests, ~5–10 minutes
 *   npm run bench:soak -- --requests 200000 --concurrency 32 --no-build
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDuration } from './args.ts';
import { runCount } from './count-load.ts';
import { planPinning } from './cpu.ts';
import { fileStamp, gitState, machine, RESULTS_DIR, ROOT } from './environment.ts';
import { gatewayConfigText } from './gateways.ts';
import { fetchHeap, rssMB, rssTrend, type HeapSample, type Trend } from './memory.ts';
import { freePort, runGroup } from './processes.ts';
import { startBackend, WORKER_ENV } from './servers.ts';

const BUNDLE = join(ROOT, 'dist', 'modeltainer.mjs');
/** What the bundle is built from: newer files here make it stale. */
const SOURCES = ['src', 'adapters/node', 'scripts/build.ts', 'package.json', 'package-lock.json'];
export const MEMORY_GOALS = { idleMB: 60, after100kMB: 100 } as const;

export const SOAK_USAGE = `npm run bench:soak -- [flags]

  --requests 1000000   non-stream chat requests to send
  --concurrency 64     closed-loop workers (keep-alive connections)
  --every 100000       report RSS (and heap) every this many finished requests
  --idle-wait 2s       idle time before the idle readings (before and after the load)
  --log-level info     the gateway's LOG_LEVEL (info, the default config: one access-log line
                       per request, to /dev/null)
  --no-build           run dist/modeltainer.mjs as it is (do not build it when missing or stale)
  --no-pin             do not pin the gateway to one core and the rest to the others`;

export interface SoakOptions {
  requests: number;
  concurrency: number;
  every: number;
  idleWaitMs: number;
  logLevel: string;
  build: boolean;
  pin: boolean;
}

export function parseSoakArgs(argv: string[]): SoakOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      requests: { type: 'string', default: '1000000' },
      concurrency: { type: 'string', default: '64' },
      every: { type: 'string', default: '100000' },
      'idle-wait': { type: 'string', default: '2s' },
      'log-level': { type: 'string', default: 'info' },
      'no-build': { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  const int = (flag: string, raw: string) => {
    const n = Number(raw.replace(/_/g, ''));
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`invalid --${flag} '${raw}' (expected an integer >= 1)`);
    return n;
  };
  return {
    requests: int('requests', values.requests),
    concurrency: int('concurrency', values.concurrency),
    every: int('every', values.every),
    idleWaitMs: parseDuration(values['idle-wait']),
    logLevel: values['log-level'],
    build: !values['no-build'],
    pin: !values['no-pin'],
  };
}

/** Newest modification time (ms) of the files under `paths` (relative to ROOT), skipping test files. */
function newestSource(paths: string[]): number {
  let newest = 0;
  const visit = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const name of readdirSync(p)) visit(join(p, name));
    else if (!/\.test\.ts$/.test(p)) newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of paths) visit(join(ROOT, p));
  return newest;
}

/** Why the bundle must be (re)built, or null when it is up to date. */
export function buildReason(bundleMtimeMs: number | null, newestSourceMs: number): string | null {
  if (bundleMtimeMs === null) return 'dist/modeltainer.mjs is missing';
  return newestSourceMs > bundleMtimeMs ? 'dist/modeltainer.mjs is older than the sources' : null;
}

function ensureBuild(build: boolean): { built: boolean; reason: string | null; bundleMtime: string } {
  const mtime = () => {
    try {
      return statSync(BUNDLE).mtimeMs;
    } catch {
      return null;
    }
  };
  const reason = buildReason(mtime(), newestSource(SOURCES));
  if (reason && build) {
    console.log(`${reason}: npm run build`);
    const out = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (out.status !== 0) throw new Error(`npm run build failed (exit ${out.status}); fix the build or run with --no-build`);
  } else if (reason) {
    console.log(`warning: ${reason}; running it as it is (--no-build)`);
  }
  const after = mtime();
  if (after === null) throw new Error('dist/modeltainer.mjs is missing (npm run build)');
  return { built: reason !== null && build, reason, bundleMtime: new Date(after).toISOString() };
}

export interface Sample {
  requests: number;
  rssMB: number;
  heap: HeapSample | null;
  /** Requests per second since the previous sample. */
  requestsPerSec: number;
  errors: number;
}

export interface SoakGoal {
  what: string;
  measured: string;
  goal: string;
  status: 'PASS' | 'MISS' | 'not measured';
}

/** Issue 14's memory goals against the soak's readings. */
export function soakGoals(idleMB: number | null, samples: Sample[], trend: Trend | null): SoakGoal[] {
  const at100k = samples.find((s) => s.requests >= 100_000);
  const status = (ok: boolean | null): SoakGoal['status'] => (ok === null ? 'not measured' : ok ? 'PASS' : 'MISS');
  return [
    { what: 'idle RSS of the production build', measured: idleMB === null ? '-' : `${idleMB} MB`, goal: `≤ ${MEMORY_GOALS.idleMB} MB`, status: status(idleMB === null ? null : idleMB <= MEMORY_GOALS.idleMB) },
    {
      what: `RSS after ${at100k ? at100k.requests.toLocaleString('en-US') : '100,000'} requests`,
      measured: at100k ? `${at100k.rssMB} MB` : '-',
      goal: `≤ ${MEMORY_GOALS.after100kMB} MB`,
      status: status(at100k ? at100k.rssMB <= MEMORY_GOALS.after100kMB : null),
    },
    {
      what: trend ? `RSS trend from ${trend.from.toLocaleString('en-US')} requests on (${trend.points} samples)` : 'RSS trend (last half)',
      measured: trend ? `${trend.slopeMBPer100k >= 0 ? '+' : ''}${trend.slopeMBPer100k} ± ${trend.slopeStdErr} MB per 100k (range ${trend.rangeMB} MB)` : 'fewer than 3 samples',
      goal: 'flat (not > +1 MB per 100k and 2 SE above 0)',
      status: status(trend ? !trend.growing : null),
    },
  ];
}

export function formatSoakGoals(goals: SoakGoal[]): string {
  const w = [0, 1, 2].map((i) => Math.max(...goals.map((g) => [g.what, g.measured, g.goal][i]?.length ?? 0)));
  return ['Memory goals (issue 14):', ...goals.map((g) => `  ${g.what.padEnd(w[0] ?? 0)}  ${g.measured.padEnd(w[1] ?? 0)}  ${g.goal.padEnd(w[2] ?? 0)}  ${g.status}`)].join('\n');
}

const fmtHeap = (h: HeapSample | null) => (h ? `heap ${h.usedMB}/${h.totalMB} MB` : 'heap -');

export async function runSoak(argv: string[]): Promise<number> {
  let opts: SoakOptions | null;
  try {
    opts = parseSoakArgs(argv);
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}\n${SOAK_USAGE}`);
    return 2;
  }
  if (!opts) {
    console.log(SOAK_USAGE);
    return 0;
  }
  const startedAt = new Date().toISOString();
  const build = ensureBuild(opts.build);
  const pinning = planPinning(opts.pin);
  const { group, tempDir } = runGroup(ROOT, 'modeltainer-soak-');
  console.log(pinning.pinned ? `pinning: gateway on CPU ${pinning.plan?.proxy}, backend + load generator on CPU ${pinning.plan?.rest}` : `pinning: none (${pinning.reason})`);
  try {
    const backend = await startBackend(group, 'minimal-backend', 'minimal', { model: 'bench', chunks: 64, ttftMs: 0, tokenDelayMs: 0 }, pinning.plan?.rest ?? null);
    const configText = gatewayConfigText([{ name: 'bench', url: backend.server.url }]);
    const config = join(tempDir, 'soak.yaml');
    writeFileSync(config, configText);
    const port = await freePort();
    const gateway = await group.start({
      name: 'gateway (dist/modeltainer.mjs)',
      nodeArgs: [BUNDLE, 'serve', '--config', config, '--port', String(port)],
      cpus: pinning.plan?.proxy ?? null,
      env: { LOG_LEVEL: opts.logLevel },
      // one process: NODE_ENV=production would start one worker per core, whose memory is not the primary's
      unsetEnv: WORKER_ENV,
      ready: { kind: 'poll', port, readyPath: '/readyz', stdout: 'ignore' },
    });
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // RSS first: asking /metrics for the heap allocates
    const idle = async () => ({ rssMB: rssMB(gateway.pid), heap: await fetchHeap(gateway.url) });
    await wait(opts.idleWaitMs);
    const before = await idle();
    console.log(`idle before: RSS ${before.rssMB ?? '?'} MB, ${fmtHeap(before.heap)} (after ${opts.idleWaitMs} ms idle)`);

    const samples: Sample[] = [];
    let last = { finished: 0, at: 0 };
    const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Write a haiku about reverse proxies.' }], max_tokens: 64 });
    const load = await runCount({
      url: `${gateway.url}/v1/chat/completions`,
      body,
      concurrency: opts.concurrency,
      total: opts.requests,
      every: opts.every,
      async onCheckpoint(p) {
        const rss = rssMB(gateway.pid);
        const heap = await fetchHeap(gateway.url);
        const requestsPerSec = Math.round(((p.finished - last.finished) * 1000) / (p.elapsedMs - last.at));
        last = { finished: p.finished, at: p.elapsedMs };
        samples.push({ requests: p.finished, rssMB: rss ?? NaN, heap, requestsPerSec, errors: p.errorCount });
        console.log(`${p.finished.toLocaleString('en-US').padStart(11)} requests  RSS ${String(rss ?? '?').padStart(6)} MB  ${fmtHeap(heap).padEnd(20)}  ${requestsPerSec.toLocaleString('en-US')} req/s  ${p.errorCount} errors`);
      },
    });
    await wait(opts.idleWaitMs);
    const after = await idle();
    console.log(`idle after:  RSS ${after.rssMB ?? '?'} MB, ${fmtHeap(after.heap)}`);
    const rate = Math.round((load.finished * 1000) / load.elapsedMs);
    console.log(`${load.finished.toLocaleString('en-US')} requests in ${(load.elapsedMs / 1000).toFixed(1)} s (${rate.toLocaleString('en-US')} req/s), ${load.errorCount} errors${load.errorSample ? ` (first: ${load.errorSample})` : ''}`);

    const trend = rssTrend(samples, opts.requests / 2);
    const goals = soakGoals(before.rssMB, samples, trend);
    console.log(`\n${formatSoakGoals(goals)}`);
    if (trend?.growing) console.log(`warning: RSS grew by ${trend.slopeMBPer100k} MB per 100k requests over the last half: a leak, or not warm yet (run longer)`);
    if (opts.logLevel !== 'info') console.log(`note: LOG_LEVEL=${opts.logLevel}, not the default config's info`);

    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `soak-${fileStamp()}.json`);
    const record = { startedAt, options: opts, git: gitState(), machine: machine(), pinning, build, backend: backend.args, gatewayConfig: configText, idleBefore: before, idleAfter: after, samples, load, trend, goals };
    writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
    console.log(`\nwrote ${file}`);
    if (load.stalled) console.log('error: no request finished for 60 s: the run was abandoned');
    return load.errorCount > 0 || load.stalled ? 1 : 0;
  } finally {
    await group.stopAll();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runSoak(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
