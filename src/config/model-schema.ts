import { z } from 'zod';
import { limitsSchema } from './auth-schema.ts';
import { modelCacheSchema } from './cache-schema.ts';
import { durationMs } from './duration.ts';
import { modelLifecycleFields } from './lifecycle-schema.ts';
import { apiNames, nativeApis, translatableApis } from './model-apis.ts';

export const backendKinds = ['vllm', 'llamacpp', 'openai', 'sim'] as const;
export const modelFormats = ['chat_completions', 'completions', 'embeddings', 'rerank'] as const;
export const balanceModes = ['least_outstanding', 'round_robin', 'weighted_random'] as const;

const positive = z.number().int().positive();
const headersSchema = z.record(z.string().min(1), z.string());

const timeoutsSchema = z.strictObject({
  connect: durationMs.default(5_000),
  first_byte: durationMs.default(120_000),
  total: durationMs.default(600_000),
});

export const retrySchema = z.strictObject({
  attempts: z.number().int().min(1).max(10).default(3),
  base_delay: durationMs.default(100),
  max_delay: durationMs.default(5_000),
});

/** Health checking of a model's targets; every field falls back to `server.health`. */
export const healthFields = {
  /** Active probe period; 0 turns active probes off (passive ejection still works). */
  interval: durationMs,
  timeout: durationMs,
  /** Probe path; default per backend kind (`/health`, or `/v1/models` for `openai`). */
  path: z.string().regex(/^\//, 'a path starting with /'),
  /** Consecutive failed requests (or probes) that eject a target: its breaker opens. */
  eject_after: z.number().int().min(1).max(100),
  /** How long an ejected target gets no traffic before one trial request (half-open). */
  cooldown: durationMs,
};
const healthOverrideSchema = z.strictObject({
  interval: healthFields.interval.optional(),
  timeout: healthFields.timeout.optional(),
  path: healthFields.path.optional(),
  eject_after: healthFields.eject_after.optional(),
  cooldown: healthFields.cooldown.optional(),
});

const simSchema = z.strictObject({
  flavor: z.enum(['llamacpp', 'vllm']).default('llamacpp'),
  ttft: durationMs.default(50),
  token_delay: durationMs.default(20),
  max_tokens: z.number().int().positive().default(16),
  embeddings: z.boolean().optional(),
});

const targetSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** Share of traffic relative to the other targets (round_robin, weighted_random; least_outstanding divides by it). */
  weight: z.number().positive().max(1_000_000).default(1),
  /** Requests this replica takes at once; more wait in the model's queue (llama-server: its --parallel). */
  max_concurrent: positive.optional(),
  /** Added to (and overriding) the model's headers for this target. */
  headers: headersSchema.default({}),
});

const affinitySchema = z
  .string()
  .regex(/^(key|user|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+)$/, "expected 'key', 'user' or 'header:<name>'");

