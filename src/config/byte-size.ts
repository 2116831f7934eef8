import { z } from 'zod';

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** `24GiB`, `512MiB`, `8GB`, `1.5GiB` or a number of bytes; binary units are powers of 1024. Throws on anything else. */
export function parseBytes(value: string | number): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
    throw new Error(`invalid size ${value}: use a number of bytes or e.g. 24GiB`);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(value);
  const unit = UNITS[(m?.[2] ?? 'b').toLowerCase()];
  if (!m || unit === undefined) throw new Error(`invalid size '${value}': use e.g. 24GiB, 512MiB, 8GB or a number of bytes`);
  return Math.round(Number(m[1]) * unit);
}

/** A memory size in the config, parsed to bytes. */
export const byteSize = z.union([z.number(), z.string()], { error: 'expected a size such as 24GiB or 512MiB' }).transform((value, ctx) => {
  try {
    return parseBytes(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** `23.5 GiB`: sizes in messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  return `${bytes} B`;
}
