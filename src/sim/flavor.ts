/** The contract between the shared generation engine and a flavour (llama.cpp or vLLM). */
import type { SimFlavor } from './types.ts';
import type { FinishReason } from './tokens.ts';

export type GenEndpoint = 'chat' | 'completions';

/** A parsed/validated value, or the error Response to send instead. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

/** A validated generation request, flavour-neutral. */
export interface GenRequest {
  endpoint: GenEndpoint;
  stream: boolean;
  includeUsage: boolean;
  /** vLLM `stream_options.continuous_usage_stats`. */
  continuousUsage: boolean;
  /** Rendered prompt: seeds the generated text. */
  seedText: string;
  promptTokens: number;
  /** The request's explicit token limit, or null. */
  maxTokens: number | null;
  stop: string[];
  n: number;
  /** vLLM: the X-Request-Id header, used as the id suffix. */
  requestId: string | null;
}

export interface Finish {
  /** 'abort': vLLM's engine finished the request early (a /sleep with mode=abort). */
  reason: FinishReason | 'abort';
  stopReason: string | null;
}

export interface Choice {
  text: string;
  tokens: number;
  finish: Finish;
}

/** Per-response state the builders read. Times come from performance.now(). */
export interface GenContext {
  readonly req: GenRequest;
  readonly id: string;
  readonly model: string;
  /** `created` in seconds, read when called (llama re-reads it per chunk). */
  created(): number;
  /** Start of prompt processing (slot acquired). */
  readonly startedAt: number;
  /** When the first token came out (set by the engine). */
  firstTokenAt: number | null;
}

export interface StreamError {
  /** The `data: ...\n\n` error event. */
  chunk: string;
  /** vLLM still sends `data: [DONE]` after it; llama.cpp closes. */
  thenDone: boolean;
}

export interface Flavor {
  readonly name: SimFlavor;
  /** llama.cpp: no headers until the first token is ready (or an error is known). */
  readonly headersAtFirstToken: boolean;
  /** llama.cpp: the chat role event shares one write with the first token. */
  readonly roleWithFirstToken: boolean;
  /** vLLM: the last content event carries finish_reason; no separate finish event. */
  readonly finishOnLastToken: boolean;
  /** llama.cpp re-reads `created` for every chunk; vLLM fixes it per response. */
  readonly createdPerChunk: boolean;
  /** Finish reason when the request set no limit and `defaultMaxTokens` tokens were produced. */
  naturalFinish(endpoint: GenEndpoint): FinishReason;
  newId(req: GenRequest): string;

  json(status: number, body: unknown, extraHeaders?: Record<string, string>): Response;
  sse(body: ReadableStream<Uint8Array>): Response;
  /** The 'status' fault answer. */
  statusError(status: number, retryAfter?: number): Response;
  /** A generation failure answered as JSON (non-stream, or llama before the first token). */
  generationError(): Response;
  streamError(): StreamError;

  chatBody(ctx: GenContext, choices: Choice[]): unknown;
  completionBody(ctx: GenContext, choices: Choice[]): unknown;
  /** Chat role event (`data: ...\n\n`), or null for completions. */
  roleEvent(ctx: GenContext): string | null;
  /** One content event; `finish` is set only on the last token when finishOnLastToken. */
  tokenEvent(ctx: GenContext, text: string, finish: Finish | null, completionTokens: number): string;
  /** Everything between the last content event and [DONE], as one write, or null. */
  tailEvents(ctx: GenContext, finish: Finish, completionTokens: number): string | null;
}

export const DONE_EVENT = 'data: [DONE]\n\n';

export function sseEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}
