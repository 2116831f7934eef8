/**
 * The gateway variants of the overhead benchmark and their config files: what each target
 * changes from the default config (metrics on, no auth, no limits), written as YAML.
 */
import { writeFileSync } from 'node:fs';
import type { TargetName } from './args.ts';

/** The targets whose rate limiter talks to the benchmark's redis-server. */
export const REDIS_TARGETS: readonly TargetName[] = ['gateway-limits-redis', 'gateway-limits-redis-exact'];

/** The targets whose config copies every request to a shadow model. */
export const SHADOW_TARGETS: readonly TargetName[] = ['gateway-shadow-slow', 'gateway-shadow-failing'];
/** The shadow model's name (and the slow simulator's served model). */
export const SHADOW_MODEL = 'bench-shadow';
/** The slow shadow backend: a vLLM-like simulator far slower than the models it shadows. */
export const SLOW_SHADOW = { ttftMs: 300, tokenDelayMs: 50 } as const;

/** Per-key limits far above anything the benchmark can reach: checked and counted, never hit. */
const NEVER_HIT = 'rpm: 1000000000, tpm: 1000000000000';

export interface GatewayModel {
  name: string;
  url: string;
  backend?: 'vllm' | 'llamacpp' | 'openai';
  /** More fields of the model, one YAML line each (`shadow: {…}`, `retry: {…}`), indented by the writer. */
  lines?: string[];
}

/** A shadow model every request of the benchmark's models is copied to. */
export interface ShadowModel {
  backend: 'vllm' | 'openai';
  url: string;
  lines?: string[];
}

export interface GatewayVariant {
  target: TargetName;
  logLevel: 'warn' | 'info';
  /** Config sections besides `version` and `models`. */
  extra: string[];
  /** Whether clients must send the API key. */
  key: boolean;
  /** `bench` and `bench-stream` get `shadow: { model: bench-shadow, sample: 1 }`, and this is `bench-shadow`. */
  shadow?: ShadowModel;
  /** Runs the gateway of the `--baseline` revision's tree, not the working tree's. */
  baseline?: boolean;
  /** Served by Bun (`bun run adapters/bun/main.ts`) instead of Node. */
  runtime?: 'node' | 'bun';
  /** `serve --workers N`: N processes sharing the port, not pinned to a core. */
  workers?: number;
}

export interface ShadowBackends {
  /** The slow simulator's URL (`gateway-shadow-slow`). */
  slowUrl: string | null;
  /** A loopback port nothing listens on (`gateway-shadow-failing`). */
  deadPort: number | null;
}

/** Each gateway target: what differs from the default config (metrics on, no auth, no limits). */
export function gatewayVariants(keySha256: string, redisUrl: string | null, prefix: string, shadows: ShadowBackends = { slowUrl: null, deadPort: null }): GatewayVariant[] {
  const key = (limits: string) => ['auth:', '  keys:', `    - { name: bench, key_sha256: "${keySha256}"${limits ? `, ${limits}` : ''} }`];
  return [
    { target: 'gateway', logLevel: 'warn', extra: [], key: false },
    // the same config as `gateway`, served by another revision's code
    { target: 'gateway-baseline', logLevel: 'warn', extra: [], key: false, baseline: true },
    { target: 'gateway-shadow-slow', logLevel: 'warn', extra: [], key: false, shadow: { backend: 'vllm', url: shadows.slowUrl ?? 'http://127.0.0.1:9/' } },
    {
      target: 'gateway-shadow-failing',
      logLevel: 'warn',
      extra: [],
      key: false,
      // connections refused: one attempt per copy, no retries
      shadow: { backend: 'openai', url: `http://127.0.0.1:${shadows.deadPort ?? 9}/v1`, lines: ['retry: { attempts: 1 }'] },
    },
    { target: 'gateway-logs', logLevel: 'info', extra: [], key: false },
    // issue 14: the default config (access log on) with keys and limits, on Bun, and the warn-level config on two workers
    { target: 'gateway-auth-limits', logLevel: 'info', extra: [...key(NEVER_HIT), 'rate_limits: { store: memory }'], key: true },
    { target: 'gateway-bun', logLevel: 'info', extra: [], key: false, runtime: 'bun' },
    { target: 'gateway-workers-2', logLevel: 'warn', extra: [], key: false, workers: 2 },
    { target: 'gateway-no-metrics', logLevel: 'warn', extra: ['metrics: { enabled: false }'], key: false },
    { target: 'gateway-auth', logLevel: 'warn', extra: key(''), key: true },
    { target: 'gateway-limits-memory', logLevel: 'warn', extra: [...key(NEVER_HIT), 'rate_limits: { store: memory }'], key: true },
    {
      target: 'gateway-limits-redis',
      logLevel: 'warn',
      extra: [...key(NEVER_HIT), `rate_limits: { store: redis, redis_url: "${redisUrl ?? ''}", prefix: "${prefix}" }`],
      key: true,
    },
    {
      target: 'gateway-limits-redis-exact',
      logLevel: 'warn',
      extra: [...key(NEVER_HIT), `rate_limits: { store: redis, redis_url: "${redisUrl ?? ''}", prefix: "${prefix}exact:", sync_interval: 0 }`],
      key: true,
    },
  ];
}

/** A gateway config with one model per entry (backend vllm unless said), plus `extra` top-level lines. */
export function gatewayConfigText(models: GatewayModel[], extra: string[] = []): string {
  const lines = ['version: 1', ...extra, 'models:'];
  for (const m of models) {
    lines.push(`  - name: ${JSON.stringify(m.name)}`, `    backend: ${m.backend ?? 'vllm'}`, `    backend_url: ${m.url}`);
    for (const l of m.lines ?? []) lines.push(`    ${l}`);
  }
  return lines.join('\n') + '\n';
}

/** Writes gatewayConfigText(models, extra) to `file`. */
export function writeGatewayConfig(file: string, models: GatewayModel[], extra: string[] = []): string {
  writeFileSync(file, gatewayConfigText(models, extra));
  return file;
}

/** The models of a variant's config: the benchmark's models, plus the shadow model (and a `shadow:` on each) when it has one. */
export function variantModels(variant: GatewayVariant, models: GatewayModel[]): GatewayModel[] {
  const { shadow } = variant;
  if (!shadow) return models;
  return [
    ...models.map((m) => ({ ...m, lines: [...(m.lines ?? []), `shadow: { model: ${SHADOW_MODEL}, sample: 1 }`] })),
    { name: SHADOW_MODEL, url: shadow.url, backend: shadow.backend, ...(shadow.lines ? { lines: shadow.lines } : {}) },
  ];
}
