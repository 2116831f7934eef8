import type { EndpointName } from '../proxy/endpoints.ts';

/** The event each streaming API ends with when the answer is complete. */
const TERMINATORS: Partial<Record<EndpointName, string>> = {
  chat: 'data: [DONE]',
  completions: 'data: [DONE]',
  responses: 'response.completed',
  messages: 'message_stop',
};
/** An error event (OpenAI's, Anthropic's, the Responses API's, vLLM's) or a generation the engine aborted. */
const FAILED = /(^|\n)event: error\n|(^|\n)data: \{"error"|"finish_reason": ?"abort"/;

/**
 * Whether a stream that closed normally is a complete answer, from its last chunks: it ends
 * with its API's final event and no error event came in-band (a backend reports a failure
 * midway that way, then closes normally; so does the gateway's relay).
 */
export function streamEndedCleanly(endpoint: EndpointName, tail: string): boolean {
  const end = TERMINATORS[endpoint];
  return end !== undefined && tail.includes(end) && !FAILED.test(tail);
}

/** Whether a 2xx body is a complete answer (not one the engine aborted). */
export function bodyIsComplete(body: string): boolean {
  return !/"finish_reason": ?"abort"/.test(body);
}

/** The last few chunks as text: where the end of a stream is. */
export function tailText(chunks: readonly Uint8Array[], count = 4): string {
  const decoder = new TextDecoder();
  return chunks
    .slice(-count)
    .map((c) => decoder.decode(c, { stream: true }))
    .join('');
}
