/**
 * JSON with every object's keys in sorted order, so two bodies that differ only in field
 * order give the same text. `undefined` members are left out, as JSON.stringify does.
 */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v !== undefined) parts.push(`${JSON.stringify(k)}:${stableJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}
