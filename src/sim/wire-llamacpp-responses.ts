/**
 * llama-server's OpenAI Responses API (`/v1/responses`), as `responses*.http` show it: a compact
 * response object, and named events whose `response.completed` carries usage and timings.
 * No `[DONE]`. Ids: resp_ and msg_ + 32 alphanumerics.
 */
import { namedEvent, type ApiWire, type GenContext } from './flavor.ts';
import { llamaTimings } from './llamacpp-http.ts';
import { randomAlnum } from './random.ts';
import { llamaWireBase } from './wire-llamacpp-openai.ts';

/** The message item's id, fixed per response. */
const itemIds = new WeakMap<GenContext, string>();
function itemId(ctx: GenContext): string {
  let id = itemIds.get(ctx);
  if (id === undefined) {
    id = `msg_${randomAlnum(32)}`;
    itemIds.set(ctx, id);
  }
  return id;
}

function usage(ctx: GenContext, output: number): unknown {
  const input = ctx.req.promptTokens;
  return { input_tokens: input, output_tokens: output, total_tokens: input + output, input_tokens_details: { cached_tokens: 0 } };
}

const part = (text: string): unknown => ({ type: 'output_text', annotations: [], logprobs: [], text });

/** The finished message item; none when nothing was generated. */
function outputItems(ctx: GenContext, text: string, streamOrder: boolean): unknown[] {
  if (text === '') return [];
  const id = itemId(ctx);
  return [streamOrder
    ? { type: 'message', status: 'completed', id, content: [part(text)], role: 'assistant' }
    : { content: [part(text)], id, role: 'assistant', status: 'completed', type: 'message' }];
}

/** The streamed text so far: the final events repeat it whole. */
const texts = new WeakMap<GenContext, string>();

function event(type: string, data: Record<string, unknown>): string {
  return namedEvent(type, { type, ...data });
}

export const llamaResponsesWire: ApiWire = {
  ...llamaWireBase,
  newId: () => `resp_${randomAlnum(32)}`,
  body(ctx, choices) {
    const choice = choices[0];
    const t = ctx.created();
    return {
      completed_at: t, created_at: t, id: ctx.id, model: ctx.model, object: 'response',
      output: outputItems(ctx, choice?.text ?? '', false), status: 'completed', usage: usage(ctx, choice?.tokens ?? 0),
    };
  },
  lead(ctx) {
    const response = { id: ctx.id, object: 'response', status: 'in_progress' };
    return [event('response.created', { response }), event('response.in_progress', { response })];
  },
  token(ctx, text, _finish, tokens) {
    if (text === '') return [];
    const item_id = itemId(ctx);
    const out: string[] = [];
    if (tokens === 1) {
      out.push(
        event('response.output_item.added', { item: { content: [], id: item_id, role: 'assistant', status: 'in_progress', type: 'message' } }),
        event('response.content_part.added', { item_id, part: { type: 'output_text', text: '' } }),
      );
    }
    texts.set(ctx, (texts.get(ctx) ?? '') + text);
    out.push(event('response.output_text.delta', { item_id, delta: text }));
    return out;
  },
  tail(ctx, _finish, tokens) {
    const text = texts.get(ctx) ?? '';
    const out: string[] = [];
    const [item] = outputItems(ctx, text, true);
    if (item) {
      const item_id = itemId(ctx);
      out.push(
        event('response.output_text.done', { item_id, text }),
        event('response.content_part.done', { item_id, part: part(text) }),
        event('response.output_item.done', { item }),
      );
    }
    const response = {
      id: ctx.id, object: 'response', created_at: ctx.created(), status: 'completed', model: ctx.model,
      output: item ? [item] : [], usage: usage(ctx, tokens),
    };
    out.push(event('response.completed', { response, timings: llamaTimings(ctx, tokens) }));
    return out;
  },
  end: () => [],
};
