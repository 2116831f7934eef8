/** The vLLM flavour as a Hono app (FastAPI routing: 404 detail, 405 with allow). */
import { Hono } from 'hono';
import { embeddingVector, float32Base64, readEmbeddingInputs, runPooling, shortestFloat32 } from './embeddings.ts';
import { fastapiRoute, type Handler, type RouteHandlers } from './fastapi-route.ts';
import type { GenEndpoint } from './flavor.ts';
import { PyTuple } from './py-repr.ts';
import { randomHex } from './random.ts';
import { vllmApiRoutes } from './routes-vllm-apis.ts';
import { vllmScoreRoutes } from './routes-vllm-score.ts';
import { sleepRoutes } from './routes-vllm-sleep.ts';
import { vllmTokenizeRoutes } from './routes-vllm-tokenize.ts';
import { handleGeneration, type SimCore } from './sim-core.ts';
import { vllmGeneration } from './vllm-generation.ts';
import { VLLM_VERSION, vllmEmpty, vllmError, vllmJson, vllmNotFound, vllmUnauthorized } from './vllm-http.ts';
import {
  badRequest, checkVllmContentType, checkVllmModel, contextError, fieldErrors, parseVllmJson, validateVllmGen, type VllmRoute,
} from './validate-vllm.ts';

const EMBED_DIM = 384;

/** AuthenticationMiddleware: only /v1, /v2 and /inference paths; Bearer only (scheme case-insensitive). */
function authorized(req: Request, apiKey: string): boolean {
  const auth = req.headers.get('authorization') ?? '';
  const space = auth.indexOf(' ');
  return space > 0 && auth.slice(0, space).toLowerCase() === 'bearer' && auth.slice(space + 1) === apiKey;
}

export function vllmApp(core: SimCore): Hono {
  const app = new Hono();
  const { options } = core;
  const created = (): number => Math.floor(options.now() / 1000);

  app.use('*', async (c, next) => {
    const protectedPath = /^\/(v1|v2|inference)(\/|$)/.test(c.req.path);
    if (options.apiKey && protectedPath && c.req.method !== 'OPTIONS' && !authorized(c.req.raw, options.apiKey)) return vllmUnauthorized();
    return next();
  });

  const route = (path: string, handlers: RouteHandlers): void => fastapiRoute(app, path, handlers);

  route('/health', { GET: () => vllmEmpty(200) });
  route('/ping', { GET: () => vllmEmpty(200), POST: () => vllmEmpty(200) });
  route('/version', { GET: () => vllmJson(200, { version: VLLM_VERSION }) });
  route('/load', { GET: () => vllmJson(200, { server_load: 0 }) });
  route('/v1/models', {
    GET: () => vllmJson(200, {
      object: 'list',
      data: [{
        id: options.model, object: 'model', created: created(), owned_by: 'vllm', root: options.model, parent: null,
        max_model_len: options.ctxSize,
        permission: [{
          id: `modelperm-${randomHex(16)}`, object: 'model_permission', created: created(), allow_create_engine: false,
          allow_sampling: true, allow_logprobs: true, allow_search_indices: false, allow_view: true, allow_fine_tuning: false,
          organization: '*', group: null, is_blocking: false,
        }],
      }],
    }),
  });

  // Dev mode (VLLM_SERVER_DEV_MODE=1) with --enable-sleep-mode; without it these paths are 404.
  if (core.engineSleep) {
    for (const [path, handlers] of Object.entries(sleepRoutes(core.engineSleep, core.stats))) route(path, handlers);
  }

  const limits = { model: options.model, maxModelLen: options.ctxSize };
  const gen = (endpoint: GenEndpoint, r: VllmRoute): Handler => vllmGeneration(core, r, (body, raw) => {
    const v = validateVllmGen(endpoint, body, r, limits);
    if (v.ok) v.value.requestId = raw.headers.get('x-request-id');
    return v;
  });
  vllmTokenizeRoutes(app, core);
  // A pooling model registers no generate routes, a generate model no /v1/embeddings; the
  // scoring routes come with an embedding model or a score model.
  if (options.embeddings || options.rerank) vllmScoreRoutes(app, core);
  if (!options.embeddings && !options.rerank) {
    route('/v1/chat/completions', { POST: gen('chat', { path: '/v1/chat/completions', fn: 'create_chat_completion' }) });
    route('/v1/completions', { POST: gen('completions', { path: '/v1/completions', fn: 'create_completion' }) });
    vllmApiRoutes(app, core);
  }
  if (options.embeddings) {
    const r: VllmRoute = { path: '/v1/embeddings', fn: 'create_embedding' };
    route('/v1/embeddings', {
      POST: (c) => {
        const raw = c.req.raw;
        return handleGeneration(core, raw, {
          precheck: checkVllmContentType,
          parse: (text) => parseVllmJson(text, r),
          validate: (body) => {
            const errors = fieldErrors(body, 'input', ['dimensions']);
            if (errors.length > 0) return { ok: false, response: badRequest(r, errors) };
            const inputs = readEmbeddingInputs(body.input);
            if (!inputs) {
              const e = { type: 'string_type', loc: new PyTuple(['body', 'input', 'str']), msg: 'Input should be a valid string', input: body.input };
              return { ok: false, response: badRequest(r, [e]) };
            }
            const wrongModel = checkVllmModel(body, options.model);
            if (wrongModel) return { ok: false, response: wrongModel };
            for (const item of inputs) {
              const tooLong = contextError(options.ctxSize, item.tokens, null);
              if (tooLong) return { ok: false, response: tooLong };
            }
            return { ok: true, value: { inputs, base64: body.encoding_format === 'base64' } };
          },
          invalidFault: (message) => vllmError(400, message, 'BadRequestError'),
          run: ({ inputs, base64 }, fault, ticket) => {
            const tokens = inputs.reduce((n, i) => n + i.tokens, 0);
            const id = `embd-${raw.headers.get('x-request-id') ?? randomHex(16)}`;
            return runPooling(core.env, raw, fault, ticket, tokens, () => ({
              id, object: 'list', created: created(), model: options.model,
              data: inputs.map((input, index) => {
                const vec = embeddingVector(input.key, EMBED_DIM);
                return { index, object: 'embedding', embedding: base64 ? float32Base64(vec) : Array.from(vec, shortestFloat32) };
              }),
              usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0, prompt_tokens_details: null },
            }));
          },
        });
      },
    });
  }

  app.notFound(() => vllmNotFound());
  return app;
}
