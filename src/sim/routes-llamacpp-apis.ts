/** llama-server's OpenAI Responses and Anthropic Messages routes, served natively like chat. */
import type { Hono } from 'hono';
import { llamaGeneration } from './llamacpp-generation.ts';
import { llamaError, llamaJson } from './llamacpp-http.ts';
import { readMessages } from './request-fields.ts';
import type { SimCore } from './sim-core.ts';
import { llamaMessagesAsChat, validateLlamaMessages, validateLlamaResponses } from './validate-llamacpp-apis.ts';
import { llamaChatPrompt, parseLlamaJson, type LlamaLimits } from './validate-llamacpp.ts';

export function llamaApiRoutes(app: Hono, core: SimCore, limits: LlamaLimits): void {
  const responses = llamaGeneration(core, (body) => validateLlamaResponses(body, limits));
  const messages = llamaGeneration(core, (body) => validateLlamaMessages(body, limits));
  for (const path of ['/v1/responses', '/responses']) app.post(path, (c) => responses(c.req.raw));
  app.post('/v1/messages', (c) => messages(c.req.raw));

  // The prompt's size under the chat template; nothing runs in a slot.
  app.post('/v1/messages/count_tokens', async (c) => {
    const parsed = parseLlamaJson(await c.req.raw.text());
    if (!parsed.ok) return parsed.response;
    const chat = llamaMessagesAsChat(parsed.value);
    if (!chat.ok) return chat.response;
    const list = chat.value.messages;
    if (!Array.isArray(list)) return llamaError(400, "Expected 'messages' to be an array", 'invalid_request_error');
    return llamaJson(200, { input_tokens: llamaChatPrompt(readMessages(list)).promptTokens });
  });
}
