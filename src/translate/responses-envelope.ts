import type { TokenCounts } from './chat-usage.ts';
import type { TranslateContext } from './translation.ts';

/**
 * The Response object and its output items, shared by the body and the stream's events so
 * both say the same thing. The request is not at hand here: request echoes (`instructions`,
 * `tools`, `temperature`, …) are the neutral values, and `store` is false since nothing is kept.
 */

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';
export type ItemStatus = 'in_progress' | 'completed';

export interface ResponseState {
  status: ResponseStatus;
  output: Array<Record<string, unknown>>;
  usage: TokenCounts | null;
  incomplete_details?: { reason: string } | null;
  error?: { code: string; message: string } | null;
}

export function responseObject(ctx: TranslateContext, state: ResponseState): Record<string, unknown> {
  return {
    id: `resp_${ctx.requestId}`,
    object: 'response',
    created_at: ctx.now,
    status: state.status,
    error: state.error ?? null,
    incomplete_details: state.incomplete_details ?? null,
    instructions: null,
    max_output_tokens: null,
    model: ctx.model,
    output: state.output,
    parallel_tool_calls: true,
    previous_response_id: null,
    store: false,
    temperature: null,
    tool_choice: 'auto',
    tools: [],
    top_p: null,
    truncation: 'disabled',
    usage: state.usage ? responsesUsage(state.usage) : null,
    metadata: {},
  };
}

export function responsesUsage(counts: TokenCounts): Record<string, unknown> {
  return {
    input_tokens: counts.input,
    input_tokens_details: { cached_tokens: counts.cached },
    output_tokens: counts.output,
    output_tokens_details: { reasoning_tokens: counts.reasoning },
    total_tokens: counts.input + counts.output,
  };
}

/** The nth message item's id: `msg_<request id>` for the usual single one. */
export function messageId(ctx: TranslateContext, n: number): string {
  return n === 0 ? `msg_${ctx.requestId}` : `msg_${ctx.requestId}_${n}`;
}

export function functionCallId(ctx: TranslateContext, n: number): string {
  return `fc_${ctx.requestId}_${n}`;
}

export function outputText(text: string): Record<string, unknown> {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export function messageItem(id: string, status: ItemStatus, text: string | null): Record<string, unknown> {
  return { id, type: 'message', status, role: 'assistant', content: text === null ? [] : [outputText(text)] };
}

export function functionCallItem(id: string, status: ItemStatus, call: { callId: string; name: string; args: string }): Record<string, unknown> {
  return { id, type: 'function_call', status, call_id: call.callId, name: call.name, arguments: call.args };
}
