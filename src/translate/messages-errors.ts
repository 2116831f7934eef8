import type { ChatError } from './chat-types.ts';

/**
 * Anthropic's error `type` for an OpenAI-shaped error event mid-stream, where there is no HTTP
 * status: the OpenAI type and code decide. (Errors with a status are mapped once, at the edge.)
 */
export function anthropicErrorType(error: ChatError): string {
  if (error.code === 'backend_unavailable' || error.code === 'queue_timeout') return 'overloaded_error';
  switch (error.type) {
    case 'invalid_request_error':
    case 'authentication_error':
    case 'permission_error':
    case 'not_found_error':
    case 'rate_limit_error':
    case 'overloaded_error':
      return error.type;
    default:
      return 'api_error';
  }
}

export function anthropicErrorBody(error: ChatError): Record<string, unknown> {
  return { type: 'error', error: { type: anthropicErrorType(error), message: error.message } };
}
