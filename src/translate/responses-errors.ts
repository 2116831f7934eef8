import type { ChatError } from './chat-types.ts';

/** A failed response's `error`: its `code` is one of a fixed list, of which only these two fit a backend failure. */
export function responseFailure(error: ChatError): { code: string; message: string } {
  const limited = error.type === 'rate_limit_error' || error.code === 'queue_full' || error.code === 429;
  return { code: limited ? 'rate_limit_exceeded' : 'server_error', message: error.message };
}
