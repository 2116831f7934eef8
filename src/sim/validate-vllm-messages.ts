/**
 * vLLM's Messages requests (`anthropic/protocol.py` AnthropicMessagesRequest): pydantic errors
 * stay in the OpenAI shape (the app-wide handler), errors of the handler itself are translated
 * to Anthropic's envelope (`translate_error_response`).
 */
import type { GenRequest, Parsed } from './flavor.ts';
import { PyRaw, PyTuple, pyRepr } from './py-repr.ts';
import { anthropicMessages, readBool, readStop, type ChatMessage } from './request-fields.ts';
import { vllmJson } from './vllm-http.ts';
import { asInt, badRequest, contextProblem, fieldErrors, unknownModel, vllmChatPrompt, type VllmRoute } from './validate-vllm.ts';
import { anthropicError } from './wire-vllm-messages.ts';

function valueError(key: string, input: unknown, text: string): unknown {
  return { type: 'value_error', loc: new PyTuple(['body', key]), msg: `Value error, ${text}`, input, ctx: { error: new PyRaw(`ValueError(${pyRepr(text)})`) } };
}

/** The pydantic errors of the fields both requests share, in field order (model, messages, max_tokens). */
function requestErrors(body: Record<string, unknown>, withMaxTokens: boolean): unknown[] {
  const errors: unknown[] = [];
  const check = (key: string, ints: string[] = []): void => {
    errors.push(...fieldErrors(body, key, ints));
  };
  check('model');
  if (body.model === '') errors.push(valueError('model', '', 'Model is required'));
  check('messages');
  if ('messages' in body && !Array.isArray(body.messages)) {
    errors.push({ type: 'list_type', loc: new PyTuple(['body', 'messages']), msg: 'Input should be a valid list', input: body.messages });
  }
  if (withMaxTokens) {
    const before = errors.length;
    check('max_tokens', ['max_tokens']);
    const max = asInt(body.max_tokens);
    if (errors.length === before && max !== null && max <= 0) errors.push(valueError('max_tokens', body.max_tokens, 'max_tokens must be positive'));
  }
  return errors;
}

/** `system` + `messages` of a request that passed `requestErrors`. */
const chatMessages = (body: Record<string, unknown>): ChatMessage[] => anthropicMessages(body.system, body.messages as unknown[]);

const anthropicResponse = (status: number, message: string, type: string): Response => vllmJson(status, anthropicError(status, message, type));

export function validateVllmMessages(
  body: Record<string, unknown>, route: VllmRoute, limits: { model: string; maxModelLen: number }, requestId: string | null,
): Parsed<GenRequest> {
  const fail = (response: Response): Parsed<GenRequest> => ({ ok: false, response });
  const errors = requestErrors(body, true);
  if (errors.length > 0) return fail(badRequest(route, errors));
  const wrongModel = unknownModel(body, limits.model);
  if (wrongModel) return fail(anthropicResponse(404, wrongModel, 'NotFoundError'));
  const { seedText, promptTokens } = vllmChatPrompt(chatMessages(body));
  const maxTokens = asInt(body.max_tokens);
  const tooLong = contextProblem(limits.maxModelLen, promptTokens, maxTokens);
  if (tooLong) return fail(anthropicResponse(400, tooLong.message, 'BadRequestError'));
  return {
    ok: true,
    value: {
      endpoint: 'messages', stream: readBool(body.stream), includeUsage: false, continuousUsage: false,
      seedText, promptTokens, maxTokens, stop: readStop(body.stop_sequences), n: 1, requestId, echo: null,
    },
  };
}

/** `/v1/messages/count_tokens`: the rendered prompt's size, or the pydantic error. */
export function countVllmMessageTokens(body: Record<string, unknown>, route: VllmRoute): Parsed<number> {
  const errors = requestErrors(body, false);
  if (errors.length > 0) return { ok: false, response: badRequest(route, errors) };
  return { ok: true, value: vllmChatPrompt(chatMessages(body)).promptTokens };
}
