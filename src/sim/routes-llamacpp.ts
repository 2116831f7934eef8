/** The llama-server flavour as a Hono app. */
import { Hono } from 'hono';
import { embeddingVector, float32Base64, readEmbeddingInputs, runPooling } from './embeddings.ts';
import { llamaGeneration } from './llamacpp-generation.ts';
import { llamaError, llamaJson, llamaLoading, llamaNotFound, llamaUnauthorized, trySet } from './llamacpp-http.ts';
import { llamaModelsBody, llamaPropsBody, llamaSlotsBody, type LlamaInfo } from './llamacpp-info.ts';
import { llamaApiRoutes } from './routes-llamacpp-apis.ts';
import { llamaRerankRoutes } from './routes-llamacpp-rerank.ts';
import { llamaTokenizeRoutes } from './routes-llamacpp-tokenize.ts';
import { handleGeneration, type SimCore } from './sim-core.ts';
import type { SlotPool } from './slots.ts';
import { parseLlamaJson, validateLlamaGen } from './validate-llamacpp.ts';

const PUBLIC_PATHS = new Set(['/health', '/v1/health', '/models', '/v1/models']);
/** llama-server's physical batch size: longer embedding inputs fail. */
const UBATCH = 512;

/** Authorization: Bearer k, Authorization: k, or X-Api-Key: k; `apiKey` may list several, comma-separated. */
function hasValidKey(req: Request, apiKey: string): boolean {
  const keys = apiKey.split(',').map((k) => k.trim()).filter(Boolean);
  const auth = req.headers.get('authorization');
  const given = auth !== null ? auth.replace(/^Bearer /, '') : req.headers.get('x-api-key');
  return given !== null && keys.includes(given);
}

export function llamacppApp(core: SimCore, slots: SlotPool): Hono {
  const app = new Hono();
  const { options } = core;
  const nCtx = Math.max(1, Math.floor(options.ctxSize / slots.size));
  const info = (): LlamaInfo => ({ model: options.model, nCtx, embeddings: options.embeddings, created: Math.floor(options.now() / 1000) });

  // CORS: the Origin is reflected (empty without one); preflights answer before anything else.
  app.use('*', async (c, next) => {
    const origin = c.req.header('origin') ?? '';
    if (c.req.method === 'OPTIONS') {
      const headers = new Headers({ 'Content-Type': 'text/html', Server: 'llama.cpp' });
      trySet(headers, 'Access-Control-Allow-Origin', origin);
      headers.set('Access-Control-Allow-Credentials', 'true');
      headers.set('Access-Control-Allow-Headers', '*');
      headers.set('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
      return new Response('', { status: 200, headers });
    }
    await next();
    trySet(c.res.headers, 'Access-Control-Allow-Origin', origin);
    if (origin) trySet(c.res.headers, 'Access-Control-Allow-Credentials', 'true');
  });
  // While loading, every endpoint answers 503; then the API key is checked.
  app.use('*', async (c, next) => {
    if (Date.now() < core.readyAt) return llamaLoading();
    if (options.apiKey && !PUBLIC_PATHS.has(c.req.path) && !hasValidKey(c.req.raw, options.apiKey)) return llamaUnauthorized();
    return next();
  });

  for (const path of ['/health', '/v1/health']) app.get(path, () => llamaJson(200, { status: 'ok' }));
  for (const path of ['/models', '/v1/models']) app.get(path, () => llamaJson(200, llamaModelsBody(info())));
  app.get('/props', () => llamaJson(200, llamaPropsBody(info(), slots.size)));
  app.get('/slots', () => llamaJson(200, llamaSlotsBody(slots, nCtx)));

  const limits = { nCtx };
  const chat = llamaGeneration(core, (body) => validateLlamaGen('chat', body, limits));
  const completions = llamaGeneration(core, (body) => validateLlamaGen('completions', body, limits));
  for (const path of ['/v1/chat/completions', '/chat/completions']) app.post(path, (c) => chat(c.req.raw));
  for (const path of ['/v1/completions', '/completions']) app.post(path, (c) => completions(c.req.raw));
  llamaApiRoutes(app, core, limits);
  llamaRerankRoutes(app, core);
  llamaTokenizeRoutes(app);

  const embed = (raw: Request): Promise<Response> =>
    handleGeneration(core, raw, {
      precheck: () => (options.embeddings ? null
        : llamaError(501, 'This server does not support embeddings. Start it with `--embeddings`', 'not_supported_error')),
      parse: parseLlamaJson,
      validate: (body) => {
        const inputs = readEmbeddingInputs(body.input ?? body.content);
        if (!inputs) return { ok: false, response: llamaError(400, '"input" or "content" must be provided', 'invalid_request_error') };
        for (const item of inputs) {
          if (item.tokens > UBATCH) {
            const message = `input (${item.tokens} tokens) is too large to process. increase the physical batch size (current batch size: ${UBATCH})`;
            return { ok: false, response: llamaError(500, message, 'server_error') };
          }
        }
        return { ok: true, value: { inputs, base64: body.encoding_format === 'base64' } };
      },
      invalidFault: (message) => llamaError(400, message, 'invalid_request_error'),
      run: ({ inputs, base64 }, fault, ticket) => {
        const tokens = inputs.reduce((n, i) => n + i.tokens, 0);
        return runPooling(core.env, raw, fault, ticket, tokens, () => ({
          model: options.model,
          object: 'list',
          usage: { prompt_tokens: tokens, total_tokens: tokens },
          data: inputs.map((input, index) => {
            const vec = embeddingVector(input.key, 64);
            return base64
              ? { embedding: float32Base64(vec), index, object: 'embedding', encoding_format: 'base64' }
              : { embedding: Array.from(vec), index, object: 'embedding' };
          }),
        }));
      },
    });
  for (const path of ['/v1/embeddings', '/embeddings']) app.post(path, (c) => embed(c.req.raw));

  // Unknown paths, and GET on POST routes: 404 File Not Found (there is no 405).
  app.notFound(() => llamaNotFound());
  return app;
}
