/** llama-server's OpenAI chat and completions: bodies and `data:` chunks (ids chatcmpl- for both). */
import { DONE_EVENT, sseEvent, type ApiWire, type Choice, type Finish, type GenContext } from './flavor.ts';
import { LLAMA_FINGERPRINT, LLAMA_MIDSTREAM_MESSAGE, llamaErrorBody, llamaGenerationError, llamaStatusError, llamaTimings } from './llamacpp-http.ts';
import { randomAlnum } from './random.ts';

function usage(ctx: GenContext, completion: number): unknown {
  const prompt = ctx.req.promptTokens;
  return { completion_tokens: completion, prompt_tokens: prompt, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: 0 } };
}

function chatChunk(ctx: GenContext, choices: unknown[], extra: Record<string, unknown> = {}): string {
  return sseEvent({
    choices, created: ctx.created(), id: ctx.id, model: ctx.model,
    system_fingerprint: LLAMA_FINGERPRINT, object: 'chat.completion.chunk', ...extra,
  });
}

function textChunk(ctx: GenContext, text: string, finish: Finish | null, tail: Record<string, unknown> = {}): string {
  const choice = { text, index: 0, logprobs: null, finish_reason: finish?.reason ?? null };
  const { usage: u, timings: t } = tail;
  const body: Record<string, unknown> = {
    choices: [choice], created: ctx.created(), model: ctx.model, system_fingerprint: LLAMA_FINGERPRINT, object: 'text_completion',
  };
  if (u !== undefined) body.usage = u;
  body.id = ctx.id;
  if (t !== undefined) body.timings = t;
  return sseEvent(body);
}

/** What chat, completions and Responses share on llama-server. */
export const llamaWireBase = {
  naturalFinish: 'stop',
  finishOnLastToken: false,
  // Ids are chatcmpl- + 32 alphanumerics, also for /v1/completions.
  newId: () => `chatcmpl-${randomAlnum(32)}`,
  end: () => [DONE_EVENT],
  streamError: () => ({ kind: 'events', events: [sseEvent(llamaErrorBody(500, LLAMA_MIDSTREAM_MESSAGE, 'server_error'))] }),
  generationError: llamaGenerationError,
  statusError: llamaStatusError,
} as const satisfies Partial<ApiWire>;

export const llamaChatWire: ApiWire = {
  ...llamaWireBase,
  body(ctx, choices: Choice[]) {
    const first = choices[0];
    return {
      choices: choices.map((c, index) => ({ finish_reason: c.finish.reason, index, message: { role: 'assistant', content: c.text } })),
      created: ctx.created(), model: ctx.model, system_fingerprint: LLAMA_FINGERPRINT, object: 'chat.completion',
      // Like llama-server, usage and timings describe the first choice only.
      usage: usage(ctx, first?.tokens ?? 0), id: ctx.id, timings: llamaTimings(ctx, first?.tokens ?? 0),
    };
  },
  // content null, not "": the role event of llama-server.
  lead: (ctx) => [chatChunk(ctx, [{ finish_reason: null, index: 0, delta: { role: 'assistant', content: null } }])],
  token: (ctx, text) => [chatChunk(ctx, [{ finish_reason: null, index: 0, delta: { content: text } }])],
  tail(ctx, finish, completion) {
    const finishChoices = [{ finish_reason: finish.reason, index: 0, delta: {} }];
    if (!ctx.req.includeUsage) return [chatChunk(ctx, finishChoices, { timings: llamaTimings(ctx, completion) })];
    return [chatChunk(ctx, finishChoices), chatChunk(ctx, [], { usage: usage(ctx, completion), timings: llamaTimings(ctx, completion) })];
  },
};

export const llamaCompletionsWire: ApiWire = {
  ...llamaWireBase,
  body(ctx, choices: Choice[]) {
    const first = choices[0];
    return {
      choices: choices.map((c, index) => ({ text: c.text, index, logprobs: null, finish_reason: c.finish.reason })),
      created: ctx.created(), model: ctx.model, system_fingerprint: LLAMA_FINGERPRINT, object: 'text_completion',
      usage: usage(ctx, first?.tokens ?? 0), id: ctx.id, timings: llamaTimings(ctx, first?.tokens ?? 0),
    };
  },
  token: (ctx, text) => [textChunk(ctx, text, null)],
  // The final completions event always carries usage (with or without include_usage).
  tail: (ctx, finish, completion) => [textChunk(ctx, '', finish, { usage: usage(ctx, completion), timings: llamaTimings(ctx, completion) })],
};
