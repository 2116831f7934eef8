import type { StreamReader } from './recording.ts';

/**
 * A stored stream sent again: chunk by chunk with their original boundaries, as fast as the
 * client reads (`paced` false) or after each chunk's original gap from the one before.
 */
export function replayStream(chunks: readonly Uint8Array[], gaps: readonly number[], paced: boolean, r: StreamReader = {}): ReadableStream<Uint8Array> {
  let i = 0;
  let started = false;
  let ended = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const end = (cancelled: boolean) => {
    if (ended) return;
    ended = true;
    if (timer !== undefined) clearTimeout(timer);
    r.onEnd?.(cancelled);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (i >= chunks.length) {
            const rest = r.filter?.flush();
            if (rest) controller.enqueue(rest);
            controller.close();
            end(false);
            return;
          }
          const gap = paced && i > 0 ? (gaps[i] ?? 0) : 0;
          if (gap > 0) {
            await new Promise<void>((resolve) => (timer = setTimeout(resolve, gap)));
            if (ended) return;
          }
          const chunk = chunks[i++]!;
          const out = r.filter ? r.filter.push(chunk) : chunk;
          if (!out) continue;
          if (!started) {
            started = true;
            r.onFirstChunk?.();
          }
          controller.enqueue(out);
          return;
        }
      },
      cancel: () => end(true),
    },
    { highWaterMark: 0 },
  );
}
