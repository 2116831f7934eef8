import { KEEPALIVE } from '../proxy/relay-stream.ts';
import type { UsageEventFilter } from '../proxy/usage-event-filter.ts';

/** One reader of a stream from the cache: the usage event removed or not, told when it ends. */
export interface StreamReader {
  /** Set when the client did not ask for the usage event the backend was asked for. */
  filter?: UsageEventFilter;
  /** Once: at the end (`cancelled`: the client went away). */
  onEnd?(cancelled: boolean): void;
  /** Once: as the first chunk goes out. */
  onFirstChunk?(): void;
}

/**
 * A backend's stream on its way through the cache: read to its end once, each chunk kept (a
 * copy, with its gap from the previous one) and handed to every reader as it arrives. The
 * request that went to the backend reads it, and so do identical requests that came while it
 * ran (coalescing): they get the bytes as they arrive, not at the end. When every reader has
 * gone before the end, the backend is told to stop.
 */
export class Recording {
  /** What is kept: the backend's chunks, without the gateway's keep-alive comments. */
  readonly chunks: Uint8Array[] = [];
  readonly gaps: number[] = [];
  bytes = 0;
  state: 'live' | 'done' | 'failed' | 'cancelled' = 'live';
  /** What readers get: the chunks and any keep-alive comments while the first token is awaited. */
  private readonly live: Uint8Array[] = [];
  private waiters: (() => void)[] = [];
  private readers = 0;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private last: number;

  constructor(
    source: ReadableStream<Uint8Array>,
    private readonly now: () => number,
    private readonly onEnd: (recording: Recording) => void,
  ) {
    this.reader = source.getReader();
    this.last = now();
    void this.pump();
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await this.reader.read();
        if (done) break;
        if (value !== KEEPALIVE) {
          const t = this.now();
          this.gaps.push(this.chunks.length === 0 ? 0 : Math.round(t - this.last));
          this.last = t;
          // a copy: what the client's side does with the chunk it was given cannot change this one
          this.chunks.push(new Uint8Array(value));
          this.bytes += value.length;
        }
        this.live.push(value);
        this.wake();
      }
      if (this.state === 'live') this.state = 'done';
    } catch {
      if (this.state === 'live') this.state = 'failed';
    }
    this.wake();
    this.onEnd(this);
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  /** A stream of everything so far, then each chunk as it arrives. */
  read(r: StreamReader = {}): ReadableStream<Uint8Array> {
    this.readers++;
    let i = 0;
    let started = false;
    let ended = false;
    const end = (cancelled: boolean) => {
      if (ended) return;
      ended = true;
      if (--this.readers === 0 && this.state === 'live') {
        this.state = 'cancelled';
        this.reader.cancel().catch(() => undefined);
      }
      r.onEnd?.(cancelled);
    };
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          for (;;) {
            if (i < this.live.length) {
              const chunk = this.live[i++]!;
              const out = r.filter ? r.filter.push(chunk) : chunk;
              if (!out) continue;
              if (!started && chunk !== KEEPALIVE) {
                started = true;
                r.onFirstChunk?.();
              }
              controller.enqueue(out);
              return;
            }
            if (this.state === 'live') {
              await new Promise<void>((resolve) => this.waiters.push(resolve));
              continue;
            }
            if (this.state === 'done') {
              const rest = r.filter?.flush();
              if (rest) controller.enqueue(rest);
              controller.close();
            } else controller.error(new Error('the backend stream failed'));
            end(false);
            return;
          }
        },
        cancel: () => end(true),
      },
      { highWaterMark: 0 },
    );
  }
}
