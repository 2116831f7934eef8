import { listen, type RunningServer } from '../../adapters/node/listen.ts';
import { createSimulator, type SimOptions, type Simulator } from '../../src/index.ts';

/** What a backend sent for one request, captured at the simulator's side of the socket. */
export interface SentRecord {
  bytes: Uint8Array;
  endedAt: number;
}

export interface SimBackend {
  sim: Simulator;
  server: RunningServer;
  /** keyed by the x-request-id the gateway forwarded */
  sent: Map<string, Promise<SentRecord>>;
  /** generation requests being answered now, and the most at once since start */
  load: { active: number; max: number; started: string[] };
}

/** A simulator on a real loopback socket, recording the exact bytes of each response. */
export async function startSimBackend(options: SimOptions): Promise<SimBackend> {
  const sim = createSimulator(options);
  const sent = new Map<string, Promise<SentRecord>>();
  const load = { active: 0, max: 0, started: [] as string[] };
  const server = await listen(
    async (req) => {
      const id = req.headers.get('x-request-id');
      const generation = req.method === 'POST';
      if (generation) {
        load.max = Math.max(load.max, ++load.active);
        load.started.push(id ?? '');
      }
      let res: Response;
      try {
        res = await sim.fetch(req);
      } catch (err) {
        if (generation) load.active--;
        throw err;
      }
      if (!res.body) {
        if (generation) load.active--;
        return res;
      }
      const [toClient, toRecord] = res.body.tee();
      const recorded = record(toRecord).finally(() => {
        if (generation) load.active--;
      });
      if (id) sent.set(id, recorded);
      return new Response(toClient, { status: res.status, headers: res.headers });
    },
    0,
    '127.0.0.1',
  );
  return { sim, server, sent, load };
}

async function record(stream: ReadableStream<Uint8Array>): Promise<SentRecord> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
    }
  } catch {
    // a reset or cancelled stream: what was sent so far is the record
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, endedAt: performance.now() };
}
