/**
 * vLLM's Anthropic Messages API (`entrypoints/anthropic/serving.py`), a translation of a chat
 * completion, as `messages*.http` show it: the chatcmpl- id, `model_dump(exclude_none=True)` bodies,
 * and named events dumped with `exclude_unset` (so `message_start.message` has no type or role).
 * Each chat chunk becomes its events: the role chunk `message_start`, the usage chunk
 * `content_block_stop` + `message_delta`, `[DONE]` `message_stop`. Handler errors are Anthropic-shaped.
 */
import { namedEvent, type ApiWire, type Finish } from './flavor.ts';
import { pyRepr } from './py-repr.ts';
import { randomHex } from './random.ts';
import { vllmJson, vllmStatusError } from './vllm-http.ts';

const STOP_REASONS: Partial<Record<Finish['reason'], string>> = { stop: 'end_turn', length: 'max_tokens' };

/** `translate_error_response`: vLLM's error type and message in Anthropic's envelope. */
export const anthropicError = (_status: number, message: string, type: string): unknown => ({ type: 'error', error: { type, message } });

/** pydantic-core's `input_value`: a repr over 50 characters keeps its first 25 and last 24. */
function inputValue(value: unknown): string {
  const repr = pyRepr(value);
  return repr.length > 50 ? `${repr.slice(0, 25)}...${repr.slice(-24)}` : repr;
}

/**
 * Mid-stream, the chat stream's error chunk fails to validate as a chat chunk, and the converter
 * reports that ValidationError as an `error` event, then stops (no `message_stop`). (inferred)
 */
const STREAM_ERROR_MESSAGE = (() => {
  const input = inputValue({ error: { message: 'Internal server error', type: 'InternalServerError', param: null, code: 500 } });
  const missing = (field: string): string =>
    `${field}\n  Field required [type=missing, input_value=${input}, input_type=dict]\n    For further information visit https://errors.pydantic.dev/2.12/v/missing`;
  return `2 validation errors for ChatCompletionStreamResponse\n${missing('model')}\n${missing('choices')}`;
})();

function event(type: string, data: Record<string, unknown> = {}): string {
  return namedEvent(type, { type, ...data });
}

export const vllmMessagesWire: ApiWire = {
  naturalFinish: 'stop',
  finishOnLastToken: false,
  // The chat completion's id: chatcmpl- + X-Request-Id or 16 hex.
  newId: (req) => `chatcmpl-${req.requestId ?? randomHex(16)}`,
  body(ctx, choices) {
    const choice = choices[0];
    const body: Record<string, unknown> = {
      id: ctx.id, type: 'message', role: 'assistant', content: choice?.text ? [{ type: 'text', text: choice.text }] : [], model: ctx.model,
    };
    // exclude_none: an aborted answer has no stop_reason, and stop_sequence is never filled.
    const stopReason = choice ? STOP_REASONS[choice.finish.reason] : undefined;
    if (stopReason) body.stop_reason = stopReason;
    body.usage = { input_tokens: ctx.req.promptTokens, output_tokens: choice?.tokens ?? 0 };
    return body;
  },
  lead: (ctx) => [event('message_start', {
    message: { id: ctx.id, content: [], model: ctx.model, stop_reason: null, stop_sequence: null, usage: { input_tokens: ctx.req.promptTokens, output_tokens: 0 } },
  })],
  token(_ctx, text, _finish, tokens) {
    if (text === '') return [];
    const delta = event('content_block_delta', { delta: { type: 'text_delta', text }, index: 0 });
    return tokens === 1 ? [event('content_block_start', { content_block: { type: 'text', text: '' }, index: 0 }), delta] : [delta];
  },
  tail(ctx, finish, tokens) {
    const out = tokens > 0 ? [event('content_block_stop', { index: 0 })] : [];
    // An abort after tokens maps to no stop reason (null); before any token there was no finish
    // chunk at all, and the converter falls back to "stop", i.e. end_turn.
    const stopReason = finish.reason === 'abort' ? (tokens > 0 ? null : 'end_turn') : STOP_REASONS[finish.reason] ?? null;
    out.push(event('message_delta', { delta: { stop_reason: stopReason }, usage: { input_tokens: ctx.req.promptTokens, output_tokens: tokens } }));
    return out;
  },
  end: () => [event('message_stop')],
  streamError: () => ({ kind: 'events', events: [event('error', { error: { type: 'internal_error', message: STREAM_ERROR_MESSAGE } })] }),
  generationError: () => vllmJson(500, anthropicError(500, 'Internal server error', 'InternalServerError')),
  statusError: (status, retryAfter) => vllmStatusError(status, retryAfter, anthropicError),
};
