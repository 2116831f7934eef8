/** Memory of a server process: resident set from /proc, V8 heap from its /metrics, and whether it grows. */
import { readFileSync } from 'node:fs';
import { round } from './stats.ts';

/** VmRSS of a process in MB (MiB, one decimal); null where /proc is missing or the process is gone. */
export function rssMB(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : round(Number(kb) / 1024, 1);
  } catch {
    return null;
  }
}

export interface HeapSample {
  /** nodejs_heap_size_used_bytes / nodejs_heap_size_total_bytes, in MB. */
  usedMB: number;
  totalMB: number;
}

/** The V8 heap from the Prometheus default metrics (`nodejs_heap_size_*_bytes`) of a text exposition; null when absent. */
export function heapFromMetrics(text: string): HeapSample | null {
  const value = (name: string) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\S+)`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  const used = value('nodejs_heap_size_used_bytes');
  const total = value('nodejs_heap_size_total_bytes');
  if (!Number.isFinite(used) || !Number.isFinite(total)) return null;
  return { usedMB: round(used / 2 ** 20, 1), totalMB: round(total / 2 ** 20, 1) };
}

/** GET <url>/metrics and read the heap; null when unreachable or without those metrics (Bun, metrics off). */
export async function fetchHeap(baseUrl: string): Promise<HeapSample | null> {
  try {
    const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    return res.ok ? heapFromMetrics(text) : null;
  } catch {
    return null;
  }
}

export interface Trend {
  /** Least-squares slope of RSS over the points used, in MB per 100,000 requests. */
  slopeMBPer100k: number;
  /** Standard error of the slope: the samples scatter with garbage collection. */
  slopeStdErr: number;
  /** Largest minus smallest RSS over those points, MB. */
  rangeMB: number;
  /** The points the slope was fitted on (requests from `from` on). */
  points: number;
  from: number;
  growing: boolean;
}

/** Above this slope (MB per 100k requests) RSS counts as growing: 5 MB over the last 500k requests. */
export const GROWING_MB_PER_100K = 1;

/**
 * Whether RSS still grows once warm: a line fitted to the samples taken at `from` requests or
 * later (the last half of a soak by default). Growing: the slope is above `limit` and more than
 * two standard errors above zero (one high reading after a collection is not a trend). Null with
 * fewer than three such samples.
 */
export function rssTrend(samples: Array<{ requests: number; rssMB: number }>, from: number, limit = GROWING_MB_PER_100K): Trend | null {
  const pts = samples.filter((s) => s.requests >= from && Number.isFinite(s.rssMB));
  if (pts.length < 3) return null;
  const xs = pts.map((p) => p.requests / 100_000);
  const ys = pts.map((p) => p.rssMB);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  const slope = den === 0 ? 0 : num / den;
  let residuals = 0;
  for (let i = 0; i < xs.length; i++) residuals += ((ys[i] as number) - (my + slope * ((xs[i] as number) - mx))) ** 2;
  const stdErr = den === 0 || xs.length < 3 ? 0 : Math.sqrt(residuals / (xs.length - 2) / den);
  return {
    slopeMBPer100k: round(slope, 2),
    slopeStdErr: round(stdErr, 2),
    rangeMB: round(Math.max(...ys) - Math.min(...ys), 1),
    points: pts.length,
    from,
    growing: slope > limit && slope - 2 * stdErr > 0,
  };
}
