import { z } from 'zod';
import { authSchema, rateLimitStoreSchema } from './auth-schema.ts';
import { cacheStoreSchema } from './cache-schema.ts';
import { durationMs } from './duration.ts';
import { lifecycleSchema, type LifecycleConfig } from './lifecycle-schema.ts';
import { healthFields, modelSchema, retrySchema, type ModelConfig } from './model-schema.ts';

export { backendKinds, modelFormats } from './model-schema.ts';
export type { ModelConfig, RetryConfig, SimConfig, TargetConfig, BalanceMode } from './model-schema.ts';

const serverSchema = z.strictObject({
  max_body_bytes: z.number().int().positive().default(8 * 1024 * 1024),
  /** Deeper JSON bodies are rejected (a cheap defence against parser and validator abuse). */
  max_json_depth: z.number().int().min(4).max(1000).default(64),
  retry: retrySchema.prefault({}),
  /** W3C traceparent to backends: off, propagate the caller's trace (default), or always (start one if absent). */
  traceparent: z.enum(['off', 'propagate', 'always']).default('propagate'),
  /** Browser origins allowed to call the API; CORS is off when absent. */
  cors: z.strictObject({ origins: z.array(z.string().min(1)).min(1), max_age: z.number().int().nonnegative().default(600) }).optional(),
  /** After SIGTERM/SIGINT: how long in-flight requests and streams may run on before the process exits. */
  drain_timeout: durationMs.default(30_000),
  /** A stream still waiting for its first token after this long gets its 200 and SSE comments (0: never). */
  keepalive_after: durationMs.default(5_000),
  /** Then one `: keep-alive` comment line this often until the first token. */
  keepalive_interval: durationMs.refine((ms) => ms >= 100, 'keepalive_interval must be at least 100ms').default(15_000),
  /** Health checking defaults for every model's targets; a model's `health` overrides fields. */
  health: z
    .strictObject({
      interval: healthFields.interval.optional(),
      timeout: healthFields.timeout.default(2_000),
      eject_after: healthFields.eject_after.default(3),
      cooldown: healthFields.cooldown.default(10_000),
    })
    .prefault({}),
});

export const configSchema = z
  .strictObject({
    version: z.literal(1),
    server: serverSchema.prefault({}),
    auth: authSchema.optional(),
    metrics: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** When set, GET /metrics needs `Authorization: Bearer <key>` with this SHA-256. */
        key_sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters (modeltainer hash-key prints one)').optional(),
        /** Older name of server.health.interval (the default probe period when that is not set). */
        health_interval: durationMs.optional(),
        /**
         * Ask streaming backends for usage (stream_options.include_usage) so token
         * metrics cover every stream; the extra event is removed before the client sees it.
         */
        stream_usage: z.boolean().default(true),
      })
      .prefault({}),
    rate_limits: rateLimitStoreSchema.prefault({}),
    /** Where cached responses are kept (models opt in with their own `cache`). */
    cache: cacheStoreSchema.prefault({}),
    /** Model servers started on demand, stopped when idle, fitted in GPU memory. */
    lifecycle: lifecycleSchema.prefault({}),
    models: z.array(modelSchema).min(1),
    /** Path prefixes bound to one model, for clients that cannot set a model name: `/coder/v1/chat/completions`. */
    routes: z.array(z.strictObject({ prefix: z.string().regex(/^\/[A-Za-z0-9._~-]+$/, 'one path segment, like /coder'), model: z.string().min(1) })).default([]),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, string>();
    const byName = new Map<string, ModelConfig>();
    cfg.models.forEach((m, i) => {
      [m.name, ...m.aliases].forEach((n, j) => {
        const owner = seen.get(n);
        if (owner !== undefined) {
          const path = j === 0 ? ['models', i, 'name'] : ['models', i, 'aliases', j - 1];
          ctx.addIssue({ code: 'custom', path, message: `model name '${n}' is already used by ${owner}` });
        } else {
          seen.set(n, `model '${m.name}'`);
          byName.set(n, m);
        }
      });
    });
    cfg.models.forEach((m, i) => checkReferences(m, i, byName, ctx));
    checkLifecycle(cfg, byName, ctx);
    checkRoutes(cfg.routes, byName, ctx);
  });

