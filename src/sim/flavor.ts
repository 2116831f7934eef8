/**
 * The contract between the shared generation engine and a flavour (llama.cpp or vLLM): the
 * server's transport (headers, error bodies, write grouping) and, per API, its wire shape.
 */
import type { SimFlavor } from './types.ts';
import type { FinishReason } from './tokens.ts';

/** The generation APIs: OpenAI chat and completions, OpenAI Responses, Anthropic Messages. */
export type GenEndpoint = 'chat' | 'completions' | 'responses' | 'messages';

/** A parsed/validated value, or the error Response to send instead. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

/** Request fields vLLM's Responses API echoes in its response object. */
export interface ResponsesEcho {
  instructions: string | null;
  /** The effective limit: the request's, or what is left of the context. */
  maxOutputTokens: number;
  temperature: number;
  topP: number;
  text: unknown;
}

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
  /** vLLM: the X-Request-Id header (or the Responses body's `request_id`), used as the id. */
  requestId: string | null;
  /** vLLM Responses only. */
  echo: ResponsesEcho | null;
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

/** What a stream writes when generation fails after the headers went out. */
export type StreamError =
  /** These events (the error, and vLLM chat's `[DONE]` after it), then the body ends. */
  | { kind: 'events'; events: string[] }
  /** The connection is cut mid-body (vLLM Responses cannot encode the error as an event). */
  | { kind: 'reset' };

/**
 * One API as one server writes it. Stream methods return SSE events (each a complete
 * `[event: ...\n]data: ...\n\n`); the flavour decides whether one call's events share a write.
 */
export interface ApiWire {
  /** Finish reason when the request set no limit and `defaultMaxTokens` tokens were produced. */
  readonly naturalFinish: FinishReason;
  /** vLLM chat/completions: the last content event carries finish_reason (no separate finish event). */
  readonly finishOnLastToken: boolean;
  newId(req: GenRequest): string;
  /** The non-stream body: a value to serialise, or JSON text already serialised. */
  body(ctx: GenContext, choices: Choice[]): unknown;
  /** Events sent as soon as the headers are out, before the engine runs (vLLM Responses). */
  readonly preamble?: (ctx: GenContext) => string[];
  /** Events that open the answer at the first engine output (the chat role event, message_start). */
  readonly lead?: (ctx: GenContext) => string[];
  /** One content token (`tokens` = content tokens so far); `finish` only with finishOnLastToken. */
  token(ctx: GenContext, text: string, finish: Finish | null, tokens: number): string[];
  /** Everything after the last content token but the end marker. */
  tail(ctx: GenContext, finish: Finish, tokens: number): string[];
  /** The end marker (`[DONE]`), if the API has one. */
  end(ctx: GenContext): string[];
  streamError(): StreamError;
  /** A generation failure answered as JSON (non-stream, or llama before the first token). */
  generationError(): Response;
  /** The 'status' fault answer. */
  statusError(status: number, retryAfter?: number): Response;
}

export interface Flavor {
  readonly name: SimFlavor;
  /** llama.cpp: no headers until the first token is ready (or an error is known). */
  readonly headersAtFirstToken: boolean;
  /** llama.cpp: the lead events share one write with the first token. */
  readonly leadWithFirstToken: boolean;
  /** vLLM (a Python generator yielding events): every event is its own write. llama.cpp: one write per engine result. */
  readonly eventPerWrite: boolean;
  /** llama.cpp re-reads `created` for every chunk; vLLM fixes it per response. */
  readonly createdPerChunk: boolean;

  json(status: number, body: unknown, extraHeaders?: Record<string, string>): Response;
  sse(body: ReadableStream<Uint8Array>): Response;
  /** The 'status' fault answer of non-generation requests (embeddings, rerank). */
  statusError(status: number, retryAfter?: number): Response;
  /** A pooling failure (embeddings, rerank). */
  generationError(): Response;
  wire(endpoint: GenEndpoint): ApiWire;
}

export const DONE_EVENT = 'data: [DONE]\n\n';

export function sseEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** A named SSE event, as the Responses and Messages streams write them. */
export function namedEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}
