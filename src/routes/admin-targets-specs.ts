import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse } from '../schemas/openai-responses.ts';
import { adminErrors, json, security } from './admin-specs.ts';

export const registerTargetBody = z
  .object({
    model: z.string().min(1).openapi({ example: 'qwen' }),
    url: z.url({ protocol: /^https?$/ }).openapi({ example: 'http://gpu-node-12:8000' }),
    ttl: z
      .union([z.number().positive(), z.string()])
      .optional()
      .openapi({ description: 'Seconds (number) or a duration (`30s`, `2m`); default 30s. Heartbeat well within it.', example: '30s' }),
  })
  .openapi('RegisterTarget');

const registration = z
  .object({ id: z.string().openapi({ example: 'tgt_3f9c0a1b2c3d4e5f' }), model: z.string(), url: z.string(), ttl_ms: z.number().int(), expires_at: z.string() })
  .openapi('Registration');

export const adminRegisterTargetRoute = createRoute({
  method: 'post',
  path: '/admin/targets',
  operationId: 'registerTarget',
  tags: ['Admin'],
  summary: "Adds a running backend to a model's targets (a Slurm job, a pod) until its ttl passes; posting the same model and url again is the heartbeat",
  security,
  request: { body: { required: true, content: { 'application/json': { schema: registerTargetBody } } } },
  responses: {
    200: json('Heartbeat: the registration lives another ttl', registration),
    201: json('Registered: it takes traffic and health checks now', registration),
    400: json('Invalid body, or a model targets cannot join (split, launched, simulator)', errorResponse),
    404: json('No such model in the config', errorResponse),
    ...adminErrors,
  },
});

export const adminListTargetsRoute = createRoute({
  method: 'get',
  path: '/admin/targets',
  operationId: 'listRegisteredTargets',
  tags: ['Admin'],
  summary: 'Targets registered at run time, with their expiry',
  security,
  responses: { 200: json('The registrations', z.object({ targets: z.array(registration) })), ...adminErrors },
});

export const adminDeleteTargetRoute = createRoute({
  method: 'delete',
  path: '/admin/targets/{id}',
  operationId: 'deregisterTarget',
  tags: ['Admin'],
  summary: 'Removes a registered target (its job is ending); requests it is serving finish',
  security,
  request: { params: z.object({ id: z.string() }) },
  responses: {
    200: json('Removed', z.object({ id: z.string(), removed: z.literal(true) })),
    404: json('No registration with that id (it may have expired)', errorResponse),
    ...adminErrors,
  },
});
