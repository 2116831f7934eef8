/**
 * vLLM's OpenAI Responses API (`responses/serving.py`, openai-python 2.31 types), as
 * `responses*.http` show it: the full pydantic response object (Python floats), and named events
 * with `sequence_number`. `response.created`/`in_progress` go out before the engine runs; the
 * streamed item has a bare hex id while the completed response's message has a msg_ id. The last
 * event is `response.completed` even when the status is "incomplete". No `[DONE]`.
 */
import { namedEvent, type ApiWire, type GenContext } from './flavor.ts';
import { jsonWithFloats } from './py-repr.ts';
import { randomHex } from './random.ts';
import { vllmGenerationError, vllmStatusError } from './vllm-http.ts';

const FLOATS = ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty'];

interface StreamState {
  seq: number;
  itemId: string;
  text: string;
}

const states = new WeakMap<GenContext, StreamState>();
function state(ctx: GenContext): StreamState {
  let s = states.get(ctx);
  if (!s) {
    s = { seq: 0, itemId: randomHex(16), text: '' };
    states.set(ctx, s);
  }
  return s;
}

function usage(ctx: GenContext, output: number): unknown {
  const input = ctx.req.promptTokens;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0, input_tokens_per_turn: [], cached_tokens_per_turn: [] },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0, tool_output_tokens: 0, output_tokens_per_turn: [], tool_output_tokens_per_turn: [] },
    total_tokens: input + output,
  };
}

const part = (text: string, logprobs: [] | null): unknown => ({ annotations: [], text, type: 'output_text', logprobs });

const message = (id: string, text: string, status: string, extra: Record<string, unknown> = {}): unknown =>
  ({ id, content: text === '' && status === 'in_progress' ? [] : [part(text, null)], role: 'assistant', status, type: 'message', phase: null, ...extra });

/** ResponsesResponse in field order. `done` is null while in progress. */
function response(ctx: GenContext, done: { text: string; tokens: number; length: boolean } | null): Record<string, unknown> {
  const echo = ctx.req.echo;
  return {
    id: ctx.id, created_at: ctx.created(),
    // Only running out of output tokens makes a response incomplete (an engine abort stays "completed").
    incomplete_details: done?.length ? { reason: 'max_output_tokens' } : null,
    instructions: echo?.instructions ?? null, metadata: null, model: ctx.model, object: 'response',
    output: done ? [message(`msg_${randomHex(16)}`, done.text, 'completed')] : [],
    // No tools: check_tool_usage turns tool_choice into "none".
    parallel_tool_calls: true, temperature: echo?.temperature ?? 0.7, tool_choice: 'none', tools: [], top_p: echo?.topP ?? 0.8,
    background: false, max_output_tokens: echo?.maxOutputTokens ?? null, max_tool_calls: null, previous_response_id: null,
    prompt: null, reasoning: null, service_tier: 'auto', status: !done ? 'in_progress' : done.length ? 'incomplete' : 'completed',
    text: echo?.text ?? null, top_logprobs: null, truncation: 'disabled', usage: done ? usage(ctx, done.tokens) : null, user: null,
    presence_penalty: 0, frequency_penalty: 0, kv_transfer_params: null, input_messages: null, output_messages: null,
  };
}

/** An event: openai-python's event types declare their fields in alphabetical order. */
function event(ctx: GenContext, type: string, data: Record<string, unknown>): string {
  const fields = Object.entries({ ...data, sequence_number: state(ctx).seq++, type }).sort(([a], [b]) => (a < b ? -1 : 1));
  return namedEvent(type, jsonWithFloats(Object.fromEntries(fields), FLOATS));
}

export const vllmResponsesWire: ApiWire = {
  // max_output_tokens defaults to the remaining context: the answer ends with an EOS.
  naturalFinish: 'stop',
  finishOnLastToken: false,
  // The body's request_id (default resp_ + 16 hex); X-Request-Id is not used here.
  newId: (req) => req.requestId ?? `resp_${randomHex(16)}`,
  body(ctx, choices) {
    const choice = choices[0];
    return jsonWithFloats(response(ctx, { text: choice?.text ?? '', tokens: choice?.tokens ?? 0, length: choice?.finish.reason === 'length' }), FLOATS);
  },
  preamble: (ctx) => [
    event(ctx, 'response.created', { response: response(ctx, null) }),
    event(ctx, 'response.in_progress', { response: response(ctx, null) }),
  ],
  token(ctx, text) {
    if (text === '') return [];
    const s = state(ctx);
    const item_id = s.itemId;
    const out: string[] = [];
    if (s.text === '') {
      out.push(
        event(ctx, 'response.output_item.added', { item: message(item_id, '', 'in_progress'), output_index: 0 }),
        event(ctx, 'response.content_part.added', { content_index: 0, item_id, output_index: 0, part: part('', []) }),
      );
    }
    s.text += text;
    out.push(event(ctx, 'response.output_text.delta', { content_index: 0, delta: text, item_id, logprobs: [], output_index: 0 }));
    return out;
  },
  tail(ctx, finish, tokens) {
    const s = state(ctx);
    const item_id = s.itemId;
    const out: string[] = [];
    if (s.text !== '') {
      out.push(
        event(ctx, 'response.output_text.done', { content_index: 0, item_id, logprobs: [], output_index: 0, text: s.text }),
        event(ctx, 'response.content_part.done', { content_index: 0, item_id, output_index: 0, part: part(s.text, null) }),
        event(ctx, 'response.output_item.done', { item: message(item_id, s.text, 'completed', { summary: [] }), output_index: 0 }),
      );
    }
    out.push(event(ctx, 'response.completed', { response: response(ctx, { text: s.text, tokens, length: finish.reason === 'length' }) }));
    return out;
  },
  end: () => [],
  // A GenerationError cannot be re-validated as a stream event: the connection closes mid-body. (inferred)
  streamError: () => ({ kind: 'reset' }),
  generationError: vllmGenerationError,
  statusError: (status, retryAfter) => vllmStatusError(status, retryAfter),
};
