import { createSimulator, parseSimArgs } from '../../src/index.ts';
import { listen } from './listen.ts';

/** `modeltainer sim`: the simulator as a server (llama-server's or vLLM's flags), with test-only controls. */
export async function simCommand(args: string[]): Promise<number> {
  const { host, port, exitAfterMs, logRequests, ...options } = parseSimArgs(args, process.env);
  // A simulated crash: exit code 1 after N ms from the start, loading or not.
  if (exitAfterMs !== undefined) {
    setTimeout(() => {
      console.error(JSON.stringify({ level: 'error', msg: `simulator exiting with code 1 (--exit-after-ms ${exitAfterMs})` }));
      process.exit(1);
    }, exitAfterMs);
  }
  const sim = createSimulator(options);
  // vLLM binds its socket only after the model is loaded: connection refused until then.
  if (options.flavor === 'vllm') await new Promise((r) => setTimeout(r, Math.max(0, sim.readyAt - Date.now())));

  // @hono/node-server passes { incoming, outgoing } as the handler's second argument.
  type Bindings = { outgoing?: { once(event: 'finish', fn: () => void): unknown } } | undefined;
  // POST /_sim/exit?code=N (test-only): answer, then exit with code N once the answer is written.
  const exitControl = (url: URL, bindings: Bindings): Response => {
    const raw = url.searchParams.get('code') ?? '0';
    const code = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
    if (!(code <= 255)) return Response.json({ error: `code must be an integer 0..255, got '${raw}'` }, { status: 400 });
    const exit = (): never => process.exit(code);
    if (bindings?.outgoing) bindings.outgoing.once('finish', () => setImmediate(exit));
    setTimeout(exit, bindings?.outgoing ? 2000 : 100).unref();
    return Response.json({ exiting: code }, { headers: { connection: 'close' } });
  };
  const handle = async (req: Request, env: unknown): Promise<Response> => {
    const bindings = env as Bindings;
    const started = performance.now();
    const url = new URL(req.url);
    const res = req.method === 'POST' && url.pathname === '/_sim/exit' ? exitControl(url, bindings) : await sim.fetch(req);
    if (logRequests) {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      console.log(JSON.stringify({ level: 'debug', time: new Date().toISOString(), msg: 'sim request', method: req.method, path: url.pathname + url.search, status: res.status, ms }));
    }
    return res;
  };

  const server = await listen(handle, port, host);
  console.log(JSON.stringify({ level: 'info', msg: 'simulator listening', flavor: options.flavor, model: sim.options.model, url: server.url }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      // let in-flight streams finish for a while, then cut them
      setTimeout(() => process.exit(0), 10_000).unref();
      void server.close().then(() => process.exit(0));
    });
  }
  return -1;
}
