import type { Limits } from '../config/auth-schema.ts';
import type { Clock, Logger } from '../deps.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { windowOf, WINDOW_MS, type Admitted, type CounterStore, type LimitCheck } from './counter-store.ts';
import { rateLimitHeaders, type LimitState } from './rate-limit-headers.ts';

/** Something limits apply to: a key (`key:alice`) or a model (`model:llama`). */
export interface LimitScope {
  id: string;
  limits: Limits;
}

export interface Admission {
  /** x-ratelimit-* for the first scope (the caller), sent on the response */
  headers: Record<string, string>;
  /** Counts the request's tokens and frees its concurrency slots; call once, when it has ended. */
  finish(tokens: number): void;
}

export interface RateLimiter {
  /**
   * Admits a request or throws 429 `rate_limit_exceeded` with Retry-After and the
   * x-ratelimit headers. Synchronous when the store is (memory), a promise otherwise.
   */
  admit(scopes: readonly LimitScope[], slotTtlMs: number): Admission | Promise<Admission>;
}

interface ScopedCheck extends LimitCheck {
  readonly scope: string;
  /** whether it belongs to the first scope, whose state the x-ratelimit headers report */
  readonly first: boolean;
}

const WHAT = { requests: 'requests per minute', tokens: 'tokens per minute', concurrent: 'concurrent requests' } as const;
const UNLIMITED: Admission = { headers: {}, finish: () => undefined };

/**
 * Requests and tokens per minute in fixed windows, plus concurrent requests.
 * Tokens are checked before (is the minute's budget spent?) and counted after,
 * from the backend's usage. If the store fails, requests are let through and
 * the failure is logged: limits protect fairness, not access.
 */
export function createRateLimiter(store: CounterStore, clock: Clock, logger: Logger, prefix = ''): RateLimiter {
  const letThrough = (err: unknown): Admission => {
    logger.log('error', { msg: 'rate limit store failed; request let through', error: String(err) });
    return UNLIMITED;
  };
  const settleFailed = (err: unknown) => logger.log('error', { msg: 'rate limit store failed while counting', error: String(err) });

  const conclude = (checks: readonly ScopedCheck[], outcome: Admitted, now: number): Admission => {
    const resetMs = (windowOf(now) + 1) * WINDOW_MS - now;
    let requests: LimitState | null = null;
    let tokens: LimitState | null = null;
    for (let i = 0; i < outcome.values.length; i++) {
      const c = checks[i]!;
      if (!c.first || c.kind === 'concurrent') continue;
      const used = outcome.values[i]!;
      const state = { limit: c.limit, remaining: c.limit - used, resetMs };
      if (c.kind === 'requests') requests = state;
      else tokens = state;
    }
    const headers = rateLimitHeaders(requests, tokens);
    if (outcome.failed >= 0) {
      const c = checks[outcome.failed]!;
      const seconds = Math.max(1, Math.ceil(resetMs / 1000));
      throw new GatewayError({
        status: 429,
        message: `Rate limit reached: ${WHAT[c.kind]} for ${c.scope} (limit ${c.limit}). Try again in ${seconds}s.`,
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
        headers: { 'retry-after': String(seconds), ...headers },
      });
    }
    const tokenKeys: string[] = [];
    const slotKeys: string[] = [];
    for (const c of checks) {
      if (c.kind === 'concurrent') slotKeys.push(c.key);
      else if (c.kind === 'tokens') tokenKeys.push(c.key);
    }
    let finished = false;
    return {
      headers,
      finish(used) {
        if (finished || (used <= 0 && slotKeys.length === 0)) return;
        finished = true;
        try {
          const done = store.settle(tokenKeys, used, windowOf(clock.wall()), slotKeys);
          if (done) done.catch(settleFailed);
        } catch (err) {
          settleFailed(err);
        }
      },
    };
  };

  return {
    admit(scopes, slotTtlMs) {
      const checks: ScopedCheck[] = [];
      for (let i = 0; i < scopes.length; i++) {
        const { id, limits } = scopes[i]!;
        const key = prefix + id;
        const first = i === 0;
        if (limits.rpm !== undefined) checks.push({ kind: 'requests', key: `${key}:rpm`, limit: limits.rpm, ttlMs: 0, scope: id, first });
        if (limits.tpm !== undefined) checks.push({ kind: 'tokens', key: `${key}:tpm`, limit: limits.tpm, ttlMs: 0, scope: id, first });
        if (limits.max_concurrent !== undefined) {
          checks.push({ kind: 'concurrent', key: `${key}:concurrent`, limit: limits.max_concurrent, ttlMs: slotTtlMs, scope: id, first });
        }
      }
      const now = clock.wall();
      let outcome: Admitted | Promise<Admitted>;
      try {
        outcome = store.admit(checks, windowOf(now));
      } catch (err) {
        return letThrough(err);
      }
      // a GatewayError thrown by conclude rejects the promise; only store failures let requests through
      return outcome instanceof Promise ? outcome.then((o) => conclude(checks, o, now), letThrough) : conclude(checks, outcome, now);
    },
  };
}

export function hasLimits(limits: Limits): boolean {
  return limits.rpm !== undefined || limits.tpm !== undefined || limits.max_concurrent !== undefined;
}
