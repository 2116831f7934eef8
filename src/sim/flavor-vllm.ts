/** vLLM (0.21-era OpenAI server) wire shapes: headers, chunks, bodies and error bodies. */
import { sseEvent, type Choice, type Finish, type Flavor, type GenContext } from './flavor.ts';
import { randomHex } from './random.ts';

export const VLLM_VERSION = '0.21.0';
export const VLLM_FINGERPRINT = `vllm-${VLLM_VERSION}-3f9c1e7a`;

function baseHeaders(contentType: string | null): Headers {
  const headers = new Headers({ date: new Date().toUTCString(), server: 'uvicorn' });
  if (contentType) headers.set('content-type', contentType);
  return headers;
}

export function vllmJson(status: number, body: unknown, extraHeaders: Record<string, string> = {}): Response {
  const headers = baseHeaders('application/json');
  for (const [k, v] of Object.entries(extraHeaders)) headers.set(k, v);
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
}

/** `/health`, `/ping`, `/sleep`, `/wake_up`: an empty body (`content-length: 0`, not chunked) and no content-type. */
export function vllmEmpty(status: number): Response {
  const headers = baseHeaders(null);
  headers.set('content-length', '0');
  return new Response(null, { status, headers });
}

/** vLLM's ErrorResponse: `{"error":{"message","type","param","code"}}`. */
export function vllmError(code: number, message: string, type: string, param: string | null = null): Response {
  return vllmJson(code, { error: { message, type, param, code } });
}

/** FastAPI's own errors (unregistered route, wrong method). */
export const vllmNotFound = (): Response => vllmJson(404, { detail: 'Not Found' });
export const vllmMethodNotAllowed = (allow: string): Response => vllmJson(405, { detail: 'Method Not Allowed' }, { allow });
export const vllmUnauthorized = (): Response => vllmJson(401, { error: 'Unauthorized' });

const STATUS_TYPES: Record<number, [string, string]> = {
  400: ['Bad Request', 'BadRequestError'],
  403: ['Forbidden', 'PermissionDeniedError'],
  404: ['Not Found', 'NotFoundError'],
  429: ['Too Many Requests', 'TooManyRequestsError'],
  500: ['Internal server error', 'InternalServerError'],
  501: ['Not Implemented', 'NotImplementedError'],
};

const GENERATION_ERROR = { message: 'Internal server error', type: 'InternalServerError', param: null, code: 500 };

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

export const vllmFlavor: Flavor = {
  name: 'vllm',
  headersAtFirstToken: false,
  roleWithFirstToken: false,
  finishOnLastToken: true,
  createdPerChunk: false,
  // Chat max_tokens defaults to the remaining context (a natural EOS); completions default to 16 (length).
  naturalFinish: (endpoint) => (endpoint === 'chat' ? 'stop' : 'length'),
  newId: (req) => `${req.endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-${req.requestId ?? randomHex(16)}`,

  json: vllmJson,
  sse(body) {
    return new Response(body, { status: 200, headers: baseHeaders('text/event-stream; charset=utf-8') });
  },
  statusError(status, retryAfter) {
    const extra: Record<string, string> = retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {};
    if (status === 401) return vllmJson(401, { error: 'Unauthorized' }, extra);
    // The only 503 with a body in vLLM: the elastic-EP scaling middleware.
    if (status === 503) return vllmJson(503, { error: 'The model is currently scaling. Please try again later.' }, extra);
    const [message, type] = STATUS_TYPES[status] ?? (status >= 500 ? ['Internal server error', 'InternalServerError'] : ['Bad Request', 'BadRequestError']);
    return vllmJson(status, { error: { message, type, param: null, code: status } }, extra);
  },
  generationError: () => vllmJson(500, { error: GENERATION_ERROR }),
  // create_streaming_error_response uses json.dumps: Python's ", " and ": " separators.
  streamError: () => ({
    chunk: 'data: {"error": {"message": "Internal server error", "type": "InternalServerError", "param": null, "code": 500}}\n\n',
    thenDone: true,
  }),

  chatBody(ctx, choices: Choice[]) {
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
  completionBody(ctx, choices: Choice[]) {
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
  roleEvent(ctx) {
    if (ctx.req.endpoint !== 'chat') return null;
    const choice = { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null };
    return chunk(ctx, 'chat.completion.chunk', [choice], { prompt_token_ids: null, prompt_text: null, ...tailFields(ctx, 0, false) });
  },
  tokenEvent(ctx, text, finish: Finish | null, completion) {
    const last = finish !== null;
    if (ctx.req.endpoint === 'completions') {
      const choice = {
        index: 0, text, logprobs: null, finish_reason: finish?.reason ?? null, stop_reason: finish?.stopReason ?? null,
        prompt_token_ids: null, token_ids: null,
      };
      return chunk(ctx, 'text_completion', [choice], tailFields(ctx, completion, last));
    }
    const choice = last
      ? { index: 0, delta: { content: text }, logprobs: null, finish_reason: finish.reason, stop_reason: finish.stopReason, token_ids: null }
      : { index: 0, delta: { content: text }, logprobs: null, finish_reason: null, token_ids: null };
    return chunk(ctx, 'chat.completion.chunk', [choice], tailFields(ctx, completion, last));
  },
  tailEvents(ctx, _finish, completion) {
    if (!ctx.req.includeUsage) return null;
    const object = ctx.req.endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    return chunk(ctx, object, [], { usage: usage(ctx, completion, false), system_fingerprint: VLLM_FINGERPRINT });
  },
};
