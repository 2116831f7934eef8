/**
 * Overhead benchmark: the same requests, in the same run, sent directly to a backend (the
 * minimal node:http one, or the simulator), through a bare node:http proxy, through the 15-line
 * Hono app, and through the gateway in several configurations (the default config, logs at
 * warn, metrics off, API keys, rate limits in memory and in Redis, a shadow model that is slow or
 * refuses connections; on Bun; with two workers), and, with `--baseline REV`, the gateway of
 * another git revision with the same config. Ends with issue 14's goals as measured in the run
 * (bench/goals.ts) and the machine's noise. See docs/benchmarks.md.
 *
 *   npm run bench:overhead -- --duration 10s --concurrency 64 --stream-concurrency 16
 *   npm run bench:overhead -- --targets all --backend sim --tokens 16
 *   npm run bench:overhead -- --baseline HEAD~3 --targets gateway,gateway-baseline
 *   npm run bench -- --mode overhead ...      (the same, through bench/sweep.ts)
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { maxTokens, parseBenchArgs, USAGE, type BenchOptions } from './args.ts';
import { commitSubject, exportRevision, resolveRevision, type Baseline } from './baseline.ts';
import { planPinning } from './cpu.ts';
import { gitState, machine, RESULTS_DIR, ROOT } from './environment.ts';
import { evaluateGoals, formatGoals, formatNoise, goalSpecs, machineNoise } from './goals.ts';
import { measure, type TargetResult } from './measure.ts';
import { runGroup } from './processes.ts';
import { compare, formatComparisons, formatResults, writeRecord } from './report.ts';
import { waitForQuiet } from './quiet.ts';
import { disturbed, DISTURBED_OTHER_PERCENT, DISTURBED_STEAL_PERCENT, reduceRounds } from './rounds.ts';
import { REDIS_TARGETS, redisScriptCalls, requestBody, SLOW_SHADOW, shadowOutcomes, startTopology } from './topology.ts';

const PAUSE_BETWEEN_MS = 500;
/** Machine busy below this (in % of one core) while our servers idle counts as quiet. */
const QUIET_PERCENT = 20;

/** Everything the run may take, with slack; past it the run is abandoned. */
function hardLimitMs(opts: BenchOptions): number {
  const perTarget = opts.warmupMs + opts.durationMs + PAUSE_BETWEEN_MS + opts.quietWaitMs + 10_000; // + request timeout for the tail
  const settle = SLOW_SHADOW.ttftMs + SLOW_SHADOW.tokenDelayMs * maxTokens(opts) + 500; // after gateway-shadow-slow
  return 60_000 + (opts.baseline ? 60_000 : 0) + opts.rounds * opts.phases.length * settle + opts.rounds * opts.phases.length * opts.targets.length * perTarget * 1.5;
}

