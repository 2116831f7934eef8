/** vLLM request validation: FastAPI/pydantic-style 400s, the model check, context limits. */
import type { GenEndpoint, GenRequest, Parsed } from './flavor.ts';
import { vllmError, vllmJson } from './vllm-http.ts';
import { PyRaw, PyTuple, pyRepr } from './py-repr.ts';
import { qwenChatIds, withQwenSystem } from './qwen-template.ts';
import { promptTokensOf, readBool, readMessages, readPrompt, readStop, renderChat, type ChatMessage } from './request-fields.ts';
import { isRecord } from './tokens.ts';

export interface VllmRoute {
  path: string;
  /** The FastAPI endpoint function named in validation messages. */
  fn: string;
}

const MEDIA_ERROR = "Unsupported Media Type: Only 'application/json' is allowed";

export function badRequest(route: VllmRoute, errors: unknown[], param: string | null = null): Response {
  const list = errors.map((e) => (typeof e === 'string' ? e : pyRepr(e)));
  const head = `${errors.length} validation error${errors.length === 1 ? '' : 's'}:\n  ${list.join('\n  ')}`;
  const where = `\n  File "/usr/local/lib/python3.12/dist-packages/vllm/entrypoints/utils.py", line 40, in ${route.fn}\n    POST ${route.path}`;
  return vllmJson(400, { error: { message: `${head}${where} [${list.join(', ')}]`, type: 'Bad Request', param, code: 400 } });
}

/** A content type other than application/json (or none) is a 400, not a 415. */
export function checkVllmContentType(req: Request): Response | null {
  const media = (req.headers.get('content-type') ?? '').toLowerCase().split(';')[0]?.trim();
  if (media === 'application/json') return null;
  const message = `1 validation error:\n  ${MEDIA_ERROR} ${JSON.stringify([MEDIA_ERROR])}`;
  return vllmJson(400, { error: { message, type: 'Bad Request', param: null, code: 400 } });
}

export function parseVllmJson(text: string, route: VllmRoute): Parsed<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const jsMessage = err instanceof Error ? err.message : '';
    const m = /position (\d+)/.exec(jsMessage);
    const pos = m ? Number(m[1]) : text.length;
    const e = { type: 'json_invalid', loc: new PyTuple(['body', pos]), msg: 'JSON decode error', input: {}, ctx: { error: pythonJsonError(text, pos, jsMessage) } };
    return { ok: false, response: badRequest(route, [e]) };
  }
  if (!isRecord(value)) {
    const e = { type: 'model_attributes_type', loc: new PyTuple(['body']), msg: 'Input should be a valid dictionary or object to extract fields from', input: value };
    return { ok: false, response: badRequest(route, [e]) };
  }
  return { ok: true, value };
}

