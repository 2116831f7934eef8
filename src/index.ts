/** The gateway's public surface for adapters. */
export { createApp, type GatewayApp } from './app.ts';
export { createGatewayMetrics, type GatewayMetrics } from './observability/gateway-metrics.ts';
export type { AppEnv } from './app-env.ts';
export type { Capabilities, Clock, GatewayDeps, LogLevel, LogRecord, Logger, UpstreamFetch, UpstreamRequest, UpstreamResponse } from './deps.ts';
export { createMemoryStore } from './limits/memory-store.ts';
export { windowOf, type Admitted, type CounterStore, type LimitCheck, type LimitKind } from './limits/counter-store.ts';
export { createBatcher } from './limits/batcher.ts';
export { createRateLimiter, type Admission, type LimitScope, type RateLimiter } from './limits/rate-limiter.ts';
export { generateKey, sha256Hex } from './auth/api-keys.ts';
export { parseConfig, type ParseConfigOptions } from './config/parse-config.ts';
export { ConfigError, formatIssue, type ConfigIssue } from './config/config-error.ts';
export { createConfigStore, type ConfigStore } from './config/config-store.ts';
export type { ConfigSnapshot, ModelEntry } from './config/snapshot.ts';
export { fetchUpstream } from './proxy/fetch-upstream.ts';
export { createJsonLogger, parseLogLevel } from './observability/json-logger.ts';
export { formatServeUsage, parseServeArgs, UsageError, type ServeArgs } from './cli/parse-serve-args.ts';
export { createSimulator, parseSimArgs, type Simulator, type SimOptions } from './sim/index.ts';
