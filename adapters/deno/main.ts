/**
 * Deno composition root:
 *   deno run --allow-net --allow-read --allow-env adapters/deno/main.ts [--config FILE] [--port N] [--host H]
 * deno.json beside this file makes bare imports (hono, zod, yaml) resolve from the
 * repository's node_modules; src/ is loaded as-is. Wiring only: Deno.readTextFile,
 * Deno.watchFs, Deno.serve and Deno's fetch upstream; everything else is runGateway's.
 */
import { createTimerScheduler, fetchUpstream, formatServeUsage, type Capabilities } from '../../src/index.ts';
import { runGateway } from '../../src/serving/run-gateway.ts';

/** Rate-limit counters live in this process's memory; there is no Redis store on Deno yet. */
const CAPABILITIES: Capabilities = { runtime: 'deno', limitStores: ['memory'] };
const encoder = new TextEncoder();
/** On close, how long responses still being delivered get before their connections are cut. */
const FLUSH_MS = 1_000;

/** Waits for `p`, but no longer than `ms`. */
async function within(ms: number, p: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Synchronous, so lines never interleave and the last one is out before Deno.exit. */
function writeSync(file: typeof Deno.stdout, text: string): void {
  const bytes = encoder.encode(text);
  for (let off = 0; off < bytes.length; ) off += file.writeSync(bytes.subarray(off));
}

await runGateway(
  {
    runtime: `deno ${Deno.version.deno}`,
    capabilities: CAPABILITIES,
    env: Deno.env.toObject(),
    defaultConfig: decodeURIComponent(new URL('../../config/models.yaml', import.meta.url).pathname),
    usage: formatServeUsage('deno run --allow-net --allow-read --allow-env adapters/deno/main.ts'),
    writeOut: (line) => writeSync(Deno.stdout, line),
    writeErr: (text) => writeSync(Deno.stderr, text),
    readText: (path) => Deno.readTextFile(path),
    watch(path, onChange) {
      const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) || '/' : '.';
      const watcher = Deno.watchFs(dir, { recursive: false });
      void (async () => {
        try {
          for await (const _ of watcher) onChange();
        } catch {
          // the directory went away: SIGHUP and /admin/reload still work
        }
      })();
      return () => watcher.close();
    },
    onSignal: (signal, handler) => Deno.addSignalListener(signal, handler),
    onStrayError(handler) {
      globalThis.addEventListener('error', (e) => {
        e.preventDefault();
        handler('uncaught exception', e.error);
      });
      globalThis.addEventListener('unhandledrejection', (e) => {
        e.preventDefault();
        handler('unhandled rejection', e.reason);
      });
    },
    exit: (code) => Deno.exit(code),
    scheduler: createTimerScheduler((t) => Deno.unrefTimer(t as number)),
    upstream: fetchUpstream,
    serve(fetch, options) {
      // Responses not yet fully delivered (settled by Deno's `info.completed`).
      const sending = new Set<Promise<void>>();
      const cut = new AbortController();
      let finished: Promise<void> = Promise.resolve();
      // Not server.shutdown(): it waits for every response to end, so a stream still running
      // when the drain timed out kept the process alive until it finished (or forever, for a
      // client that stops reading). After a full drain only the last bytes of a response can
      // still be on their way: they get FLUSH_MS, then everything still open is cut.
      const close = async () => {
        await within(FLUSH_MS, Promise.all(sending));
        cut.abort();
        await within(FLUSH_MS, finished);
      };
      return new Promise((resolve) => {
        const server = Deno.serve(
          {
            hostname: options.hostname,
            port: options.port,
            // aborting closes the listener and cuts every connection, streams included
            signal: cut.signal,
            // replaces Deno's own "Listening on" line, which is not JSON
            onListen: ({ port }) => resolve({ port, close }),
            onError: options.lastResort,
          },
          (req, info) => {
            const sent = info.completed.catch(() => undefined);
            sending.add(sent);
            void sent.then(() => sending.delete(sent));
            // Deno aborts `req.signal` when the client disconnects, which stops the backend request.
            return fetch(req);
          },
        );
        finished = server.finished;
      });
    },
  },
  Deno.args,
);
