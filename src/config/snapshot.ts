import { nativeApis, type ApiName } from './model-apis.ts';
import type { ModelConfig, ParsedConfig, TargetConfig } from './schema.ts';

/** Health checking of one model's targets, with the server's defaults filled in. */
export interface HealthSettings {
  /** 0: no active probes */
  readonly interval: number;
  readonly timeout: number;
  readonly path: string;
  readonly eject_after: number;
  readonly cooldown: number;
}

/** A model as the gateway routes it: config plus the derived facts requests need. */
export interface ModelEntry extends ModelConfig {
  readonly upstreamModel: string;
  /** The replicas: `targets`, or `backend_url` as a single target; empty for `sim` and split models. */
  readonly targetConfigs: readonly TargetConfig[];
  readonly healthSettings: HealthSettings;
  /** The APIs the backend serves itself; `translate` lists the ones served by translation. */
  readonly nativeApis: readonly ApiName[];
}

/** An immutable, validated config. A request keeps the snapshot it started with. */
export interface ConfigSnapshot {
  readonly source: string;
  readonly server: ParsedConfig['server'];
  readonly auth: ParsedConfig['auth'];
  readonly rateLimits: ParsedConfig['rate_limits'];
  readonly metrics: ParsedConfig['metrics'];
  readonly lifecycle: ParsedConfig['lifecycle'];
  readonly cache: ParsedConfig['cache'];
  readonly models: readonly ModelEntry[];
  /** name or alias -> model */
  readonly byName: ReadonlyMap<string, ModelEntry>;
  /** path prefix (`/coder`) -> the model name it is bound to */
  readonly routes: ReadonlyMap<string, string>;
}

const DEFAULT_HEALTH_INTERVAL_MS = 10_000;

export function createSnapshot(cfg: ParsedConfig, source: string): ConfigSnapshot {
  const models = cfg.models.map((m) => deepFreeze(toEntry(m, cfg)));
  const byName = new Map<string, ModelEntry>();
  for (const m of models) for (const n of [m.name, ...m.aliases]) byName.set(n, m);
  return Object.freeze({
    source,
    server: deepFreeze(cfg.server),
    auth: deepFreeze(cfg.auth),
    rateLimits: deepFreeze(cfg.rate_limits),
    metrics: deepFreeze(cfg.metrics),
    lifecycle: deepFreeze(cfg.lifecycle),
    cache: deepFreeze(cfg.cache),
    models: Object.freeze(models),
    byName,
    routes: new Map(cfg.routes.map((r) => [r.prefix, r.model])),
  });
}

function toEntry(m: ModelConfig, cfg: ParsedConfig): ModelEntry {
  const server = cfg.server.health;
  const own = m.health ?? {};
  const targetConfigs = m.targets ?? (m.backend_url ? [{ url: m.backend_url, weight: 1, headers: {} }] : []);
  return {
    ...m,
    upstreamModel: m.upstream_model ?? m.name,
    targetConfigs,
    nativeApis: nativeApis(m),
    healthSettings: {
      interval: own.interval ?? server.interval ?? cfg.metrics.health_interval ?? DEFAULT_HEALTH_INTERVAL_MS,
      timeout: own.timeout ?? server.timeout,
      path: own.path ?? (m.backend === 'openai' ? '/v1/models' : '/health'),
      eject_after: own.eject_after ?? server.eject_after,
      cooldown: own.cooldown ?? server.cooldown,
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
