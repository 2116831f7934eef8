/**
 * Plays a list of steps as an SSE Response body: one step per pull by the reader (highWaterMark
 * 0; a step's writes are enqueued together), so nothing is generated ahead of the client and a
 * reset never drops a write the client has not read yet.
 */
import type { ApiWire, Flavor } from './flavor.ts';
import { isAborted, sleep } from './sleep.ts';
import type { Step } from './stream-steps.ts';

export interface StreamHooks {
  /** Aborted by the engine when the client goes away (request signal); the body aborts it on cancel. */
  controller: AbortController;
  onStep(step: Step): void;
  /** Called exactly once: the stream finished (any way) or the client went away. */
  end(kind: 'complete' | 'abort'): void;
  /**
   * vLLM sleep mode: spends the delay of a lead or token step as engine time (held while the
   * engine sleeps). Resolves null to go on, or the steps that replace the rest of the stream
   * when the engine aborted the request.
   */
  engineWait?(ms: number, signal: AbortSignal): Promise<Step[] | null>;
}

/**
 * Returns the Response. With `flavor.headersAtFirstToken` (llama.cpp), it resolves only once the
 * first write is ready; an error fault before that becomes a JSON error response instead.
 */
export async function streamResponse(flavor: Flavor, wire: ApiWire, steps: Step[], hooks: StreamHooks): Promise<Response> {
  const encoder = new TextEncoder();
  const { signal } = hooks.controller;
  let index = 0;
  let ended = false;
  let body: ReadableStreamDefaultController<Uint8Array> | null = null;

  const finish = (kind: 'complete' | 'abort'): void => {
    if (ended) return;
    ended = true;
    signal.removeEventListener('abort', onAbort);
    hooks.end(kind);
  };
  function onAbort(): void {
    finish('abort');
    // Fail a reader that is still there, one macrotask later: a server that saw the socket close
    // cancels the body in the meantime (then this is a no-op and nothing gets logged as an error).
    setTimeout(() => {
      try {
        body?.error(new DOMException('The client aborted the request.', 'AbortError'));
      } catch {
        // already closed or cancelled
      }
    }, 0);
  }
  signal.addEventListener('abort', onAbort, { once: true });

  /** Waits out the next step's delay; the step stays current (its delay zeroed) until taken. */
  const waitNext = async (): Promise<Step | undefined> => {
    const step = steps[index];
    if (!step) return undefined;
    if (hooks.engineWait && step.phase !== 'tail' && step.phase !== 'preamble') {
      const replacement = await hooks.engineWait(step.delay, signal);
      if (replacement) {
        steps.splice(index, steps.length - index, ...replacement);
        return steps[index];
      }
    } else {
      await sleep(step.delay, signal);
    }
    step.delay = 0;
    return step;
  };
  /** The step's writes: one per event (vLLM), or its events together (llama.cpp). */
  const take = (step: Step): string[] => {
    index++;
    hooks.onStep(step);
    const events = step.render();
    return flavor.eventPerWrite || events.length === 0 ? events : [events.join('')];
  };

  const primed: string[] = [];
  let primedClose = false;
  if (flavor.headersAtFirstToken) {
    try {
      for (;;) {
        const step = await waitNext();
        if (!step || step.kind === 'reset') break;
        if (step.kind === 'error') {
          finish('complete');
          return wire.generationError();
        }
        const writes = take(step);
        primed.push(...writes);
        primedClose = step.close;
        if (writes.length > 0 || step.close) break;
      }
    } catch (err) {
      finish(isAborted(err) ? 'abort' : 'complete');
      if (!isAborted(err)) throw err;
      return new Response(null, { status: 499 });
    }
  }

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        body = c;
        for (const text of primed) c.enqueue(encoder.encode(text));
        if (primedClose) {
          c.close();
          finish('complete');
        }
      },
      async pull(c) {
        try {
          for (;;) {
            const step = await waitNext();
            if (ended) return;
            if (!step) {
              c.close();
              finish('complete');
              return;
            }
            if (step.kind === 'reset') {
              index++;
              finish('complete');
              c.error(new Error('sim reset'));
              return;
            }
            const writes = take(step);
            for (const text of writes) c.enqueue(encoder.encode(text));
            if (step.close) {
              c.close();
              finish('complete');
              return;
            }
            if (writes.length > 0) return;
          }
        } catch (err) {
          if (ended) return;
          if (isAborted(err)) return onAbort();
          finish('complete');
          c.error(err);
        }
      },
      cancel() {
        finish('abort'); // first: detaches onAbort, so the abort below only stops pending waits
        hooks.controller.abort();
      },
    },
    { highWaterMark: 0 },
  );
  return flavor.sse(stream);
}
