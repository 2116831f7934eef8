import type { ConfigSnapshot, ModelEntry } from './snapshot.ts';

/** What a reload changes, by model name; the runtime applies exactly this. */
export interface ConfigDiff {
  added: string[];
  removed: string[];
  /** Models whose entry differs, with the top-level fields that differ. */
  changed: { name: string; fields: string[] }[];
  /** Top-level sections other than models that differ (server, auth, metrics, rate_limits, lifecycle, cache). */
  sections: string[];
}

const SECTIONS = ['server', 'auth', 'metrics', 'rateLimits', 'lifecycle', 'cache'] as const;

export function diffSnapshots(prev: ConfigSnapshot, next: ConfigSnapshot): ConfigDiff {
  const before = new Map(prev.models.map((m) => [m.name, m]));
  const after = new Map(next.models.map((m) => [m.name, m]));
  const diff: ConfigDiff = { added: [], removed: [], changed: [], sections: [] };
  for (const [name, m] of after) {
    const old = before.get(name);
    if (!old) diff.added.push(name);
    else {
      const fields = changedFields(old, m);
      if (fields.length) diff.changed.push({ name, fields });
    }
  }
  for (const name of before.keys()) if (!after.has(name)) diff.removed.push(name);
  for (const s of SECTIONS) if (!same(prev[s], next[s])) diff.sections.push(s === 'rateLimits' ? 'rate_limits' : s);
  return diff;
}

export function isEmptyDiff(d: ConfigDiff): boolean {
  return !d.added.length && !d.removed.length && !d.changed.length && !d.sections.length;
}

function changedFields(a: ModelEntry, b: ModelEntry): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !same((a as unknown as Record<string, unknown>)[k], (b as unknown as Record<string, unknown>)[k]));
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
