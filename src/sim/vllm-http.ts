/** vLLM (0.21-era OpenAI server, uvicorn) HTTP answers: JSON responses and error bodies. */

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

export function vllmSse(body: ReadableStream<Uint8Array>): Response {
  return new Response(body, { status: 200, headers: baseHeaders('text/event-stream; charset=utf-8') });
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

/** The message and type of an injected status, as the handler's ErrorResponse would carry them. */
function vllmStatusText(status: number): [string, string] {
  return STATUS_TYPES[status] ?? (status >= 500 ? ['Internal server error', 'InternalServerError'] : ['Bad Request', 'BadRequestError']);
}

/**
 * The 'status' fault answer. `handlerError` shapes the error a handler returns (the Messages API
 * translates it); 401 and 503 come from middlewares and keep their own shapes.
 */
export function vllmStatusError(status: number, retryAfter?: number, handlerError?: (status: number, message: string, type: string) => unknown): Response {
  const extra: Record<string, string> = retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {};
  if (status === 401) return vllmJson(401, { error: 'Unauthorized' }, extra);
  // The only 503 with a body in vLLM: the elastic-EP scaling middleware.
  if (status === 503) return vllmJson(503, { error: 'The model is currently scaling. Please try again later.' }, extra);
  const [message, type] = vllmStatusText(status);
  const body = handlerError ? handlerError(status, message, type) : { error: { message, type, param: null, code: status } };
  return vllmJson(status, body, extra);
}

export const vllmGenerationError = (): Response => vllmError(500, 'Internal server error', 'InternalServerError');