/** First segments the gateway's own routes use: a prefix there would shadow them. */
const RESERVED_PREFIXES = new Set(['/v1', '/admin', '/upstream', '/docs', '/ui', '/metrics', '/healthz', '/readyz', '/openapi.json', '/tokenize', '/detokenize']);

function checkRoutes(routes: readonly { prefix: string; model: string }[], byName: ReadonlyMap<string, ModelConfig>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  routes.forEach((r, i) => {
    if (RESERVED_PREFIXES.has(r.prefix)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'prefix'], message: `${r.prefix} is one of the gateway's own paths` });
    else if (seen.has(r.prefix)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'prefix'], message: `prefix ${r.prefix} is listed twice` });
    seen.add(r.prefix);
    if (!byName.has(r.model)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'model'], message: `no model named '${r.model}'` });
  });
}

/** Groups, preload and devices name what exists; memory can be known where it is budgeted. */
function checkLifecycle(cfg: { lifecycle: LifecycleConfig; models: readonly ModelConfig[] }, byName: ReadonlyMap<string, ModelConfig>, ctx: z.RefinementCtx): void {
  const l = cfg.lifecycle;
  const launched = (name: string, path: (string | number)[]) => {
    const m = byName.get(name);
    if (!m) ctx.addIssue({ code: 'custom', path, message: `no model named '${name}'` });
    else if (!m.launch) ctx.addIssue({ code: 'custom', path, message: `'${name}' has no launch: only launched models can be ${path[1] === 'preload' ? 'preloaded' : 'grouped'}` });
  };
  l.preload.forEach((n, i) => {
    if (n !== '*') launched(n, ['lifecycle', 'preload', i]);
  });
  for (const [g, group] of Object.entries(l.groups)) group.members.forEach((n, i) => launched(n, ['lifecycle', 'groups', g, 'members', i]));
  const devices = new Set(l.devices?.map((d) => d.id) ?? []);
  const budgeted = l.devices !== undefined || l.memory_budget !== undefined;
  cfg.models.forEach((m, i) => {
    if (m.device !== undefined && !devices.has(m.device)) {
      ctx.addIssue({ code: 'custom', path: ['models', i, 'device'], message: l.devices ? `no device '${m.device}' in lifecycle.devices` : 'device needs lifecycle.devices' });
    }
    if (budgeted && m.launch && !m.launch.llamacpp && m.memory === undefined) {
      ctx.addIssue({ code: 'custom', path: ['models', i, 'memory'], message: 'lifecycle budgets GPU memory: declare this model\'s memory (only llama.cpp models are estimated from their GGUF file)' });
    }
  });
}

/** fallbacks, split and shadow name models that exist and can serve in their place. */
function checkReferences(m: ModelConfig, i: number, byName: ReadonlyMap<string, ModelConfig>, ctx: z.RefinementCtx): void {
  const check = (ref: string, path: (string | number)[], role: string) => {
    const target = byName.get(ref);
    const at = ['models', i, ...path];
    if (!target) return ctx.addIssue({ code: 'custom', path: at, message: `no model named '${ref}'` });
    if (target.name === m.name) return ctx.addIssue({ code: 'custom', path: at, message: `a model cannot be its own ${role}` });
    if (target.split) return ctx.addIssue({ code: 'custom', path: at, message: `'${ref}' is a split model; a ${role} must be a model with a backend` });
    if (role !== 'shadow' && m.split === undefined && target.format !== m.format) {
      ctx.addIssue({ code: 'custom', path: at, message: `'${ref}' serves ${target.format}, '${m.name}' serves ${m.format}` });
    }
  };
  m.fallbacks.forEach((f, j) => check(f, ['fallbacks', j], 'fallback'));
  m.split?.forEach((s, j) => {
    check(s.model, ['split', j, 'model'], 'split member');
    if (m.split?.findIndex((o) => byName.get(o.model) === byName.get(s.model)) !== j) {
      ctx.addIssue({ code: 'custom', path: ['models', i, 'split', j, 'model'], message: `'${s.model}' is already a member of this split` });
    }
  });
  if (m.shadow) check(m.shadow.model, ['shadow', 'model'], 'shadow');
}

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
