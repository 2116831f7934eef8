import { GatewayError } from './gateway-error.ts';

/** Factories for the errors the gateway itself raises, so messages stay consistent. */
export const errors = {
  invalidJson: (detail: string) =>
    new GatewayError({ status: 400, message: `We could not parse the JSON body of your request: ${detail}`, code: 'invalid_json' }),
  invalidField: (param: string, message: string) =>
    new GatewayError({ status: 400, message, param, code: 'invalid_value' }),
  unsupportedMediaType: (contentType: string) =>
    new GatewayError({
      status: 415,
      message: `Unsupported Content-Type '${contentType}': send the body as application/json.`,
      code: 'unsupported_media_type',
    }),
  bodyTooLarge: (limit: number) =>
    new GatewayError({ status: 413, message: `Request body exceeds the limit of ${limit} bytes.`, code: 'request_too_large' }),
  modelNotFound: (model: string) =>
    new GatewayError({
      status: 404,
      message: `The model \`${model}\` does not exist or you do not have access to it.`,
      param: 'model',
      code: 'model_not_found',
    }),
  unsupportedEndpoint: (model: string, endpoint: string, serves: string) =>
    new GatewayError({
      status: 400,
      message: `The model \`${model}\` does not support ${endpoint}; it serves: ${serves}.`,
      param: 'model',
      code: 'unsupported_endpoint',
    }),
  routeNotFound: (method: string, path: string) =>
    new GatewayError({ status: 404, message: `Unknown route: ${method} ${path}`, code: 'unknown_route' }),
  methodNotAllowed: (method: string, path: string, allow: string) =>
    new GatewayError({
      status: 405,
      message: `Method ${method} is not allowed on ${path}; use ${allow}.`,
      code: 'method_not_allowed',
      headers: { allow },
    }),
  backendUnreachable: (backend: string, detail: string) =>
    new GatewayError({ status: 502, message: `Backend ${backend} is unreachable: ${detail}`, code: 'backend_unreachable' }),
  backendTimeout: (backend: string, phase: string, ms: number) =>
    new GatewayError({ status: 504, message: `Backend ${backend} timed out (${phase} after ${ms} ms).`, code: 'backend_timeout' }),
  backendBadResponse: (backend: string, detail: string) =>
    new GatewayError({ status: 502, message: `Backend ${backend} sent an invalid response: ${detail}`, code: 'backend_bad_response' }),
  backendStreamFailed: (backend: string, detail: string) =>
    new GatewayError({ status: 502, message: `Backend ${backend} failed mid-stream: ${detail}`, code: 'backend_stream_error' }),
  noHealthyTarget: (model: string, detail: string) =>
    new GatewayError({ status: 503, message: `Model ${model} has no backend taking traffic: ${detail}.`, code: 'backend_unavailable', headers: { 'retry-after': '5' } }),
  invalidHeader: (header: string, message: string) =>
    new GatewayError({ status: 400, message, param: header, code: 'invalid_value' }),
  queueFull: (model: string, size: number, retryAfterS: number) =>
    new GatewayError({
      status: 429,
      message: `Model ${model} is at capacity and its queue is full (${size} waiting). Try again in ${retryAfterS}s.`,
      type: 'rate_limit_error',
      code: 'queue_full',
      headers: { 'retry-after': String(retryAfterS) },
    }),
  queueTimeout: (model: string, waitedMs: number, retryAfterS: number) =>
    new GatewayError({
      status: 503,
      message: `Model ${model} stayed at capacity: the request waited ${Math.round(waitedMs)} ms in its queue. Try again in ${retryAfterS}s.`,
      code: 'queue_timeout',
      headers: { 'retry-after': String(retryAfterS) },
    }),
  shuttingDown: () =>
    new GatewayError({
      status: 503,
      message: 'The gateway is shutting down; retry on another instance.',
      code: 'shutting_down',
      headers: { connection: 'close', 'retry-after': '1' },
    }),
  adminKeyRequired: () =>
    new GatewayError({
      status: 403,
      message: 'Admin routes need auth.admin_key_sha256 in the config when authentication is on.',
      type: 'permission_error',
      code: 'admin_key_not_configured',
    }),
  reloadUnavailable: (why: string) =>
    new GatewayError({ status: 501, message: why, code: 'reload_unavailable' }),
  modelFailed: (model: string, lastError: string) =>
    new GatewayError({
      status: 503,
      message: `Model ${model} failed to run (last error: ${lastError}). An admin can retry it with POST /admin/models/${model}/reset.`,
      code: 'model_failed',
    }),
  modelStartFailed: (model: string, why: string, retryAfterS: number) =>
    new GatewayError({ status: 503, message: `Model ${model} could not be started: ${why}.`, code: 'model_start_failed', headers: { 'retry-after': String(retryAfterS) } }),
  modelCannotFit: (model: string, why: string) =>
    new GatewayError({ status: 503, message: `Model ${model} cannot be loaded: ${why}.`, code: 'model_cannot_fit' }),
  upstreamPathRejected: (why: string) =>
    new GatewayError({ status: 400, message: `The upstream path was rejected: ${why}.`, param: 'path', code: 'invalid_upstream_path' }),
  upstreamForbidden: (model: string) =>
    new GatewayError({
      status: 403,
      message: `/upstream/${model} needs the admin key (the model's upstream_access is 'admin').`,
      type: 'permission_error',
      code: 'upstream_forbidden',
    }),
  translationFailed: (message: string, param: string | null) =>
    new GatewayError({ status: 400, message, param, code: 'unsupported_for_translation' }),
  invalidConfig: (message: string) =>
    new GatewayError({ status: 400, message, code: 'invalid_config' }),
};

/** Not sent to anyone (the client is gone); recorded in the log as nginx's 499. */
export const clientClosed = () =>
  new GatewayError({ status: 499, message: 'The client closed the request.', code: 'client_closed_request' });
