// the simulator through the public surface: only targets/ imports sim/ itself
import { createConfigStore, createGateway, createSimulator, parseConfig, type ConfigStore, type Gateway, type SimOptions, type Simulator, type UpstreamFetch } from '../index.ts';

/** What the backend sent for one request: its chunks, and when its stream ended (performance.now()). */
export interface Sent {
  path: string;
  chunks: Uint8Array[];
  ended: Promise<number>;
}

/** A simulator behind an in-process upstream that counts the requests it gets and records the chunks it sends. */
export interface CountingBackend {
  sim: Simulator;
  upstream: UpstreamFetch;
  sent: Sent[];
  /** POSTs (generation, embeddings, ...) it has received */
  readonly requests: number;
}

export function createCountingBackend(options: SimOptions): CountingBackend {
  const sim = createSimulator(options);
  const sent: Sent[] = [];
  const upstream: UpstreamFetch = async (req) => {
    const res = await sim.fetch(new Request(req.url, { method: req.method, headers: req.headers, body: req.body, signal: req.signal }));
    if (req.method !== 'POST' || !res.body) return res;
    const chunks: Uint8Array[] = [];
    let end: (at: number) => void = () => undefined;
    const record: Sent = { path: new URL(req.url).pathname, chunks, ended: new Promise((r) => (end = r)) };
    sent.push(record);
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) {
            end(performance.now());
            controller.close();
            return;
          }
          chunks.push(new Uint8Array(value));
          controller.enqueue(value);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: res.status, headers: res.headers });
  };
  return {
    sim,
    upstream,
    sent,
    get requests() {
      return sent.length;
    },
  };
}

export interface TestGateway {
  gateway: Gateway;
  config: ConfigStore;
  clock: { t: number; now(): number; wall(): number };
  post(path: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<Response>;
}

/** A gateway over `upstream` with a clock the test moves (`clock.t`, ms; it starts at the real time). */
export function createTestGateway(yaml: string, upstream: UpstreamFetch): TestGateway {
  const start = performance.now();
  const clock = { t: 0, now: () => performance.now() - start + clock.t, wall: () => Date.now() + clock.t };
  const config = createConfigStore(parseConfig(yaml));
  const gateway = createGateway({ config, upstream, clock, logger: { log: () => undefined } });
  const post = async (path: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    gateway.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { gateway, config, clock, post };
}

/** Every chunk of a response body as it came. */
export async function readChunks(res: Response): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

export const text = (chunks: readonly Uint8Array[]): string[] => chunks.map((c) => new TextDecoder().decode(c));
