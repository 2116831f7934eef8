/** llama-server request parsing: nlohmann-style errors, any content type, `model` ignored. */
import type { GenEndpoint, GenRequest, Parsed } from './flavor.ts';
import { llamaError } from './llamacpp-http.ts';
import { jsonTypeName, promptTokensOf, readBool, readMessages, readPrompt, readStop, renderChat, type ChatMessage } from './request-fields.ts';
import { countWords, isRecord } from './tokens.ts';

/** Template overhead of the phi-3 style prompt: BOS, per-message markers, assistant prefix. */
const CHAT_BOS = 1;
const CHAT_PER_MESSAGE = 2;
const CHAT_ASSISTANT_PREFIX = 8;

/** Malformed JSON is a 500 server_error carrying nlohmann's parse error (not a 400). */
export function parseLlamaJson(text: string): Parsed<Record<string, unknown>> {
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value: isRecord(value) ? value : {} };
  } catch (err) {
    return { ok: false, response: llamaError(500, nlohmannParseError(text, err), 'server_error') };
  }
}

function nlohmannParseError(text: string, err: unknown): string {
  const head = '[json.exception.parse_error.101] parse error at line';
  if (text.trim() === '') {
    return `${head} 1, column 1: attempting to parse an empty input; check that your input string or stream contains the expected JSON`;
  }
  const m = /position (\d+)/.exec(err instanceof Error ? err.message : '');
  const pos = m ? Number(m[1]) : text.length;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  let detail: string;
  if (pos >= text.length) {
    const first = text.trimStart()[0];
    detail = first === '{' ? "syntax error while parsing object - unexpected end of input; expected '}'"
      : first === '[' ? "syntax error while parsing array - unexpected end of input; expected ']'"
        : "syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal";
  } else {
    detail = `syntax error while parsing value - invalid literal; last read: '${text.slice(Math.max(0, pos - 8), pos + 1)}'`;
  }
  return `${head} ${line}, column ${column}: ${detail}`;
}

/** The prompt of a chat request: the seed text and its token count under the phi-3 template. */
export function llamaChatPrompt(messages: readonly ChatMessage[]): { seedText: string; promptTokens: number } {
  return {
    seedText: renderChat(messages),
    promptTokens: CHAT_BOS + CHAT_ASSISTANT_PREFIX + messages.reduce((n, m) => n + countWords(m.text) + CHAT_PER_MESSAGE, 0),
  };
}

const invalid = (message: string): Parsed<never> => ({ ok: false, response: llamaError(400, message, 'invalid_request_error') });

/** nlohmann's type_error.302 for a numeric field holding something else (null means "unset"). */
function numericField(body: Record<string, unknown>, key: string): Parsed<number | null> {
  const v = body[key];
  if (v === undefined || v === null) return { ok: true, value: null };
  if (typeof v !== 'number') {
    return invalid(`Field '${key}': [json.exception.type_error.302] type must be number, but is ${jsonTypeName(v)}`);
  }
  return { ok: true, value: Math.trunc(v) };
}

export interface LlamaLimits {
  /** Context per slot. */
  nCtx: number;
}

export function validateLlamaGen(endpoint: GenEndpoint, body: Record<string, unknown>, limits: LlamaLimits): Parsed<GenRequest> {
  let seedText: string;
  let promptTokens: number;
  if (endpoint !== 'completions') {
    if (!('messages' in body)) return invalid("'messages' is required");
    if (!Array.isArray(body.messages)) return invalid("Expected 'messages' to be an array");
    ({ seedText, promptTokens } = llamaChatPrompt(readMessages(body.messages)));
  } else {
    if (!('prompt' in body)) return invalid("[json.exception.out_of_range.403] key 'prompt' not found");
    const prompt = readPrompt(body.prompt);
    seedText = prompt.text;
    promptTokens = promptTokensOf(prompt, 1);
  }
  let limit: number | null = null;
  for (const key of ['n_predict', 'max_completion_tokens', 'max_tokens']) {
    const r = numericField(body, key);
    if (!r.ok) return r;
    if (limit === null && r.value !== null && r.value >= 0) limit = r.value;
  }
  const n = numericField(body, 'n');
  if (!n.ok) return n;
  if (promptTokens >= limits.nCtx || (limit !== null && promptTokens + limit > limits.nCtx)) {
    const message = `request (${promptTokens} tokens) exceeds the available context size (${limits.nCtx} tokens), try increasing it`;
    const response = llamaError(400, message, 'exceed_context_size_error', { n_prompt_tokens: promptTokens, n_ctx: limits.nCtx });
    return { ok: false, response };
  }
  const stream = readBool(body.stream);
  const options = isRecord(body.stream_options) ? body.stream_options : {};
  return {
    ok: true,
    value: {
      endpoint, stream,
      // stream_options without stream is silently ignored.
      includeUsage: stream && readBool(options.include_usage),
      continuousUsage: false,
      seedText, promptTokens, maxTokens: limit, stop: readStop(body.stop),
      n: Math.max(1, Math.min(n.value ?? 1, 16)), requestId: null, echo: null,
    },
  };
}
