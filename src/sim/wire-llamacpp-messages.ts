/**
 * llama-server's Anthropic Messages API (`/v1/messages`), as `messages*.http` show it: the id
 * keeps the chatcmpl- prefix, usage splits input into cached and not, the stream is named events
 * with `message_start` carrying the input tokens and `message_delta` the output tokens. No `[DONE]`;
 * a failure mid-stream is an `event: error` with the bare error object.
 */
import { namedEvent, type ApiWire, type Finish, type GenContext } from './flavor.ts';
import { LLAMA_MIDSTREAM_MESSAGE, llamaErrorBody } from './llamacpp-http.ts';
import { llamaWireBase } from './wire-llamacpp-openai.ts';

/** The simulator caches no prompt, so all input tokens are uncached. */
function usage(ctx: GenContext, output: number): unknown {
  return { cache_read_input_tokens: 0, input_tokens: ctx.req.promptTokens, output_tokens: output };
}

/** A stop string ends the turn like an EOS and is reported as the stop sequence. */
const stopReason = (finish: Finish): string => (finish.reason === 'length' ? 'max_tokens' : 'end_turn');

function event(type: string, data: Record<string, unknown> = {}): string {
  return namedEvent(type, { type, ...data });
}

const errorObject = (llamaErrorBody(500, LLAMA_MIDSTREAM_MESSAGE, 'server_error') as { error: unknown }).error;

export const llamaMessagesWire: ApiWire = {
  ...llamaWireBase,
  body(ctx, choices) {
    const choice = choices[0];
    const finish = choice?.finish ?? { reason: 'stop', stopReason: null };
    return {
      id: ctx.id, type: 'message', role: 'assistant',
      content: choice?.text ? [{ type: 'text', text: choice.text }] : [],
      model: ctx.model, stop_reason: stopReason(finish), stop_sequence: finish.stopReason, usage: usage(ctx, choice?.tokens ?? 0),
    };
  },
  lead: (ctx) => [event('message_start', {
    message: { id: ctx.id, type: 'message', role: 'assistant', content: [], model: ctx.model, stop_reason: null, stop_sequence: null, usage: usage(ctx, 0) },
  })],
  token(_ctx, text, _finish, tokens) {
    if (text === '') return [];
    const delta = event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
    return tokens === 1 ? [event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }), delta] : [delta];
  },
  tail(_ctx, finish, tokens) {
    const out = tokens > 0 ? [event('content_block_stop', { index: 0 })] : [];
    out.push(
      event('message_delta', { delta: { stop_reason: stopReason(finish), stop_sequence: finish.stopReason }, usage: { output_tokens: tokens } }),
      event('message_stop'),
    );
    return out;
  },
  end: () => [],
  streamError: () => ({ kind: 'events', events: [namedEvent('error', errorObject)] }),
};
