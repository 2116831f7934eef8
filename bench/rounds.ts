/**
 * Several rounds of the same target reduced to one: the median round by the phase's main
 * metric, among the rounds the machine left alone when there are any.
 */
import type { PhaseName, TargetName } from './args.ts';
import type { TargetResult } from './measure.ts';

/** A round is disturbed when the hypervisor stole, or other processes used, more than this (% of one core). */
export const DISTURBED_STEAL_PERCENT = 10;
export const DISTURBED_OTHER_PERCENT = 15;

export interface Reduced extends TargetResult {
  /**
   * How many rounds were measured, how many were left out as disturbed (steal or other load;
   * only while at least one undisturbed round remains), and the spread of the main metric
   * across the rounds kept.
   */
  rounds: { count: number; disturbed: number; metric: string; min: number; max: number; values: number[] };
}

/** Non-stream: requests/s (higher is better). Stream: TTFB p50 (lower is better). */
function mainMetric(r: TargetResult): [string, number] {
  return r.phase !== 'non-stream' ? ['ttfb.p50', r.ttfb.p50] : ['requestsPerSec', r.requestsPerSec];
}

export function disturbed(r: TargetResult): boolean {
  return (r.cpu.stealPercent ?? 0) > DISTURBED_STEAL_PERCENT || (r.cpu.otherPercent ?? 0) > DISTURBED_OTHER_PERCENT;
}

/** Groups by phase and target (first-seen order) and keeps each group's median undisturbed round. */
export function reduceRounds(all: TargetResult[]): Reduced[] {
  const groups = new Map<string, TargetResult[]>();
  for (const r of all) {
    const key = `${r.phase}/${r.target}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rounds) => {
    const clean = rounds.filter((r) => !disturbed(r));
    const kept = clean.length ? clean : rounds;
    const sorted = [...kept].sort((x, y) => mainMetric(x)[1] - mainMetric(y)[1]);
    const median = sorted[Math.floor((sorted.length - 1) / 2)] as TargetResult;
    const values = kept.map((r) => mainMetric(r)[1]);
    return {
      ...median,
      // Errors count in every round, not only the median one.
      errorCount: rounds.reduce((sum, r) => sum + r.errorCount, 0),
      rounds: { count: rounds.length, disturbed: rounds.length - kept.length, metric: mainMetric(median)[0], min: Math.min(...values), max: Math.max(...values), values },
    };
  });
}

/**
 * a / b (or a − b) within each round where both have a finite value, ascending, over the rounds
 * in which neither was disturbed (all such rounds when none is clean: then `disturbedOnly`).
 */
export function pairedValues(
  all: TargetResult[],
  phase: PhaseName,
  a: TargetName,
  b: TargetName,
  get: (r: TargetResult) => number | undefined,
  op: 'ratio' | 'delta' = 'ratio',
): { values: number[]; disturbedOnly: boolean } {
  const pairs: Array<{ v: number; clean: boolean }> = [];
  for (const ra of all.filter((r) => r.phase === phase && r.target === a && r.round !== undefined)) {
    const rb = all.find((r) => r.phase === phase && r.target === b && r.round === ra.round);
    const va = get(ra);
    const vb = rb ? get(rb) : undefined;
    if (!rb || va === undefined || vb === undefined || !Number.isFinite(va) || !Number.isFinite(vb) || (op === 'ratio' && vb === 0)) continue;
    pairs.push({ v: op === 'ratio' ? va / vb : va - vb, clean: !disturbed(ra) && !disturbed(rb) });
  }
  const clean = pairs.filter((p) => p.clean);
  return { values: (clean.length ? clean : pairs).map((p) => p.v).sort((x, y) => x - y), disturbedOnly: pairs.length > 0 && clean.length === 0 };
}
