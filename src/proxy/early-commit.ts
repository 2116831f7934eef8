import { GatewayError } from '../errors/gateway-error.ts';
import { toErrorEvent, type ErrorFormat } from '../errors/to-error-response.ts';
import type { RequestLog } from '../observability/request-log.ts';
import type { RequestScope } from '../request/request-scope.ts';
import type { Forwarded } from './attempt-target.ts';
import { KEEPALIVE } from './relay-stream.ts';

const encoder = new TextEncoder();

/** The stream response when its backend answer arrives in time, else null after `afterMs`. */
export function inTime(pending: Promise<Forwarded>, afterMs: number): Promise<Forwarded | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), afterMs)));
  return Promise.race([pending, late]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

/**
 * A stream whose backend has not answered yet (queued, retrying, a llama-server that
 * sends no headers before its first token): the 200 is committed now and SSE comments
 * keep proxies (Cloudflare cuts ~100 s of silence) from dropping it. When the backend
 * answers, its bytes follow; if it fails instead, the stream ends with its API's error event.
 */
export function committedStream(pending: Promise<Forwarded>, intervalMs: number, scope: RequestScope, log: RequestLog, errorFormat: ErrorFormat = 'openai'): ReadableStream<Uint8Array> {
  scope.hold();
  let timer: ReturnType<typeof setInterval> | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
  };
  const answer = pending.then(
    (fwd) => {
      stop();
      reader = typeof fwd.body === 'string' ? null : fwd.body.getReader();
      return typeof fwd.body === 'string' ? encoder.encode(fwd.body) : null;
    },
    (err: unknown) => {
      stop();
      const error = err instanceof GatewayError ? err : new GatewayError({ status: 500, message: 'The gateway hit an internal error.', code: 'internal_error' });
      log.error_code = error.code ?? error.type;
      if (error.status === 499) log.status = 499;
      scope.end();
      return encoder.encode(toErrorEvent(error, errorFormat));
    },
  );
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(KEEPALIVE);
        timer = setInterval(() => controller.enqueue(KEEPALIVE), intervalMs);
      },
      async pull(controller) {
        const first = await answer;
        if (!reader) {
          if (first) controller.enqueue(first);
          controller.close();
          return;
        }
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        stop();
        if (reader) void reader.cancel(reason).catch(() => undefined);
        else {
          // still waiting for a target or the backend: stop that; the relay (if one comes) is cancelled too
          scope.abort({ kind: 'client' });
          void pending.then((fwd) => (typeof fwd.body === 'string' ? undefined : fwd.body.cancel(reason)), () => undefined);
        }
      },
    },
    { highWaterMark: 0 },
  );
}
