/**
 * Deno composition root:
 *   deno run --allow-net --allow-read --allow-env --allow-run adapters/deno/main.ts [--config FILE] [--port N] [--host H]
 * deno.json beside this file makes bare imports (hono, zod, yaml) resolve from the
 * repository's node_modules; src/ is loaded as-is. Wiring only: Deno.readTextFile,
 * Deno.watchFs, Deno.serve and Deno's fetch upstream; everything else is runGateway's.
 */
import { createTimerScheduler, fetchUpstream, formatServeUsage, type Capabilities } from '../../src/index.ts';
import { within } from '../../src/serving/host.ts';
import { runGateway } from '../../src/serving/run-gateway.ts';
import { createDenoLauncher, denoFileReader } from './process-launcher.ts';

/** Model servers can be started when Deno may run programs (--allow-run). */
const RUN = Deno.permissions.querySync({ name: 'run' }).state === 'granted';
/** Rate-limit counters live in this process's memory; there is no Redis store on Deno yet. */
const CAPABILITIES: Capabilities = { runtime: RUN ? 'deno' : 'deno without --allow-run', limitStores: ['memory'], processes: RUN };
const encoder = new TextEncoder();
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
    usage: formatServeUsage('deno run --allow-net --allow-read --allow-env --allow-run adapters/deno/main.ts'),
    writeOut: (line) => writeSync(Deno.stdout, line),
    writeErr: (text) => writeSync(Deno.stderr, text),
    readText: (path) => Deno.readTextFile(path),
    watch(path, onChange) {
      const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) || '/' : '.';
      const watcher = Deno.watchFs(dir, { recursive: false });
      void (async () => {
        try {
          for await (const event of watcher) for (const changed of event.paths) onChange(changed);
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
    launcher: RUN ? createDenoLauncher() : undefined,
    files: denoFileReader,
    serve(fetch, options) {
      // shutdown() stops listening and lets responses being written finish, but waits for every
      // stream however long: it gets graceMs, then what is still open dies with the process.
      // (Aborting Deno.serve's `signal` would cut streams, but after shutdown() Deno 2.9 throws
      // "Bad resource ID", and without shutdown() a response whose handler just returned is lost.)
      return new Promise((resolve) => {
        const server = Deno.serve(
          {
            hostname: options.hostname,
            port: options.port,
            // replaces Deno's own "Listening on" line, which is not JSON
            onListen: ({ port }) => resolve({ port, close: (graceMs) => within(graceMs, server.shutdown()) }),
            onError: options.lastResort,
          },
          // Deno aborts `req.signal` when the client disconnects, which stops the backend request.
          (req) => fetch(req),
        );
      });
    },
  },
  Deno.args,
);
