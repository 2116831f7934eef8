import { Agent, type Dispatcher } from 'undici';
import type { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { Cancellation, UpstreamFetch, UpstreamResponse } from '../../src/index.ts';

/**
 * The Node upstream client. Node 20's fetch and web streams cost several times
 * more CPU per request than undici.request (see docs/benchmarks.md), so Node
 * injects this one. One keep-alive pool per connect timeout in use.
 */
export function createUndiciUpstream(): UpstreamFetch & { close(): Promise<void> } {
  const agents = new Map<number, Agent>();
  const agentFor = (connectMs: number) => {
    let agent = agents.get(connectMs);
    if (!agent) {
      // The gateway's own first-byte and total deadlines govern; undici's would cut long streams.
      agent = new Agent({ connect: { timeout: connectMs }, headersTimeout: 0, bodyTimeout: 0, connections: 256 });
      agents.set(connectMs, agent);
    }
    return agent;
  };
  const upstream: UpstreamFetch = async (req) => {
    const { origin, path } = splitUrl(req.url);
    // the agent's own request(): undici's top-level request() parses the URL and copies the options on every call
    const res = await agentFor(req.connectTimeoutMs ?? 5_000).request({
      origin,
      path,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body,
      // the callback form when offered: reading req.signal would build an AbortController
      signal: req.cancel ? (new CancelEmitter(req.cancel) as unknown as EventEmitter) : req.signal,
    });
    return toUpstreamResponse(res.statusCode, res.headers, res.body);
  };
  return Object.assign(upstream, {
    close: async () => {
      await Promise.all([...agents.values()].map((a) => a.close()));
    },
  });
}

/** Upstream URLs kept at most (targets' endpoints; /upstream/* paths vary, and past this are parsed each time). */
const MAX_URLS = 1_000;
const urlParts = new Map<string, { origin: string; path: string }>();

/** An upstream URL's origin and path, parsed once per URL. */
function splitUrl(url: string): { origin: string; path: string } {
  let parts = urlParts.get(url);
  if (!parts) {
    const u = new URL(url);
    parts = { origin: u.origin, path: `${u.pathname}${u.search}` };
    if (urlParts.size < MAX_URLS) urlParts.set(url, parts);
  }
  return parts;
}

/** Failures surface through text() or the stream; an 'error' event with no listener would crash the process. */
const ignore = (): void => undefined;

function toUpstreamResponse(status: number, headers: Record<string, string | string[] | undefined>, body: Readable & { text(): Promise<string> }): UpstreamResponse {
  body.on('error', ignore);
  return new UndiciResponse(status, new RecordHeaders(headers), body);
}

// classes rather than object literals with closures: one of each per proxied request
class RecordHeaders {
  constructor(private readonly record: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const v = this.record[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }
}

class UndiciResponse implements UpstreamResponse {
  private stream: ReadableStream<Uint8Array> | null = null;

  constructor(
    readonly status: number,
    readonly headers: RecordHeaders,
    private readonly raw: Readable & { text(): Promise<string> },
  ) {}

  text(): Promise<string> {
    return this.raw.text();
  }

  get body(): ReadableStream<Uint8Array> {
    this.stream ??= toWebStream(this.raw);
    return this.stream;
  }
}

/** A pull-driven web stream over the Node body: nothing read ahead of the consumer. */
function toWebStream(body: Readable): ReadableStream<Uint8Array> {
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await it.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        body.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * A Cancellation in the shape undici follows besides AbortSignal: an emitter of 'abort' with
 * `aborted` and `reason` (undici only calls once/removeListener on it, and checks `on`).
 */
class CancelEmitter {
  constructor(private readonly cancel: Cancellation) {}

  get aborted(): boolean {
    return this.cancel.aborted;
  }

  get reason(): unknown {
    return this.cancel.reason;
  }

  on(_event: 'abort', listener: () => void): this {
    this.cancel.onAbort(listener);
    return this;
  }

  once(_event: 'abort', listener: () => void): this {
    this.cancel.onAbort(listener);
    return this;
  }

  removeListener(_event: 'abort', listener: () => void): this {
    this.cancel.offAbort(listener);
    return this;
  }
}