/** Runs the overhead benchmark with these flags; resolves with the exit code. */
export async function runOverhead(argv: string[]): Promise<number> {
  let opts: BenchOptions | null;
  try {
    opts = parseBenchArgs(argv);
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}\n(npm run bench:overhead -- --help lists the flags)`);
    return 2;
  }
  if (!opts) {
    console.log(USAGE);
    return 0;
  }
  // Before anything starts: a revision that does not resolve ends the run here.
  let baselineCommit: string | null = null;
  if (opts.baseline !== null) {
    try {
      baselineCommit = resolveRevision(opts.baseline);
    } catch (err) {
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      return 2;
    }
  }
  const startedAt = new Date().toISOString();
  const pinning = planPinning(opts.pin);
  const { group, tempDir } = runGroup(ROOT, 'modeltainer-bench-');
  const limit = setTimeout(() => {
    console.error(`benchmark still running after ${hardLimitMs(opts)} ms: giving up`);
    group.killAllNow();
    process.exit(1);
  }, hardLimitMs(opts));
  limit.unref();

  console.log(
    pinning.pinned
      ? `pinning: proxy under test on CPU ${pinning.plan?.proxy}, backends + load generator on CPU ${pinning.plan?.rest} (gateway-workers-2: not pinned)`
      : `pinning: none (${pinning.reason})`,
  );
  try {
    let baseline: Baseline | null = null;
    if (opts.baseline !== null && baselineCommit !== null) {
      const dir = join(tempDir, `baseline-${baselineCommit.slice(0, 12)}`);
      await exportRevision(baselineCommit, dir);
      baseline = { rev: opts.baseline, commit: baselineCommit, subject: commitSubject(baselineCommit), dir };
      console.log(`baseline: gateway-baseline runs ${opts.baseline} = ${baselineCommit} "${baseline.subject}" (exported to ${dir})`);
    }
    const topology = await startTopology(group, opts, pinning.plan, tempDir, baseline?.dir ?? null);
    const { phases } = topology;
    for (const s of topology.skipped) console.log(`skipping ${s.target}: ${s.reason}`);
    const redisCallsBefore = topology.redis ? await redisScriptCalls(topology.redis.url) : null;
    const all: TargetResult[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      for (const phase of phases) {
        const body = requestBody(phase, maxTokens(opts));
        // Every other round runs the targets backwards (A B C, C B A, …), so that a machine getting
        // slower or faster over the run does not always favour the same targets.
        const order = round % 2 === 0 ? [...phase.endpoints].reverse() : phase.endpoints;
        for (const endpoint of order) {
          await new Promise((r) => setTimeout(r, PAUSE_BETWEEN_MS));
          const label = opts.rounds > 1 ? `[${round}/${opts.rounds}] ` : '';
          process.stdout.write(`${label}${phase.name.padEnd(10)} ${endpoint.target.padEnd(21)} ... `);
          const quietBefore = opts.quietWaitMs > 0 ? await waitForQuiet(QUIET_PERCENT, opts.quietWaitMs) : undefined;
          if (quietBefore && !quietBefore.quiet) process.stdout.write(`(machine still ${quietBefore.busyPercent}% busy, ${quietBefore.stealPercent}% steal) `);
          const r = { ...(await measure(phase, endpoint, body, opts.warmupMs, opts.durationMs)), ...(quietBefore ? { quietBefore } : {}), round };
          all.push(r);
          const extra = r.errorCount ? `, ${r.errorCount} errors ${JSON.stringify(r.errors)}` : '';
          console.log(`${r.requestsPerSec} req/s, p50 ${r.latency.p50} ms, ttfb p50 ${r.ttfb.p50} ms, other CPU ${r.cpu.otherPercent ?? '-'}%, steal ${r.cpu.stealPercent ?? '-'}%${extra}`);
          // shadow copies still running must not load the machine while the next target is measured
          if (endpoint.settleMs) await new Promise((r) => setTimeout(r, endpoint.settleMs));
        }
      }
    }
    // The limiter lets requests through when its store fails: make sure Redis really was asked.
    let redisCheck: { scriptCalls: number | null; perRequest: number | null } | null = null;
    if (topology.redis) {
      const after = await redisScriptCalls(topology.redis.url);
      const calls = after === null || redisCallsBefore === null ? null : after - redisCallsBefore;
      const sent = all.filter((r) => REDIS_TARGETS.includes(r.target)).reduce((n, r) => n + r.sent, 0);
      redisCheck = { scriptCalls: calls, perRequest: calls === null || sent === 0 ? null : Math.round((100 * calls) / sent) / 100 };
      console.log(`redis-server ran ${calls ?? '?'} scripts for the ${sent} requests of the Redis targets (${redisCheck.perRequest ?? '?'} per request)`);
    }
    // The caller never sees a shadow copy's outcome: ask each shadow gateway what became of them.
    const shadows: Record<string, Record<string, number> | null> = {};
    const shadowProblems: string[] = [];
    for (const [target, server] of Object.entries(topology.shadowGateways)) {
      const outcomes = (shadows[target] = await shadowOutcomes(server.url));
      const sent = all.filter((r) => r.target === target).reduce((n, r) => n + r.sent, 0);
      const list = outcomes ? Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', ') || 'none' : '? (metrics unreadable)';
      console.log(`${target}: shadow copies of its ${sent} requests: ${list}`);
      if (!outcomes) continue;
      if (target === 'gateway-shadow-slow') {
        if (!outcomes.ok) shadowProblems.push(`${target}: no shadow copy succeeded, so the numbers do not include a working slow shadow`);
        const failed = (outcomes.error ?? 0) + (outcomes.timeout ?? 0);
        if (failed) console.log(`warning: ${target}: ${failed} shadow copies failed or timed out`);
      } else if (outcomes.ok) {
        shadowProblems.push(`${target}: ${outcomes.ok} shadow copies succeeded against a backend meant to refuse connections`);
      }
    }
    const results = reduceRounds(all);
    const comparisons = compare(results, all);
    console.log(`\n${formatResults(results)}\n\n${formatComparisons(comparisons)}`);
    const goals = evaluateGoals(goalSpecs(maxTokens(opts)), results, all);
    const noise = machineNoise(all);
    console.log(`\n${formatGoals(goals)}\n${formatNoise(noise)}`);
    for (const s of topology.skipped) console.log(`(not measured: ${s.target}: ${s.reason})`);
    const file = writeRecord(RESULTS_DIR, {
      startedAt,
      options: opts,
      git: gitState(),
      ...(baseline ? { baseline: { rev: baseline.rev, commit: baseline.commit, subject: baseline.subject } } : {}),
      machine: machine(),
      pinning,
      skipped: topology.skipped,
      gatewayConfigs: topology.gatewayConfigs,
      ...(redisCheck ? { redis: redisCheck } : {}),
      ...(Object.keys(shadows).length ? { shadows } : {}),
      simulators: {
        ...Object.fromEntries(phases.map((p) => [p.name, { url: p.simulator.url, args: p.simulatorArgs }])),
        ...(topology.shadowSimulator ? { 'shadow-slow': topology.shadowSimulator } : {}),
      },
      requestBodies: Object.fromEntries(phases.map((p) => [p.name, JSON.parse(requestBody(p, maxTokens(opts))) as unknown])),
      results,
      comparisons,
      goals,
      noise,
      allRounds: all,
    });
    console.log(`\nwrote ${file}`);
    const noisy = all.filter((r) => (r.cpu.otherPercent ?? 0) > DISTURBED_OTHER_PERCENT);
    if (noisy.length) {
      console.log(`warning: ${noisy.length} measurement(s) saw more than ${DISTURBED_OTHER_PERCENT}% of a core used by other processes: numbers are suspect`);
    }
    const stolen = all.filter((r) => (r.cpu.stealPercent ?? 0) > DISTURBED_STEAL_PERCENT);
    if (stolen.length) {
      console.log(`warning: in ${stolen.length} measurement(s) the hypervisor stole more than ${DISTURBED_STEAL_PERCENT}% of a core: the host was busy, numbers are suspect`);
    }
    const leftOut = results.reduce((n, r) => n + r.rounds.disturbed, 0);
    if (leftOut) console.log(`${leftOut} disturbed round(s) left out of the medians (each target kept its undisturbed rounds where it had any)`);
    for (const r of results.filter(disturbed)) {
      console.log(`warning: ${r.phase}/${r.target}: every round was disturbed`);
    }
    for (const r of all.filter((x) => x.errorSamples)) {
      for (const [kind, sample] of Object.entries(r.errorSamples ?? {})) console.log(`error ${r.phase}/${r.target} ${kind}: ${sample}`);
    }
    const redisUnused = redisCheck !== null && !(redisCheck.scriptCalls && redisCheck.scriptCalls > 0);
    if (redisUnused) console.log('error: redis-server saw no rate-limit commands: the numbers of the Redis targets do not include Redis');
    for (const p of shadowProblems) console.log(`error: ${p}`);
    const failed = all.some((r) => r.errorCount > 0 || r.completed === 0) || redisUnused || shadowProblems.length > 0;
    return failed ? 1 : 0;
  } finally {
    await group.stopAll();
    if (opts.profileDir) console.log(`gateway CPU profiles written to ${opts.profileDir}/<target>/`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runOverhead(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
