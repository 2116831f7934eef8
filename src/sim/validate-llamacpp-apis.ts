/**
 * llama-server's Responses and Messages requests: converted to a chat request
 * (`convert_responses_to_chatcmpl`, `convert_anthropic_to_oai`), then validated like chat.
 */
import type { GenEndpoint, GenRequest, Parsed } from './flavor.ts';
import { llamaError } from './llamacpp-http.ts';
import { anthropicMessages, asChatMessages, responsesMessages } from './request-fields.ts';
import { validateLlamaGen, type LlamaLimits } from './validate-llamacpp.ts';

/** `input` (a string or message items) and `instructions` as chat messages; a missing `input` is a 400. */
export function llamaResponsesAsChat(body: Record<string, unknown>): Parsed<Record<string, unknown>> {
  if (!('input' in body)) return { ok: false, response: llamaError(400, "'input' is required", 'invalid_request_error') };
  return {
    ok: true,
    value: { messages: asChatMessages(responsesMessages(body.instructions, body.input)), max_tokens: body.max_output_tokens, stream: body.stream },
  };
}

/**
 * `system` and `messages` as chat messages, `stop_sequences` as `stop`. The converter throws a
 * plain runtime error for a missing `messages`, which llama-server reports as a 500.
 */
export function llamaMessagesAsChat(body: Record<string, unknown>): Parsed<Record<string, unknown>> {
  if (!('messages' in body)) return { ok: false, response: llamaError(500, "'messages' is required", 'server_error') };
  const messages = Array.isArray(body.messages) ? asChatMessages(anthropicMessages(body.system, body.messages)) : body.messages;
  return { ok: true, value: { messages, max_tokens: body.max_tokens, stop: body.stop_sequences, stream: body.stream } };
}

function validateAs(endpoint: GenEndpoint, chat: Parsed<Record<string, unknown>>, limits: LlamaLimits): Parsed<GenRequest> {
  if (!chat.ok) return chat;
  const v = validateLlamaGen('chat', chat.value, limits);
  return v.ok ? { ok: true, value: { ...v.value, endpoint } } : v;
}

export const validateLlamaResponses = (body: Record<string, unknown>, limits: LlamaLimits): Parsed<GenRequest> =>
  validateAs('responses', llamaResponsesAsChat(body), limits);

export const validateLlamaMessages = (body: Record<string, unknown>, limits: LlamaLimits): Parsed<GenRequest> =>
  validateAs('messages', llamaMessagesAsChat(body), limits);
