import { errors } from '../errors/errors.ts';

/** The named levels of X-Request-Priority; keys and tiers may also use any integer. */
export const PRIORITY_LEVELS: Readonly<Record<string, number>> = { high: 10, normal: 0, low: -10 };

/**
 * A request's place in its model's queue: `X-Request-Priority` (high, normal, low or an
 * integer) when sent, otherwise the caller's key or tier `priority`.
 */
export function requestPriority(header: string | undefined, fallback: number): number {
  if (header === undefined || header === '') return fallback;
  const named = PRIORITY_LEVELS[header.trim().toLowerCase()];
  if (named !== undefined) return named;
  const n = Number(header);
  if (/^\s*-?\d{1,6}\s*$/.test(header) && Number.isSafeInteger(n)) return n;
  throw errors.invalidHeader('x-request-priority', `X-Request-Priority must be high, normal, low or an integer, got '${header.slice(0, 40)}'.`);
}
