import type { Capabilities } from '../deps.ts';
import { hasLimits } from '../limits/rate-limiter.ts';
import type { ParsedConfig } from './schema.ts';

export interface CapabilityIssue {
  path: (string | number)[];
  message: string;
}

/** Every runtime feature the config asks for that this runtime lacks. Never silently ignored. */
export function checkCapabilities(cfg: ParsedConfig, caps: Capabilities): CapabilityIssue[] {
  const issues: CapabilityIssue[] = [];
  const store = cfg.rate_limits.store;
  if (!caps.limitStores.includes(store)) {
    issues.push({
      path: ['rate_limits', 'store'],
      message: `rate limit store '${store}' is not available on ${caps.runtime} (available: ${caps.limitStores.join(', ') || 'none'})`,
    });
  }
  if (store === 'redis' && !cfg.rate_limits.redis_url) {
    issues.push({ path: ['rate_limits', 'redis_url'], message: "rate_limits.store 'redis' needs redis_url (e.g. redis://127.0.0.1:6379)" });
  }
  issues.push(...cacheIssues(cfg, caps));
  const limited =
    cfg.models.some((m) => m.limits && hasLimits(m.limits)) ||
    (cfg.auth?.keys ?? []).some((k) => hasLimits(k)) ||
    Object.values(cfg.auth?.tiers ?? {}).some((t) => hasLimits(t));
  if (limited && store === 'memory' && caps.memoryStoreCaveat && !cfg.rate_limits.per_isolate) {
    issues.push({ path: ['rate_limits'], message: `${caps.memoryStoreCaveat} Set rate_limits.per_isolate: true to accept that.` });
  }
  cfg.models.forEach((m, i) => {
    if (!m.launch) return;
    if (!caps.processes) {
      issues.push({ path: ['models', i, 'launch'], message: `starting model servers on demand is not available on ${caps.runtime}: it cannot start processes. Run the model server yourself and give backend_url, or run the gateway on Node, Bun or Deno instead.` });
    } else if (m.launch.docker && !caps.containers) {
      issues.push({ path: ['models', i, 'launch', 'docker'], message: `launch.docker is not available on ${caps.runtime} (the Docker Engine API over its unix socket is reached from Node only): run the gateway on Node, or use launch.command` });
    }
  });
  return issues;
}

function cacheIssues(cfg: ParsedConfig, caps: Capabilities): CapabilityIssue[] {
  const { store, redis_url } = cfg.cache;
  const available = caps.cacheStores ?? ['memory'];
  if (!available.includes(store)) {
    return [{ path: ['cache', 'store'], message: `cache store '${store}' is not available on ${caps.runtime} (available: ${available.join(', ')})` }];
  }
  if (store === 'redis' && !redis_url) return [{ path: ['cache', 'redis_url'], message: "cache.store 'redis' needs redis_url (e.g. redis://127.0.0.1:6379)" }];
  return [];
}

export const allCapabilities: Capabilities = { runtime: 'this runtime', limitStores: ['memory', 'redis'], cacheStores: ['memory', 'redis', 'cache_api'], processes: true, containers: true };
