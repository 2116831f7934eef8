/**
 * A client API served by a Chat-Completions-only backend: the request goes down as a chat
 * request, the answer (body or SSE stream) comes back in the client's API. Implementations are
 * pure and stateless, so one instance serves every request.
 */

export interface TranslateContext {
  /** the model name the client asked for; echoed in the translated answer */
  model: string;
  /** a unique id for this request (use for message/response ids: `msg_<id>`, `resp_<id>`) */
  requestId: string;
  /** epoch seconds, for `created_at` */
  now: number;
}

/** Input the translation cannot express as a chat request: a 400 for the client, naming the field. */
export class TranslationError extends Error {
  readonly param?: string;

  constructor(message: string, param?: string) {
    super(message);
    this.name = 'TranslationError';
    if (param !== undefined) this.param = param;
  }
}

export interface Translation {
  /** the client's request body (already JSON-parsed, `model` present) → a Chat Completions request body. Streams ask for `stream_options: {include_usage: true}`. Throws TranslationError for input it cannot translate. */
  request(body: Record<string, unknown>): Record<string, unknown>;
  /** a Chat Completions response body → the API's response body */
  response(chat: Record<string, unknown>, ctx: TranslateContext): Record<string, unknown>;
  /** the Chat Completions SSE byte stream (`data: {...}\n\n` … `data: [DONE]\n\n`) → the API's SSE byte stream (named events, as the real APIs send). */
  stream(chat: ReadableStream<Uint8Array>, ctx: TranslateContext): ReadableStream<Uint8Array>;
}
