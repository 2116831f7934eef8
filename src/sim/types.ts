/** Public types of the backend simulator (re-exported by `index.ts`). */

export type SimFlavor = 'llamacpp' | 'vllm';

export interface SimFault {
  type: 'status' | 'reset' | 'stall' | 'midstream_error' | 'slow_headers';
  /** 'status': HTTP status to answer (500, 429, 503...), with the flavour's error body (Anthropic-shaped on vLLM's /v1/messages). */
  status?: number;
  /** 'status': seconds, sent as Retry-After header. */
  retry_after?: number;
  /** 'reset' | 'stall' | 'midstream_error': after this many content tokens. */
  after_tokens?: number;
  /** 'stall' / 'slow_headers': how long (stall without ms = forever, until the client aborts). */
  ms?: number;
}

export interface SimOptions {
  flavor: SimFlavor;
  /** Served model id; default llamacpp 'tiny-llama', vllm 'Qwen/Qwen2.5-0.5B-Instruct'. */
  model?: string;
  /** Delay before the first token (default 0). */
  ttftMs?: number;
  /** Delay between tokens (default 0). */
  tokenDelayMs?: number;
  /** Tokens generated when the request sets no limit (default 16). */
  defaultMaxTokens?: number;
  /** Total context (llama: per-slot = ctxSize/parallel; vllm: max_model_len), default 4096. */
  ctxSize?: number;
  /** llama slots; requests beyond this queue (no bytes, not even headers, until a slot frees). Default 4. */
  parallel?: number;
  /** When set, the flavour's auth rules apply. */
  apiKey?: string;
  /** llama: embeddings enabled (--embeddings); vllm: this is a pooling/embedding model (it also serves /score and /rerank). */
  embeddings?: boolean;
  /**
   * llama: `--reranking` (rerank endpoints; implies `embeddings`, so no generation); vllm: a
   * score (cross-encoder) model (`--runner pooling --convert classify`, older `--task score`):
   * /score and /rerank, no generation or embeddings routes. Default false.
   */
  rerank?: boolean;
  /** llama: 503 "Loading model" on every endpoint for this long; vllm: the CLI delays listen (see `readyAt`). */
  loadMs?: number;
  /**
   * vLLM: the server runs with `--enable-sleep-mode` and `VLLM_SERVER_DEV_MODE=1`, so `POST /sleep`,
   * `POST /wake_up`, `GET /is_sleeping` and `POST /collective_rpc` exist (otherwise 404, like vLLM).
   * Ignored by the llama.cpp flavour. Default false.
   */
  sleepMode?: boolean;
  /** vLLM sleep mode: how long `POST /sleep` takes to put the engine to sleep (level 1 or 2). Default 50. */
  sleepMs?: number;
  /** vLLM sleep mode: how long `POST /wake_up` takes when something was asleep. Default 50. */
  wakeMs?: number;
  /** Initial fault queue. */
  faults?: SimFault[];
  /** Clock for `created`, default Date.now. */
  now?: () => number;
}

export interface SimStats {
  requests: number;
  active: number;
  completed: number;
  aborted: number;
  lastAbortAt: number | null;
  /** vLLM sleep mode: what `GET /is_sleeping` answers now (scheduler paused, or any tag asleep). */
  sleeping: boolean;
  /** Completed `POST /sleep` calls (200s). */
  sleeps: number;
  /** Completed `POST /wake_up` calls (200s). */
  wakeUps: number;
  /** Generation and pooling requests that arrived while `sleeping` was true. */
  requestsWhileAsleep: number;
  /** Requests the engine finished with `finish_reason: "abort"` because of a `POST /sleep` (mode=abort). */
  abortedBySleep: number;
  /** `POST /collective_rpc {"method":"reload_weights"}` calls (the documented step after a level-2 sleep). */
  weightReloads: number;
}

export interface Simulator {
  /** A fetch handler (Hono app.fetch), safe to pass unbound. */
  fetch(req: Request): Promise<Response>;
  /**
   * Pushed to a FIFO; each generation or pooling request (chat, completions, responses, messages,
   * embeddings, rerank, score) consumes the next one.
   */
  injectFault(f: SimFault): void;
  stats(): SimStats;
  /** The options with every default filled in. */
  readonly options: Readonly<SimOptions>;
  /** Epoch ms (Date.now clock) at which the model counts as loaded (creation time + loadMs). */
  readonly readyAt: number;
}
