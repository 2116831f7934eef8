/** vLLM's OpenAI chat and completions: bodies and `data:` chunks (ids chatcmpl-/cmpl- + 16 hex or X-Request-Id). */
import { DONE_EVENT, sseEvent, type ApiWire, type Choice, type Finish, type GenContext } from './flavor.ts';
import { randomHex } from './random.ts';
import { VLLM_FINGERPRINT, vllmGenerationError, vllmStatusError } from './vllm-http.ts';

function usage(ctx: GenContext, completion: number, details = true): Record<string, unknown> {
  const prompt = ctx.req.promptTokens;
  const u: Record<string, unknown> = { prompt_tokens: prompt, total_tokens: prompt + completion, completion_tokens: completion };
  if (details) u.prompt_tokens_details = null;
  return u;
}

function chunk(ctx: GenContext, object: string, choices: unknown[], extra: Record<string, unknown> = {}): string {
  return sseEvent({ id: ctx.id, object, created: ctx.created(), model: ctx.model, choices, ...extra });
}

/** continuous_usage_stats puts usage on every event; the fingerprint rides the last event without include_usage. */
function tailFields(ctx: GenContext, completion: number, last: boolean): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  if (ctx.req.continuousUsage) extra.usage = usage(ctx, completion);
  if (last && !ctx.req.includeUsage) extra.system_fingerprint = VLLM_FINGERPRINT;
  return extra;
}

/** include_usage adds a `choices:[]` usage event before [DONE]. */
function usageEvent(ctx: GenContext, object: string, completion: number): string[] {
  if (!ctx.req.includeUsage) return [];
  return [chunk(ctx, object, [], { usage: usage(ctx, completion, false), system_fingerprint: VLLM_FINGERPRINT })];
}

const base = {
  finishOnLastToken: true,
  end: () => [DONE_EVENT],
  // create_streaming_error_response uses json.dumps: Python's ", " and ": " separators. [DONE] still follows.
  streamError: () => ({
    kind: 'events',
    events: ['data: {"error": {"message": "Internal server error", "type": "InternalServerError", "param": null, "code": 500}}\n\n', DONE_EVENT],
  }),
  generationError: vllmGenerationError,
  statusError: (status: number, retryAfter?: number) => vllmStatusError(status, retryAfter),
} as const satisfies Partial<ApiWire>;

export const vllmChatWire: ApiWire = {
  ...base,
  // max_tokens defaults to the remaining context: the answer ends with an EOS.
  naturalFinish: 'stop',
  newId: (req) => `chatcmpl-${req.requestId ?? randomHex(16)}`,
  body(ctx, choices: Choice[]) {
    const completion = choices.reduce((sum, c) => sum + c.tokens, 0);
    return {
      id: ctx.id, object: 'chat.completion', created: ctx.created(), model: ctx.model,
      choices: choices.map((c, index) => ({
        index,
        message: { role: 'assistant', content: c.text, refusal: null, annotations: null, audio: null, function_call: null, tool_calls: [], reasoning: null },
        logprobs: null, finish_reason: c.finish.reason, stop_reason: c.finish.stopReason, token_ids: null, routed_experts: null,
      })),
      service_tier: null, system_fingerprint: VLLM_FINGERPRINT, usage: usage(ctx, completion),
      prompt_logprobs: null, prompt_token_ids: null, prompt_text: null, kv_transfer_params: null,
    };
  },
  lead(ctx) {
    const choice = { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null };
    return [chunk(ctx, 'chat.completion.chunk', [choice], { prompt_token_ids: null, prompt_text: null, ...tailFields(ctx, 0, false) })];
  },
  token(ctx, text, finish: Finish | null, completion) {
    const choice = finish
      ? { index: 0, delta: { content: text }, logprobs: null, finish_reason: finish.reason, stop_reason: finish.stopReason, token_ids: null }
      : { index: 0, delta: { content: text }, logprobs: null, finish_reason: null, token_ids: null };
    return [chunk(ctx, 'chat.completion.chunk', [choice], tailFields(ctx, completion, finish !== null))];
  },
  tail: (ctx, _finish, completion) => usageEvent(ctx, 'chat.completion.chunk', completion),
};

export const vllmCompletionsWire: ApiWire = {
  ...base,
  // max_tokens defaults to 16 for completions.
  naturalFinish: 'length',
  newId: (req) => `cmpl-${req.requestId ?? randomHex(16)}`,
  body(ctx, choices: Choice[]) {
    const completion = choices.reduce((sum, c) => sum + c.tokens, 0);
    return {
      id: ctx.id, object: 'text_completion', created: ctx.created(), model: ctx.model,
      choices: choices.map((c, index) => ({
        index, text: c.text, logprobs: null, finish_reason: c.finish.reason, stop_reason: c.finish.stopReason,
        token_ids: null, prompt_logprobs: null, prompt_token_ids: null, routed_experts: null,
      })),
      service_tier: null, system_fingerprint: VLLM_FINGERPRINT, usage: usage(ctx, completion), kv_transfer_params: null,
    };
  },
  token(ctx, text, finish: Finish | null, completion) {
    const choice = {
      index: 0, text, logprobs: null, finish_reason: finish?.reason ?? null, stop_reason: finish?.stopReason ?? null,
      prompt_token_ids: null, token_ids: null,
    };
    return [chunk(ctx, 'text_completion', [choice], tailFields(ctx, completion, finish !== null))];
  },
  tail: (ctx, _finish, completion) => usageEvent(ctx, 'text_completion', completion),
};