/** Python's json wording for the error V8 reported. */
function pythonJsonError(text: string, pos: number, jsMessage: string): string {
  if (jsMessage.includes('non-whitespace')) return 'Extra data';
  if (jsMessage.includes('property name')) return 'Expecting property name enclosed in double quotes';
  if (pos >= text.length && /^\s*[[{]/.test(text)) return "Expecting ',' delimiter";
  return 'Expecting value';
}

function intError(key: string, v: unknown): unknown | null {
  if (v === undefined || v === null) return null;
  const loc = new PyTuple(['body', key]);
  if (typeof v === 'number' && Number.isInteger(v)) return null;
  if (typeof v === 'number') return { type: 'int_from_float', loc, msg: 'Input should be a valid integer, got a number with a fractional part', input: v };
  if (typeof v === 'string') {
    if (/^\s*[+-]?\d+\s*$/.test(v)) return null;
    return { type: 'int_parsing', loc, msg: 'Input should be a valid integer, unable to parse string as an integer', input: v };
  }
  return { type: 'int_type', loc, msg: 'Input should be a valid integer', input: v };
}

export const asInt = (v: unknown): number | null => (v === undefined || v === null ? null : Math.trunc(Number(v)));

/** Field checks shared by the routes: required fields (in model field order) + integer fields. */
export function fieldErrors(body: Record<string, unknown>, required: string | readonly string[], ints: readonly string[]): unknown[] {
  const errors: unknown[] = [];
  for (const key of typeof required === 'string' ? [required] : required) {
    if (!(key in body)) errors.push({ type: 'missing', loc: new PyTuple(['body', key]), msg: 'Field required', input: body });
  }
  for (const key of ints) {
    const e = intError(key, body[key]);
    if (e) errors.push(e);
  }
  return errors;
}

/** 404 for a `model` other than the served one; an omitted model is fine. */
export function checkVllmModel(body: Record<string, unknown>, model: string): Response | null {
  const message = unknownModel(body, model);
  return message ? vllmError(404, message, 'NotFoundError', 'model') : null;
}

/** `_check_model`'s message for a `model` other than the served one, or null. */
export function unknownModel(body: Record<string, unknown>, model: string): string | null {
  if (body.model === undefined || body.model === null || body.model === model) return null;
  return `The model \`${String(body.model)}\` does not exist.`;
}

/** The renderer's length check (a BadRequestError): its message and param, or null when the request fits. */
export function contextProblem(maxModelLen: number, prompt: number, maxTokens: number | null): { message: string; param: string } | null {
  if (maxTokens !== null && maxTokens > maxModelLen) {
    const message = `max_tokens=${maxTokens} cannot be greater than max_model_len=max_total_tokens=${maxModelLen}. Please request fewer output tokens. (parameter=max_tokens, value=${maxTokens})`;
    return { message, param: 'max_tokens' };
  }
  if (maxTokens !== null && prompt + maxTokens > maxModelLen) {
    const message = `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${maxTokens} output tokens and your prompt contains at least ${prompt} input tokens, for a total of at least ${prompt + maxTokens} tokens. Please reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value=${prompt})`;
    return { message, param: 'input_tokens' };
  }
  if (prompt >= maxModelLen) {
    const message = `This model's maximum context length is ${maxModelLen} tokens. However, your request has ${prompt} input tokens. Please reduce the length of the input messages. (parameter=input_tokens, value=${prompt})`;
    return { message, param: 'input_tokens' };
  }
  return null;
}

export function contextError(maxModelLen: number, prompt: number, maxTokens: number | null): Response | null {
  const problem = contextProblem(maxModelLen, prompt, maxTokens);
  return problem ? vllmError(400, problem.message, 'BadRequestError', problem.param) : null;
}

/** The prompt of a chat-style request: the seed text and its token count under Qwen's template. */
export function vllmChatPrompt(messages: readonly ChatMessage[]): { seedText: string; promptTokens: number } {
  return { seedText: renderChat(withQwenSystem(messages)), promptTokens: qwenChatIds(messages).length };
}

export function validateVllmGen(
  endpoint: GenEndpoint, body: Record<string, unknown>, route: VllmRoute, limits: { model: string; maxModelLen: number },
): Parsed<GenRequest> {
  const fail = (response: Response): Parsed<GenRequest> => ({ ok: false, response });
  const required = endpoint === 'chat' ? 'messages' : 'prompt';
  const errors = fieldErrors(body, required, ['max_tokens', 'max_completion_tokens', 'n']);
  if (endpoint === 'chat' && 'messages' in body && !Array.isArray(body.messages)) {
    errors.push({ type: 'list_type', loc: new PyTuple(['body', 'messages']), msg: 'Input should be a valid list', input: body.messages });
  }
  if (errors.length > 0) return fail(badRequest(route, errors));
  const stream = readBool(body.stream);
  if (body.stream_options !== undefined && body.stream_options !== null && !stream) {
    const text = 'Stream options can only be defined when `stream=True`.';
    const e = {
      type: 'value_error', loc: new PyTuple(['body']), msg: `Value error, ${text} (parameter=stream_options)`, input: body,
      ctx: { error: new PyRaw(`VLLMValidationError(${pyRepr(text)})`) },
    };
    return fail(badRequest(route, [e], 'stream_options'));
  }
  const wrongModel = checkVllmModel(body, limits.model);
  if (wrongModel) return fail(wrongModel);

  let seedText: string;
  let promptTokens: number;
  if (endpoint === 'chat') {
    ({ seedText, promptTokens } = vllmChatPrompt(readMessages(body.messages as unknown[])));
  } else {
    const prompt = readPrompt(body.prompt);
    seedText = prompt.text;
    promptTokens = promptTokensOf(prompt, 0);
  }
  const maxTokens = asInt(endpoint === 'chat' ? (body.max_completion_tokens ?? body.max_tokens) : body.max_tokens);
  const tooLong = contextError(limits.maxModelLen, promptTokens, maxTokens);
  if (tooLong) return fail(tooLong);
  const options = isRecord(body.stream_options) ? body.stream_options : {};
  const includeUsage = stream && readBool(options.include_usage);
  return {
    ok: true,
    value: {
      endpoint, stream, includeUsage, continuousUsage: includeUsage && readBool(options.continuous_usage_stats),
      seedText, promptTokens, maxTokens, stop: readStop(body.stop),
      n: Math.max(1, Math.min(asInt(body.n) ?? 1, 16)), requestId: null, echo: null,
    },
  };
}
