/**
 * Deno composition root:
 *   deno run --allow-net --allow-read --allow-env --allow-run adapters/deno/main.ts [--config FILE] [--port N] [--host H]
 * deno.json beside this file makes bare imports (hono, zod, yaml) resolve from the
 * repository's node_modules; src/ is loaded as-is. Wiring only: Deno.readTextFile,
 * Deno.watchFs, Deno.serve, Deno's fetch upstream, Swagger UI's files by Deno.readFile;
 * everything else is runGateway's.
 */
import { createTimerScheduler, fetchUpstream, formatServeUsage, type Capabilities } from '../../src/index.ts';
import { within } from '../../src/serving/host.ts';
import { runGateway } from '../../src/serving/run-gateway.ts';
import { denoParts } from './deno-parts.ts';
import { createDenoDocsAssets } from './docs-assets.ts';
import { createDenoLauncher, denoFileReader } from './process-launcher.ts';

/** Model servers can be started when Deno may run programs (--allow-run). */
const RUN = Deno.permissions.querySync({ name: 'run' }).state === 'granted';
/** Rate-limit counters live in this process's memory; there is no Redis store on Deno yet. */
const CAPABILITIES: Capabilities = { runtime: RUN ? 'deno' : 'deno without --allow-run', limitStores: ['memory'], processes: RUN };
await runGateway(
  {
    runtime: `deno ${Deno.version.deno}`,
    capabilities: CAPABILITIES,
    env: Deno.env.toObject(),
    defaultConfig: decodeURIComponent(new URL('../../config/models.yaml', import.meta.url).pathname),
    usage: formatServeUsage('deno run --allow-net --allow-read --allow-env --allow-run adapters/deno/main.ts'),
    ...denoParts,
    exit: (code) => Deno.exit(code),
    scheduler: createTimerScheduler((t) => Deno.unrefTimer(t as number)),
    upstream: fetchUpstream,
    launcher: RUN ? createDenoLauncher() : undefined,
    files: denoFileReader,
    docsAssets: createDenoDocsAssets(),
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
