/**
 * vLLM's OpenAI Responses and Anthropic Messages routes. `register_generate_api_routers` adds
 * them for generate models only. Under /v1, so `--api-key` guards them (Bearer only).
 */
import type { Hono } from 'hono';
import { fastapiRoute } from './fastapi-route.ts';
import type { SimCore } from './sim-core.ts';
import { vllmGeneration } from './vllm-generation.ts';
import { vllmJson } from './vllm-http.ts';
import { checkVllmContentType, parseVllmJson, type VllmRoute } from './validate-vllm.ts';
import { countVllmMessageTokens, validateVllmMessages } from './validate-vllm-messages.ts';
import { validateVllmResponses } from './validate-vllm-responses.ts';

export function vllmApiRoutes(app: Hono, core: SimCore): void {
  const limits = { model: core.options.model, maxModelLen: core.options.ctxSize };

  const responses: VllmRoute = { path: '/v1/responses', fn: 'create_responses' };
  fastapiRoute(app, responses.path, { POST: vllmGeneration(core, responses, (body) => validateVllmResponses(body, responses, limits)) });

  // Like chat, the chatcmpl- id takes the X-Request-Id header.
  const messages: VllmRoute = { path: '/v1/messages', fn: 'create_messages' };
  fastapiRoute(app, messages.path, {
    POST: vllmGeneration(core, messages, (body, raw) => validateVllmMessages(body, messages, limits, raw.headers.get('x-request-id'))),
  });

  // Renders the chat template in the API process: no engine, no fault, not counted.
  const countTokens: VllmRoute = { path: '/v1/messages/count_tokens', fn: 'count_tokens' };
  fastapiRoute(app, countTokens.path, {
    POST: async (c) => {
      const wrongType = checkVllmContentType(c.req.raw);
      if (wrongType) return wrongType;
      const parsed = parseVllmJson(await c.req.raw.text(), countTokens);
      if (!parsed.ok) return parsed.response;
      const count = countVllmMessageTokens(parsed.value, countTokens);
      if (!count.ok) return count.response;
      return vllmJson(200, { input_tokens: count.value, context_management: { original_input_tokens: count.value } });
    },
  });
}
