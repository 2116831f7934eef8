/** llama-server (b10108) HTTP answers: JSON responses, error bodies, and the generation timings. */
import type { GenContext } from './flavor.ts';

export const LLAMA_FINGERPRINT = 'b10108-0a50d9909';
export const LLAMA_MIDSTREAM_MESSAGE = 'The model produced output that does not match the expected peg-native format';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Sets a header, skipping ones the runtime refuses (hop-by-hop names, empty values). */
export function trySet(headers: Headers, name: string, value: string): void {
  try {
    headers.set(name, value);
  } catch {
    // Some runtimes forbid e.g. `Connection`; the body still carries the information.
  }
}

export function llamaJson(status: number, body: unknown, extraHeaders: Record<string, string> = {}): Response {
  const headers = new Headers({ 'Content-Type': JSON_TYPE, Server: 'llama.cpp' });
  // Every llama-server error closes the connection.
  if (status >= 400) trySet(headers, 'Connection', 'close');
  for (const [k, v] of Object.entries(extraHeaders)) trySet(headers, k, v);
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
}

/**
 * `{"error":{...}}`. The 401, 404 and 503 bodies use key order message, type, code;
 * the others code, message, type (then extras such as n_prompt_tokens, n_ctx).
 */
export function llamaErrorBody(code: number, message: string, type: string, extra: Record<string, unknown> = {}): unknown {
  if (code === 401 || code === 404 || code === 503) return { error: { message, type, code } };
  return { error: { code, message, type, ...extra } };
}

export function llamaError(code: number, message: string, type: string, extra?: Record<string, unknown>): Response {
  return llamaJson(code, llamaErrorBody(code, message, type, extra));
}

export const llamaNotFound = (): Response => llamaError(404, 'File Not Found', 'not_found_error');
export const llamaLoading = (): Response => llamaError(503, 'Loading model', 'unavailable_error');
export const llamaUnauthorized = (): Response => llamaError(401, 'Invalid API Key', 'authentication_error');
export const llamaGenerationError = (): Response => llamaError(500, LLAMA_MIDSTREAM_MESSAGE, 'server_error');

/** Error body for an injected status. 429 has no llama.cpp equivalent; it reuses unavailable_error. */
function statusErrorBody(status: number): [string, string] {
  switch (status) {
    case 400: return ['Invalid request', 'invalid_request_error'];
    case 401: return ['Invalid API Key', 'authentication_error'];
    case 403: return ['Forbidden', 'permission_error'];
    case 404: return ['File Not Found', 'not_found_error'];
    case 429: return ['Too many requests', 'unavailable_error'];
    case 501: return ['Not implemented', 'not_supported_error'];
    case 503: return ['Loading model', 'unavailable_error'];
    default: return status >= 500 ? ['Internal server error', 'server_error'] : ['Invalid request', 'invalid_request_error'];
  }
}

export function llamaStatusError(status: number, retryAfter?: number): Response {
  const [message, type] = statusErrorBody(status);
  const extra: Record<string, string> = retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {};
  return llamaJson(status, llamaErrorBody(status, message, type), extra);
}

const ms3 = (v: number): number => Math.max(0.001, Math.round(v * 1000) / 1000);

/** The non-OAI `timings` object: prompt processing until the first token, then generation. */
export function llamaTimings(ctx: GenContext, predicted: number): unknown {
  const now = performance.now();
  const first = ctx.firstTokenAt ?? now;
  const promptN = ctx.req.promptTokens;
  const promptMs = ms3(first - ctx.startedAt);
  const predictedMs = ms3(now - first);
  return {
    cache_n: 0,
    prompt_n: promptN,
    prompt_ms: promptMs,
    prompt_per_token_ms: promptN > 0 ? promptMs / promptN : 0,
    prompt_per_second: (1000 * promptN) / promptMs,
    predicted_n: predicted,
    predicted_ms: predictedMs,
    predicted_per_token_ms: predicted > 0 ? predictedMs / predicted : 0,
    predicted_per_second: (1000 * predicted) / predictedMs,
  };
}
