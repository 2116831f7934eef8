import { GatewayError } from './gateway-error.ts';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** How errors are written: OpenAI's body (and data events), Anthropic's, or the Responses API's stream events. */
export type ErrorFormat = 'openai' | 'anthropic' | 'responses';

/** Anthropic's SDK parses only its own error shape: the Messages routes (prefixed or not) answer in it. */
const ANTHROPIC_PATH = /\/v1\/messages(?:\/count_tokens)?\/?$/;

export function errorFormatOf(path: string): 'openai' | 'anthropic' {
  return ANTHROPIC_PATH.test(path) ? 'anthropic' : 'openai';
}

export function toErrorBody(err: GatewayError): OpenAIErrorBody {
  return { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
}

/** `{"type":"error","error":{"type","message"}}` with Anthropic's type for the status. */
export function toAnthropicErrorBody(err: GatewayError): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type: anthropicType(err.status), message: err.message } };
}

function anthropicType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status === 504) return 'timeout_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** The only place an error becomes an HTTP response. Unknown errors never leak their message. */
export function toErrorResponse(err: unknown, requestId?: string, format: 'openai' | 'anthropic' = 'openai'): Response {
  const gw = err instanceof GatewayError ? err : internalError();
  const headers = new Headers(gw.headers);
  headers.set('content-type', 'application/json');
  if (requestId) headers.set('x-request-id', requestId);
  const body = format === 'anthropic' ? toAnthropicErrorBody(gw) : toErrorBody(gw);
  return new Response(JSON.stringify(body), { status: gw.status, headers });
}

/** The SSE event that ends a stream which failed after it began, in the stream's own API. */
export function toErrorEvent(err: GatewayError, format: ErrorFormat = 'openai'): string {
  if (format === 'anthropic') return `event: error\ndata: ${JSON.stringify(toAnthropicErrorBody(err))}\n\n`;
  if (format === 'responses') {
    // sequence_number is the backend's count, unknown here; the event still parses and ends the stream
    const data = { type: 'error', code: err.code, message: err.message, param: err.param, sequence_number: 0 };
    return `event: error\ndata: ${JSON.stringify(data)}\n\n`;
  }
  return `data: ${JSON.stringify(toErrorBody(err))}\n\n`;
}

function internalError(): GatewayError {
  return new GatewayError({
    status: 500,
    message: 'The gateway hit an internal error. The request id in x-request-id identifies it in the logs.',
    code: 'internal_error',
  });
}
