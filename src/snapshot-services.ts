import { createAuthenticator, type Authenticator } from './auth/authenticator.ts';
import type { ConfigSnapshot } from './config/snapshot.ts';
import type { Clock, Logger } from './deps.ts';
import type { CounterStore } from './limits/counter-store.ts';
import { createRateLimiter, type RateLimiter } from './limits/rate-limiter.ts';

/**
 * Objects that are pure functions of one config snapshot (plus stateless ports): built on
 * first use, dropped with the snapshot. Anything with a lifetime lives in the runtime instead.
 */
export interface SnapshotServices {
  authenticator: Authenticator;
  /** Counts in the shared store, under this snapshot's `rate_limits.prefix`. */
  limiter: RateLimiter;
}

export function createSnapshotServices(store: CounterStore, clock: Clock, logger: Logger): (snapshot: ConfigSnapshot) => SnapshotServices {
  const bySnapshot = new WeakMap<ConfigSnapshot, SnapshotServices>();
  // a reload that leaves `auth` alone keeps the authenticator, and with it the JWKS cache
  let auth: { text: string; authenticator: Authenticator } | null = null;
  return (snapshot) => {
    let services = bySnapshot.get(snapshot);
    if (!services) {
      const text = JSON.stringify(snapshot.auth ?? null);
      if (auth?.text !== text) auth = { text, authenticator: createAuthenticator(snapshot.auth) };
      services = { authenticator: auth.authenticator, limiter: createRateLimiter(store, clock, logger, snapshot.rateLimits.prefix) };
      bySnapshot.set(snapshot, services);
    }
    return services;
  };
}
