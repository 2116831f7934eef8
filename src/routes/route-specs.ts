import { createRoute, z } from '@hono/zod-openapi';
import { chatCompletionRequest, completionRequest, embeddingRequest } from '../schemas/openai-requests.ts';
import { chatCompletion, completion, embeddingList, errorResponse, modelList, sseStream } from '../schemas/openai-responses.ts';
import { VERSION } from '../version.ts';

// Each route is declared once here; registration, body validation and the
// OpenAPI document are all derived from these objects.

export const errorContent = (description: string) => ({ description, content: { 'application/json': { schema: errorResponse } } });

export const proxyErrors = {
  400: errorContent('Malformed JSON or invalid fields; backend 4xx are passed through with their status'),
  404: errorContent('Unknown model (`model_not_found`)'),
  413: errorContent('Request body over the configured limit'),
  415: errorContent('Content type other than JSON'),
  429: errorContent('Backend rate limited the request (after retries)'),
  502: errorContent('Backend unreachable, failing or answering garbage'),
  503: errorContent('Backend unavailable (after retries)'),
  504: errorContent('Backend timed out'),
};

/** The model-routed APIs take a caller's key or JWT: the `apiKey` scheme, registered with the document in openapi-document.ts. */
export const keySecurity = [{ apiKey: [] }];

export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

export const chatCompletionsRoute = createRoute({
  method: 'post',
  path: '/v1/chat/completions',
  operationId: 'createChatCompletion',
  security: keySecurity,
  tags: ['OpenAI'],
  summary: 'Chat completion, routed by `model`; `stream: true` gives Server-Sent Events',
  request: { body: jsonBody(chatCompletionRequest) },
  responses: {
    200: { description: 'A completion, or an SSE stream', content: { 'application/json': { schema: chatCompletion }, 'text/event-stream': { schema: sseStream } } },
    ...proxyErrors,
  },
});

export const completionsRoute = createRoute({
  method: 'post',
  path: '/v1/completions',
  operationId: 'createCompletion',
  security: keySecurity,
  tags: ['OpenAI'],
  summary: 'Text completion, routed by `model`',
  request: { body: jsonBody(completionRequest) },
  responses: {
    200: { description: 'A completion, or an SSE stream', content: { 'application/json': { schema: completion }, 'text/event-stream': { schema: sseStream } } },
    ...proxyErrors,
  },
});

export const embeddingsRoute = createRoute({
  method: 'post',
  path: '/v1/embeddings',
  operationId: 'createEmbedding',
  security: keySecurity,
  tags: ['OpenAI'],
  summary: 'Embeddings, routed by `model`',
  request: { body: jsonBody(embeddingRequest) },
  responses: { 200: { description: 'Embeddings', content: { 'application/json': { schema: embeddingList } } }, ...proxyErrors },
});

export const modelsRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  operationId: 'listModels',
  security: keySecurity,
  tags: ['OpenAI'],
  summary: 'Every configured model name and alias',
  responses: { 200: { description: 'The models', content: { 'application/json': { schema: modelList } } } },
});

const status = (example: string) => z.object({ status: z.string().openapi({ example }) }).passthrough();

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'health',
  tags: ['Operations'],
  summary: 'Liveness',
  responses: {
    200: {
      description: 'The process answers, with its version',
      content: { 'application/json': { schema: status('ok').extend({ version: z.string().openapi({ example: VERSION, description: "the gateway's version (package.json's)" }) }) } },
    },
  },
});

export const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'ready',
  tags: ['Operations'],
  summary: 'Readiness: a valid config is loaded, the gateway is not draining, and some model has a target taking traffic',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: status('ready') } } },
    503: { description: 'Draining (shutting down), or no model has a healthy target', content: { 'application/json': { schema: status('draining') } } },
  },
});

/** The body schema a route declares, for the gateway's own reader to validate against. */
export function bodySchemaOf(route: { request?: { body?: { content: Record<string, { schema?: unknown }> } } }): z.ZodType {
  const schema = route.request?.body?.content['application/json']?.schema;
  if (!(schema instanceof z.ZodType)) throw new Error('route declares no JSON body schema');
  return schema;
}
