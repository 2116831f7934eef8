import type { GatewayError } from '../errors/gateway-error.ts';
import { toErrorEvent, type ErrorFormat } from '../errors/to-error-response.ts';
import type { UsageEventFilter } from './usage-event-filter.ts';

export interface RelayEnd {
  /** The last few chunks, decoded: where usage and finish events live. */
  tail: string;
  /** The first few chunks, decoded on demand: Anthropic streams put input tokens in their first event (which a runtime may deliver in pieces). */
  head: () => string;
  error: GatewayError | null;
  cancelled: boolean;
}

export interface RelayHooks {
  onFirstChunk(): void;
  onEnd(end: RelayEnd): void;
  /** The client went away: stop the backend. */
  cancelUpstream(reason: unknown): void;
  /** Maps an upstream read failure (reset, timeout) to the error sent in-band. */
  toError(cause: unknown): GatewayError;
  /** Set only when the gateway injected include_usage and must hide the usage event again. */
  filter?: UsageEventFilter;
  /** Until the first chunk: an SSE comment after `afterMs` of silence, then every `intervalMs`. */
  keepalive?: { afterMs: number; intervalMs: number };
  /** The API whose error event ends a failed stream (default OpenAI's). */
  errorFormat?: ErrorFormat;
}

const TAIL_CHUNKS = 4;
const encoder = new TextEncoder();
/** An SSE comment: clients ignore it, proxies see bytes and keep the connection. */
export const KEEPALIVE = encoder.encode(': keep-alive\n\n');

/**
 * Pipes the backend's SSE bytes to the client unchanged, one chunk as it comes
 * (highWaterMark 0: nothing is read ahead or held back). Per chunk it only keeps
 * a reference for the tail; usage is read once, at the end. If the backend fails
 * after bytes went out, the stream ends with an OpenAI error event.
 */
export function relayStream(source: ReadableStream<Uint8Array>, hooks: RelayHooks): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const tail: Uint8Array[] = [];
  const head: Uint8Array[] = [];
  let started = false;
  let ended = false;

  let idle: ReturnType<typeof setTimeout> | undefined;
  const quiet = () => {
    if (idle !== undefined) clearTimeout(idle);
    idle = undefined;
  };
  const end = (error: GatewayError | null, cancelled: boolean) => {
    if (ended) return;
    ended = true;
    quiet();
    hooks.onEnd({ tail: decodeTail(tail), head: () => decodeTail(head), error, cancelled });
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const k = hooks.keepalive;
        if (!k) return;
        // only before the first chunk: the per-chunk path stays untouched
        const tick = (ms: number) => {
          idle = setTimeout(() => {
            controller.enqueue(KEEPALIVE);
            tick(k.intervalMs);
          }, ms);
        };
        tick(k.afterMs);
      },
      // Loops until it has enqueued something: a pull that returns empty-handed is never called again.
      async pull(controller) {
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (cause) {
            if (ended) return;
            const error = hooks.toError(cause);
            const last = tail[tail.length - 1];
            const separator = last && !endsEvent(last) ? '\n\n' : '';
            controller.enqueue(encoder.encode(separator + toErrorEvent(error, hooks.errorFormat)));
            controller.close();
            end(error, false);
            return;
          }
          if (chunk.done) {
            const rest = hooks.filter?.flush();
            if (rest) controller.enqueue(rest);
            controller.close();
            end(null, false);
            return;
          }
          if (!started) {
            started = true;
            quiet();
            hooks.onFirstChunk();
          }
          if (tail.push(chunk.value) > TAIL_CHUNKS) tail.shift();
          else if (head.length < TAIL_CHUNKS) head.push(chunk.value);
          const out = hooks.filter ? hooks.filter.push(chunk.value) : chunk.value;
          if (out) {
            controller.enqueue(out);
            return;
          }
        }
      },
      cancel(reason) {
        hooks.cancelUpstream(reason);
        reader.cancel(reason).catch(() => undefined);
        end(null, true);
      },
    },
    { highWaterMark: 0 },
  );
}

function endsEvent(chunk: Uint8Array): boolean {
  const n = chunk.length;
  return n >= 2 && chunk[n - 1] === 10 && chunk[n - 2] === 10;
}

function decodeTail(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder();
  return chunks.map((c) => decoder.decode(c, { stream: true })).join('') + decoder.decode();
}