export const modelSchema = z
  .strictObject({
    name: z.string().min(1),
    /** Absent only on a split entry, which routes to other models. */
    backend: z.enum(backendKinds).optional(),
    backend_url: z.url({ protocol: /^https?$/ }).optional(),
    targets: z.array(targetSchema).min(1).optional(),
    upstream_model: z.string().min(1).optional(),
    format: z.enum(modelFormats).default('chat_completions'),
    /** The APIs the server behind it serves; default from backend and format (config/model-apis.ts). */
    apis: z.array(z.enum(apiNames)).min(1).optional(),
    /** APIs the gateway serves by translating to chat completions (the backend serves chat only). */
    translate: z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(z.enum(translatableApis))).default([]),
    /** Who may use /upstream/<model>/…: the admin key only, or also keys allowed on this model. */
    upstream_access: z.enum(['admin', 'keys']).default('admin'),
    /** Backends add themselves at run time (POST /admin/targets): no backend_url or targets needed. */
    registered: z.boolean().default(false),
    aliases: z.array(z.string().min(1)).default([]),
    headers: headersSchema.default({}),
    timeouts: timeoutsSchema.prefault({}),
    retry: retrySchema.optional(),
    defaults: z.record(z.string(), z.unknown()).default({}),
    system_prompt: z.string().optional(),
    /** Limits for the model as a whole, across all callers (429 when reached, no waiting). */
    limits: limitsSchema.optional(),
    sim: simSchema.optional(),
    balance: z.enum(balanceModes).default('least_outstanding'),
    affinity: affinitySchema.optional(),
    /** Requests the model takes at once over all its targets; more wait in its queue. */
    max_concurrent: positive.optional(),
    max_queue: z.number().int().nonnegative().default(100),
    queue_timeout: durationMs.default(30_000),
    health: healthOverrideSchema.optional(),
    fallbacks: z.array(z.string().min(1)).default([]),
    split: z.array(z.strictObject({ model: z.string().min(1), weight: z.number().nonnegative().max(1_000_000) })).min(1).optional(),
    sticky: z.enum(['key', 'user']).optional(),
    ...modelLifecycleFields,
    shadow: z
      .strictObject({
        model: z.string().min(1),
        /** Share of requests copied. */
        sample: z.number().min(0).max(1).default(1),
        /** Copies in flight at once; more are skipped, so a slow shadow never piles up work. */
        max_concurrent: positive.default(8),
      })
      .optional(),
    /** The response cache (docs/cache.md); off when absent. */
    cache: modelCacheSchema,
  })
  .superRefine((m, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (m.split) {
      for (const key of ['backend', 'backend_url', 'targets', 'sim', 'upstream_model', 'fallbacks', 'shadow', 'max_concurrent', 'affinity', 'apis', 'translate', 'cache'] as const) {
        const v = m[key];
        if (v !== undefined && !(Array.isArray(v) && v.length === 0)) issue(key, `a split model routes to other models; set '${key}' on those`);
      }
      if (!m.split.some((s) => s.weight > 0)) issue('split', 'at least one split weight must be above 0');
      return;
    }
    if (m.sticky) issue('sticky', "'sticky' applies to split models only");
    if (!m.backend) {
      issue('backend', "backend is required (vllm, llamacpp, openai or sim), or 'split' to route to other models");
      return;
    }
    if (m.backend === 'sim') {
      if (m.backend_url) issue('backend_url', "backend 'sim' runs in-process and takes no backend_url");
      if (m.targets) issue('targets', "backend 'sim' runs in-process and takes no targets");
      if (m.launch) issue('launch', "backend 'sim' runs in-process and is not launched");
      if (m.registered) issue('registered', "backend 'sim' runs in-process: nothing registers with it");
    } else if (m.launch) {
      if (m.backend_url || m.targets) issue(m.backend_url ? 'backend_url' : 'targets', 'a model with launch is served by the process it starts: no backend_url or targets');
      if (m.launch.llamacpp && m.backend !== 'llamacpp') issue('backend', "launch.llamacpp starts llama-server: use backend 'llamacpp'");
      if (m.sim) issue('sim', "'sim' options only apply to backend 'sim'");
      if (m.registered) issue('registered', 'a model with launch is served by the process it starts: nothing registers with it');
    } else {
      if (m.backend_url && m.targets) issue('targets', 'give backend_url (one target) or targets, not both');
      if (!m.backend_url && !m.targets && !m.registered) issue('backend_url', `backend_url (or targets, or registered: true) is required for backend '${m.backend}'`);
      if (m.sim) issue('sim', "'sim' options only apply to backend 'sim'");
    }
    if (m.idle === 'sleep' && (m.backend !== 'vllm' || !m.launch)) issue('idle', "idle: sleep puts a launched vLLM engine to sleep (backend 'vllm' with launch, started with --enable-sleep-mode and VLLM_SERVER_DEV_MODE=1)");
    if (!m.launch) {
      for (const key of ['idle_timeout', 'start_timeout', 'memory', 'device'] as const) if (m[key] !== undefined) issue(key, `'${key}' applies to models with launch`);
    }
    const urls = new Set<string>();
    m.targets?.forEach((t, j) => {
      const id = t.url.replace(/\/+$/, '');
      if (urls.has(id)) ctx.addIssue({ code: 'custom', path: ['targets', j, 'url'], message: `target ${id} is listed twice` });
      urls.add(id);
    });
    m.translate.forEach((api, j) => {
      if (m.apis?.includes(api)) ctx.addIssue({ code: 'custom', path: ['translate', j], message: `apis lists '${api}' as served by the backend; translate it or list it, not both` });
    });
    if (m.translate.length > 0 && !nativeApis(m).includes('chat')) issue('translate', 'translation turns requests into chat completions: the model must serve chat');
    if ('model' in m.defaults || 'stream' in m.defaults) issue('defaults', "defaults may not set 'model' or 'stream'");
  });

export type ModelConfig = z.output<typeof modelSchema>;
export type RetryConfig = z.output<typeof retrySchema>;
export type SimConfig = z.output<typeof simSchema>;
export type TargetConfig = z.output<typeof targetSchema>;
export type BalanceMode = (typeof balanceModes)[number];
