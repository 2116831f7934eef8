import { z } from 'zod';
import { byteSize } from './byte-size.ts';
import { durationMs } from './duration.ts';

const argv = z.array(z.string()).min(1);

/** How a model's server is started when it is asked for (a model with `launch` has no backend_url). */
export const launchSchema = z
  .strictObject({
    /** llama.cpp's llama-server: the gateway adds `--model`, `--host 127.0.0.1` and `--port`. */
    llamacpp: z
      .strictObject({
        binary: z.string().min(1).default('llama-server'),
        model_path: z.string().min(1),
        flags: z.array(z.string()).default([]),
        env: z.record(z.string(), z.string()).default({}),
      })
      .optional(),
    /** Any OpenAI-compatible server: `${PORT}` in cmd (and env) is the port the gateway picked. */
    command: z
      .strictObject({
        cmd: argv,
        health_path: z.string().regex(/^\//).default('/health'),
        env: z.record(z.string(), z.string()).default({}),
      })
      .optional(),
    /** An existing Docker container, started and stopped through the Docker Engine API. */
    docker: z
      .strictObject({
        container: z.string().min(1),
        /** Where the container's server answers, as the gateway reaches it. */
        url: z.url({ protocol: /^https?$/ }),
        health_path: z.string().regex(/^\//).default('/health'),
      })
      .optional(),
  })
  .superRefine((l, ctx) => {
    const kinds = [l.llamacpp, l.command, l.docker].filter(Boolean).length;
    if (kinds !== 1) ctx.addIssue({ code: 'custom', message: 'give exactly one of llamacpp, command or docker' });
    if (l.command && !l.command.cmd.some((a) => a.includes('${PORT}'))) {
      ctx.addIssue({ code: 'custom', path: ['command', 'cmd'], message: 'cmd must contain ${PORT}: the gateway picks the port and fills it in' });
    }
  });

/** The model fields of on-demand serving. */
export const modelLifecycleFields = {
  launch: launchSchema.optional(),
  /** What an idle model does: stop its server, or put a vLLM engine to sleep (--enable-sleep-mode, VLLM_SERVER_DEV_MODE=1). */
  idle: z.enum(['stop', 'sleep']).default('stop'),
  sleep_level: z.union([z.literal(1), z.literal(2)]).default(1),
  /** Overrides lifecycle.idle_timeout for this model. */
  idle_timeout: durationMs.optional(),
  /** Overrides lifecycle.start_timeout for this model (a big vLLM model takes longer than a small GGUF). */
  start_timeout: durationMs.optional(),
  /** Declared GPU memory; else estimated from the GGUF file (llamacpp). */
  memory: byteSize.optional(),
  /** Pin to one of lifecycle.devices. */
  device: z.string().min(1).optional(),
};

const deviceSchema = z.strictObject({ id: z.string().min(1), memory: byteSize });

export const lifecycleSchema = z
  .strictObject({
    /** A model unused this long is stopped or put to sleep; 0 = never. */
    idle_timeout: durationMs.default(0),
    /** Longest wait for a started server's health check to pass. */
    start_timeout: durationMs.default(180_000),
    /** After SIGTERM, how long a server gets before SIGKILL. */
    stop_timeout: durationMs.default(10_000),
    /** Servers running at once (0: no limit). */
    max_loaded_models: z.number().int().nonnegative().default(0),
    devices: z.array(deviceSchema).min(1).optional(),
    /** One device of this size, when the GPUs are not told apart. */
    memory_budget: byteSize.optional(),
    /** Started with the gateway: model names, or "*" for all. */
    preload: z.array(z.string().min(1)).default([]),
    groups: z.record(z.string().min(1), z.strictObject({ members: z.array(z.string().min(1)).min(1), exclusive: z.boolean().default(true) })).default({}),
    /** Models waiting for an exclusive resource let the one holding it serve its queue this long before a swap. */
    max_wait_before_swap: durationMs.default(10_000),
    /** A crashed server restarts after a back-off doubling from this; after `max_failures` in a row the model is failed until reset. */
    restart_backoff: durationMs.default(1_000),
    max_failures: z.number().int().min(1).default(3),
  })
  .superRefine((l, ctx) => {
    if (l.devices && l.memory_budget !== undefined) ctx.addIssue({ code: 'custom', path: ['memory_budget'], message: 'give devices or memory_budget, not both' });
    const ids = new Set<string>();
    l.devices?.forEach((d, i) => {
      if (ids.has(d.id)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `device '${d.id}' is listed twice` });
      ids.add(d.id);
    });
  });

export type LaunchConfig = z.output<typeof launchSchema>;
export type LifecycleConfig = z.output<typeof lifecycleSchema>;
