import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse } from '../schemas/openai-responses.ts';

export const json = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema } } });
export const adminErrors = {
  401: json('Missing or wrong admin key', errorResponse),
  403: json('Authentication is on but auth.admin_key_sha256 is not set', errorResponse),
};
export const security = [{ adminKey: [] }];

const issue = z.object({ file: z.string(), line: z.number().int(), column: z.number().int(), path: z.string(), message: z.string() });

const configStatus = z
  .object({
    source: z.string().openapi({ example: 'config/models.yaml' }),
    hash: z.string().openapi({ description: 'SHA-256 of the config text now serving' }),
    loaded_at: z.string().openapi({ example: '2026-11-29T10:00:00.000Z' }),
    last_reload: z.object({ at: z.string(), trigger: z.string(), result: z.enum(['ok', 'error', 'unchanged']) }).nullable(),
    last_error: z.object({ at: z.string(), trigger: z.string(), message: z.string(), issues: z.array(issue) }).nullable(),
    pending_restart: z.array(z.string()).openapi({ description: 'Settings of the file that take effect only after a restart' }),
  })
  .openapi('ConfigStatus');

const reloadResult = z
  .object({
    result: z.enum(['ok', 'unchanged']),
    hash: z.string(),
    diff: z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.object({ name: z.string(), fields: z.array(z.string()) })), sections: z.array(z.string()) }).optional(),
    pending_restart: z.array(z.string()),
  })
  .openapi('ReloadResult');

const targetState = z.object({
  target: z.string().openapi({ example: 'llamacpp:10.0.0.5:8080' }),
  in_flight: z.number().int(),
  max_concurrent: z.number().int().nullable(),
  weight: z.number(),
  health: z.enum(['unknown', 'up', 'down']),
  breaker: z.enum(['closed', 'open', 'half_open']),
  consecutive_failures: z.number().int(),
  sent: z.number().int(),
  failed: z.number().int(),
  draining: z.boolean(),
});

const queueState = z
  .object({
    models: z.array(
      z.object({
        model: z.string(),
        in_flight: z.number().int(),
        max_concurrent: z.number().int().nullable(),
        queued: z.number().int(),
        max_queue: z.number().int(),
        by_priority: z.record(z.string(), z.number().int()).openapi({ example: { '10': 2, '0': 5 } }),
        oldest_wait_ms: z.number().nullable(),
        targets: z.array(targetState),
      }),
    ),
  })
  .openapi('QueueState');

export const adminConfigRoute = createRoute({
  method: 'get',
  path: '/admin/config',
  operationId: 'getConfigStatus',
  tags: ['Admin'],
  summary: 'The config now serving: hash, when it was loaded, its file, the last reload error',
  security,
  responses: { 200: json('Config status', configStatus), ...adminErrors },
});

export const adminReloadRoute = createRoute({
  method: 'post',
  path: '/admin/reload',
  operationId: 'reloadConfig',
  tags: ['Admin'],
  summary: 'Reads the config file again and applies what changed; an invalid file changes nothing',
  security,
  responses: {
    200: json('Applied, or the file had not changed', reloadResult),
    400: json('The file is invalid (file, line, field); the previous config keeps serving', errorResponse),
    ...adminErrors,
    501: json('This runtime cannot reload in place (Cloudflare Workers: deploy a new version)', errorResponse),
  },
});

export const adminQueueRoute = createRoute({
  method: 'get',
  path: '/admin/queue',
  operationId: 'getQueueState',
  tags: ['Admin'],
  summary: 'Per model: requests in flight and waiting (by priority, oldest wait), and each target’s load, health and breaker',
  security,
  responses: { 200: json('Queue and target state', queueState), ...adminErrors },
});

const modelServer = z.object({
  model: z.string(),
  state: z.enum(['off', 'starting', 'ready', 'sleeping', 'draining', 'stopping', 'failed']),
  pid: z.number().int().nullable(),
  container: z.string().nullable(),
  url: z.string().nullable().openapi({ description: 'where its server answers while it runs' }),
  device: z.string().nullable(),
  memory_bytes: z.number().nullable().openapi({ description: 'declared, or estimated from the GGUF file' }),
  last_used: z.string().nullable(),
  last_start_ms: z.number().nullable(),
  last_ready_at: z.string().nullable().openapi({ description: 'when it last became ready (started or woke)' }),
  sleeps: z.boolean().openapi({ description: 'idle: sleep — it can be put to sleep instead of stopped' }),
  starts: z.number().int(),
  failures: z.number().int(),
  last_error: z.string().nullable(),
  requests: z.number().int().openapi({ description: 'requests sent to its server' }),
  in_flight: z.number().int(),
  queued: z.number().int(),
});

export const adminModelsRoute = createRoute({
  method: 'get',
  path: '/admin/models',
  operationId: 'listModelServers',
  tags: ['Admin'],
  summary: 'Launched models: the state of each server, where it runs, its memory, use and failures',
  security,
  responses: { 200: json('Model servers', z.object({ models: z.array(modelServer) }).openapi('ModelServers')), ...adminErrors },
});

export const adminModelActionRoute = createRoute({
  method: 'post',
  path: '/admin/models/{name}/{action}',
  operationId: 'controlModelServer',
  tags: ['Admin'],
  summary: 'start (or wake), stop (after draining), sleep (vLLM, after draining) or reset (after failing) a launched model',
  security,
  request: {
    params: z.object({
      name: z.string().openapi({ param: { name: 'name', in: 'path' } }),
      action: z.enum(['start', 'stop', 'sleep', 'reset']).openapi({ param: { name: 'action', in: 'path' } }),
    }),
  },
  responses: {
    202: json('Accepted: the model is on its way to the state asked for', z.object({ model: z.string(), state: z.string(), action: z.string() })),
    400: json('The action does not apply to this model (sleep without idle: sleep)', errorResponse),
    404: json('No launched model of that name', errorResponse),
    ...adminErrors,
  },
});

export const adminEventsRoute = createRoute({
  method: 'get',
  path: '/admin/events',
  operationId: 'streamEvents',
  tags: ['Admin'],
  summary: 'Server-Sent Events: a `snapshot` of every model and the `requests` of the last 15 minutes, then a `model` event on each change of server state, queue depth or target health and a `request` event as each request ends (no prompt text, no keys)',
  security,
  responses: { 200: { description: 'An SSE stream', content: { 'text/event-stream': { schema: z.string() } } }, ...adminErrors },
});
