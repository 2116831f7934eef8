import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { ModelEntry } from '../config/snapshot.ts';
import type { UpstreamFetch } from '../deps.ts';
import { clientClosed, errors } from '../errors/errors.ts';
import { markComplete } from '../middleware/gateway-headers.ts';
import { SECURITY_HEADERS } from '../middleware/security-headers.ts';

/** Hop-by-hop and framing headers: the relay's own connection sets them. */
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'te', 'trailer', 'upgrade', 'proxy-connection']);

/** Whether a request routed over `chain` may need a launched model (whose server worker 1 alone runs). */
export function touchesLaunched(chain: readonly ModelEntry[]): boolean {
  for (const m of chain) if (m.launch) return true;
  return false;
}

/** Worker 1, as the other workers reach it: its private loopback URL, the client to reach it with, and who is asking. */
export interface Owner {
  url: string;
  upstream: UpstreamFetch;
  /** this worker's number, for `x-modeltainer-relayed-by` */
  worker: number;
}

/**
 * Hands the client's request to worker 1 (the owner of launched models, on its private
 * loopback listener) and answers with its response, streamed as it comes. Worker 1 runs the
 * whole pipeline itself (auth, limits, queue, start, log, metrics), so this worker logs
 * nothing of it; its request ends when the relayed body does. Only requests that may need a
 * launched model pay for this hop.
 */
export function handOver(c: Context<AppEnv>, owner: Owner, body: string | undefined): Promise<Response> {
  const scope = c.get('scope');
  c.get('log').relayed = true;
  scope.hold();
  return relayToOwner(c.req.raw, owner, body, () => scope.end());
}

async function relayToOwner(req: Request, owner: Owner, body: string | undefined, onEnd: () => void): Promise<Response> {
  const url = new URL(req.url);
  const headers: Record<string, string> = {};
  req.headers.forEach((v, k) => {
    if (!HOP.has(k)) headers[k] = v;
  });
  let res;
  try {
    res = await owner.upstream({ url: `${owner.url}${url.pathname}${url.search}`, method: req.method, headers, body, signal: req.signal });
  } catch (err) {
    onEnd();
    if (req.signal.aborted) throw clientClosed();
    throw errors.backendUnreachable('worker 1 (the owner of launched models)', err instanceof Error ? err.message : String(err));
  }
  // which worker took the connection: worker 1 answered for it
  const out: Record<string, string> = { 'x-modeltainer-relayed-by': `worker ${owner.worker}` };
  // UpstreamResponse has no header iteration: the headers the gateway's answers carry
  for (const h of RELAYED_HEADERS) {
    const v = res.headers.get(h);
    if (v !== null) out[h] = v;
  }
  const response = new Response(res.body ? untilEnd(res.body, onEnd) : null, { status: res.status, headers: out });
  if (!res.body) onEnd();
  // worker 1 set the request id, overhead and security headers already
  markComplete(response);
  return response;
}

const RELAYED_HEADERS = [
  'content-type',
  'cache-control',
  'x-accel-buffering',
  'retry-after',
  'x-request-id',
  'x-modeltainer-model',
  'x-modeltainer-overhead-ms',
  'x-modeltainer-cache',
  ...['requests', 'tokens'].flatMap((u) => ['limit', 'remaining', 'reset'].map((k) => `x-ratelimit-${k}-${u}`)),
  'access-control-allow-origin',
  'access-control-expose-headers',
  'vary',
  ...Object.keys(SECURITY_HEADERS),
];

/** The same bytes; `onEnd` once they are all read or the client left (this worker's drain waits for it). */
function untilEnd(body: ReadableStream<Uint8Array>, onEnd: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            end();
            controller.close();
          } else controller.enqueue(value);
        } catch (err) {
          end();
          controller.error(err);
        }
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
