/** One measurement: load on one endpoint, plus the CPU each process used during the window. */
import { processCpuMs, processTreeCpuMs, systemCpu, type SystemCpu } from './cpu.ts';
import { runLoad } from './load-generator.ts';
import { round, summarize, type LatencySummary } from './stats.ts';
import type { Endpoint, Phase } from './topology.ts';
import type { PhaseName, TargetName } from './args.ts';
import type { ServerProcess } from './processes.ts';
import type { QuietCheck } from './quiet.ts';

export interface CpuShare {
  /** CPU time over wall time of the window, in % of one core. */
  percent: number;
  /** CPU microseconds per completed request. */
  usPerRequest: number;
}

export interface TargetResult {
  phase: PhaseName;
  target: TargetName;
  url: string;
  concurrency: number;
  requestsPerSec: number;
  completed: number;
  errorCount: number;
  errors: Record<string, number>;
  /** One message per error kind, when there were errors. */
  errorSamples?: Record<string, string>;
  warmupErrors: number;
  late: number;
  /** Every request sent to the target, warm-up included. */
  sent: number;
  /** End-to-end latency, ms. */
  latency: LatencySummary;
  /** Time to first body byte, ms. */
  ttfb: LatencySummary;
  /** The machine's load just before the measurement (see quiet.ts); absent with --quiet-wait 0. */
  quietBefore?: QuietCheck;
  /** Which pass of `--rounds` it belongs to (1-based). */
  round?: number;
  cpu: {
    proxy: CpuShare | null;
    simulator: CpuShare | null;
    loadGenerator: CpuShare;
    /** The target's helper process (redis-server for gateway-limits-redis); null when it has none. */
    sidecar: CpuShare | null;
    /** The backend of the target's shadow model (gateway-shadow-slow's slow simulator); absent when it has none. */
    shadowBackend?: CpuShare | null;
    /**
     * Busy CPU of the whole machine not used by the processes above, in % of one core:
     * other processes, plus kernel network work not charged to a process. High values mean
     * something else was running and the numbers are suspect.
     */
    otherPercent: number | null;
    /** CPU time stolen by the hypervisor, in % of one core. */
    stealPercent: number | null;
  };
}

interface CpuSnapshot {
  proxy: number | null;
  simulator: number | null;
  sidecar: number | null;
  shadowBackend: number | null;
  self: number;
  system: SystemCpu | null;
  at: number;
}

function snapshot(proxy: ServerProcess | null, simPid: number, sidecarPid: number | null, shadowPid: number | null): CpuSnapshot {
  const self = process.cpuUsage();
  return {
    // a primary's CPU includes its workers'
    proxy: proxy === null ? null : proxy.tree ? processTreeCpuMs(proxy.pid) : processCpuMs(proxy.pid),
    simulator: processCpuMs(simPid),
    sidecar: sidecarPid === null ? null : processCpuMs(sidecarPid),
    shadowBackend: shadowPid === null ? null : processCpuMs(shadowPid),
    self: (self.user + self.system) / 1000,
    system: systemCpu(),
    at: performance.now(),
  };
}

function share(before: number | null, after: number | null, wallMs: number, completed: number): CpuShare | null {
  if (before === null || after === null) return null;
  const used = after - before;
  return { percent: round((100 * used) / wallMs, 1), usPerRequest: completed ? round((used * 1000) / completed, 1) : NaN };
}

function otherPercent(a: CpuSnapshot, b: CpuSnapshot): number | null {
  if (a.system === null || b.system === null || a.simulator === null || b.simulator === null) return null;
  const ours =
    (b.proxy ?? 0) - (a.proxy ?? 0) + (b.simulator - a.simulator) + (b.self - a.self) + ((b.sidecar ?? 0) - (a.sidecar ?? 0)) + ((b.shadowBackend ?? 0) - (a.shadowBackend ?? 0));
  return round((100 * (b.system.busy - a.system.busy - ours)) / (b.at - a.at), 0);
}

function stealPercent(a: CpuSnapshot, b: CpuSnapshot): number | null {
  if (a.system === null || b.system === null) return null;
  return round((100 * (b.system.steal - a.system.steal)) / (b.at - a.at), 0);
}

function summarizeMs(samples: number[]): LatencySummary {
  const s = summarize(samples);
  return { count: s.count, mean: round(s.mean), p50: round(s.p50), p90: round(s.p90), p99: round(s.p99), max: round(s.max) };
}

export async function measure(phase: Phase, endpoint: Endpoint, body: string, warmupMs: number, durationMs: number): Promise<TargetResult> {
  const simPid = phase.simulator.pid;
  const sidecarPid = endpoint.sidecar?.pid ?? null;
  const shadowPid = endpoint.shadowBackend?.pid ?? null;
  const take = () => snapshot(endpoint.proxy, simPid, sidecarPid, shadowPid);
  // CPU is read at the window's edges, not around the warm-up.
  let start: CpuSnapshot | null = null;
  let end: CpuSnapshot | null = null;
  const t1 = setTimeout(() => (start = take()), warmupMs);
  const t2 = setTimeout(() => (end = take()), warmupMs + durationMs);
  const load = await runLoad({
    url: endpoint.url,
    body,
    stream: phase.stream,
    concurrency: phase.concurrency,
    warmupMs,
    durationMs,
    ...(endpoint.headers ? { headers: endpoint.headers } : {}),
  });
  clearTimeout(t1);
  clearTimeout(t2);
  const a = start as CpuSnapshot | null;
  const b = (end as CpuSnapshot | null) ?? take();
  const wall = a ? b.at - a.at : NaN;
  const n = load.completed;
  return {
    phase: phase.name,
    target: endpoint.target,
    url: endpoint.url,
    concurrency: phase.concurrency,
    requestsPerSec: round(n / (load.windowMs / 1000), 1),
    completed: n,
    errorCount: load.errorCount,
    errors: load.errors,
    ...(load.errorCount ? { errorSamples: load.errorSamples } : {}),
    warmupErrors: load.warmupErrors,
    late: load.late,
    sent: load.sent,
    latency: summarizeMs(load.latencyMs),
    ttfb: summarizeMs(load.ttfbMs),
    cpu: {
      proxy: a ? share(a.proxy, b.proxy, wall, n) : null,
      simulator: a ? share(a.simulator, b.simulator, wall, n) : null,
      loadGenerator: a ? (share(a.self, b.self, wall, n) as CpuShare) : { percent: NaN, usPerRequest: NaN },
      sidecar: a ? share(a.sidecar, b.sidecar, wall, n) : null,
      ...(shadowPid !== null ? { shadowBackend: a ? share(a.shadowBackend, b.shadowBackend, wall, n) : null } : {}),
      otherPercent: a ? otherPercent(a, b) : null,
      stealPercent: a ? stealPercent(a, b) : null,
    },
  };
}
