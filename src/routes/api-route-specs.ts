import { createRoute, z } from '@hono/zod-openapi';
import { countTokensRequest, detokenizeRequest, messagesRequest, responsesRequest, rerankRequest, scoreRequest, tokenizeRequest } from '../schemas/api-requests.ts';
import { anthropicError, anthropicMessage, detokenized, namedEventStream, rerankResult, responseObject, scoreResult, tokenCount, tokens } from '../schemas/api-responses.ts';
import { errorResponse } from '../schemas/openai-responses.ts';
import { errorContent, jsonBody, keySecurity, proxyErrors } from './route-specs.ts';

// The routes past chat, completions and embeddings; same pipeline, declared like them.

const json = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } });
const anthropicErrors = Object.fromEntries(
  Object.entries(proxyErrors).map(([status, r]) => [status, { description: r.description, content: { 'application/json': { schema: anthropicError } } }]),
) as Record<keyof typeof proxyErrors, { description: string; content: { 'application/json': { schema: typeof anthropicError } } }>;

export const responsesRoute = createRoute({
  method: 'post',
  path: '/v1/responses',
  operationId: 'createResponse',
  security: keySecurity,
  tags: ['OpenAI'],
  summary: 'OpenAI Responses API, routed by `model`: passed through to llama-server and vLLM, or translated to chat (`translate: responses`)',
  request: { body: jsonBody(responsesRequest) },
  responses: {
    200: { description: 'A response, or named SSE events', content: { 'application/json': { schema: responseObject }, 'text/event-stream': { schema: namedEventStream } } },
    ...proxyErrors,
  },
});

export const messagesRoute = createRoute({
  method: 'post',
  path: '/v1/messages',
  operationId: 'createMessage',
  security: keySecurity,
  tags: ['Anthropic'],
  summary: 'Anthropic Messages API, routed by `model`; errors in Anthropic\'s shape. `x-api-key` works as a key.',
  request: { body: jsonBody(messagesRequest) },
  responses: {
    200: { description: 'A message, or named SSE events', content: { 'application/json': { schema: anthropicMessage }, 'text/event-stream': { schema: namedEventStream } } },
    ...anthropicErrors,
  },
});

export const countTokensRoute = createRoute({
  method: 'post',
  path: '/v1/messages/count_tokens',
  operationId: 'countMessageTokens',
  security: keySecurity,
  tags: ['Anthropic'],
  summary: 'Anthropic token counting, routed by `model` (served by llama-server and vLLM; not translated)',
  request: { body: jsonBody(countTokensRequest) },
  responses: { 200: json('The prompt\'s token count', tokenCount), ...anthropicErrors },
});

export const rerankRoute = createRoute({
  method: 'post',
  path: '/v1/rerank',
  operationId: 'rerank',
  security: keySecurity,
  tags: ['Retrieval'],
  summary: 'Rerank documents against a query (llama-server `--reranking`, vLLM score models)',
  request: { body: jsonBody(rerankRequest) },
  responses: { 200: json('Documents by relevance', rerankResult), ...proxyErrors },
});

export const scoreRoute = createRoute({
  method: 'post',
  path: '/v1/score',
  operationId: 'score',
  security: keySecurity,
  tags: ['Retrieval'],
  summary: 'Pairwise scores (vLLM score models)',
  request: { body: jsonBody(scoreRequest) },
  responses: { 200: json('Scores', scoreResult), ...proxyErrors },
});

export const tokenizeRoute = createRoute({
  method: 'post',
  path: '/tokenize',
  operationId: 'tokenize',
  security: keySecurity,
  tags: ['Utility'],
  summary: 'Text to tokens with the model\'s own tokenizer; `model` routes it',
  request: { body: jsonBody(tokenizeRequest) },
  responses: { 200: json('Tokens', tokens), ...proxyErrors },
});

export const detokenizeRoute = createRoute({
  method: 'post',
  path: '/detokenize',
  operationId: 'detokenize',
  security: keySecurity,
  tags: ['Utility'],
  summary: 'Tokens to text; `model` routes it',
  request: { body: jsonBody(detokenizeRequest) },
  responses: { 200: json('Text', detokenized), ...proxyErrors },
});

export const upstreamRoute = createRoute({
  method: 'get',
  path: '/upstream/{model}/{path}',
  operationId: 'upstream',
  // the admin key, or a caller's key for a model with `upstream_access: keys`
  security: [{ adminKey: [] }, ...keySecurity],
  tags: ['Operations'],
  summary: "Any method: raw pass-through to the model's current target (`/slots`, `/props`, `/metrics`, `/is_sleeping`). Admin key unless the model sets `upstream_access: keys`.",
  request: { params: z.object({ model: z.string(), path: z.string().openapi({ description: 'the rest of the path, relative to the server root (a `/v1` in the target URL is not repeated)' }) }) },
  responses: {
    200: { description: "The backend's answer as it is (any status, any content type)" },
    400: errorContent('A path that leaves the target (`..`, absolute URLs)'),
    403: errorContent('Not allowed for this key'),
    404: { description: 'Unknown model', content: { 'application/json': { schema: errorResponse } } },
    503: errorContent('The model has no target taking traffic (a launched model is started on demand)'),
  },
});
