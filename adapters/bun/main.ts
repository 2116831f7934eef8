/**
 * Bun composition root: `bun run adapters/bun/main.ts [--config FILE] [--port N] [--host H]`.
 * Wiring only: Bun.file, Bun.serve, Bun's fetch upstream (the core's fetchUpstream), and
 * `process` and node:fs's watcher as on Node (processParts), Swagger UI's files read as on Node;
 * everything else is runGateway's.
 */
import { createTimerScheduler, fetchUpstream, formatServeUsage, type Capabilities } from '../../src/index.ts';
import { within } from '../../src/serving/host.ts';
import { runGateway } from '../../src/serving/run-gateway.ts';
import { createDocsAssets } from '../node/docs-assets.ts';
import { createProcessLauncher, nodeFileReader } from '../node/process-launcher.ts';
import { processParts } from '../node/process-parts.ts';

/** Rate-limit counters live in this process's memory; there is no Redis store on Bun yet. */
const CAPABILITIES: Capabilities = { runtime: 'bun', limitStores: ['memory'], processes: true };
await runGateway(
  {
    runtime: `bun ${Bun.version}`,
    capabilities: CAPABILITIES,
    env: Bun.env,
    defaultConfig: Bun.fileURLToPath(new URL('../../config/models.yaml', import.meta.url)),
    usage: formatServeUsage('bun run adapters/bun/main.ts'),
    ...processParts,
    readText: (path) => Bun.file(path).text(),
    scheduler: createTimerScheduler((t) => (t as { unref?: () => void }).unref?.()),
    upstream: fetchUpstream,
    launcher: createProcessLauncher(),
    files: nodeFileReader,
    docsAssets: createDocsAssets(),
    async serve(fetch, options) {
      const server = Bun.serve({
        hostname: options.hostname,
        port: options.port,
        // Bun closes a connection after 10 s without bytes by default; a model thinking before its
        // first token, or a slow stream, must not be cut by it. The gateway's own deadlines govern.
        idleTimeout: 0,
        // Off, or Bun answers thrown errors with its HTML error page.
        development: false,
        // With development off, Bun (1.4.5) binds with SO_REUSEPORT: a second gateway on the same
        // port would start without error and take half the connections. Fail with "port in use".
        reusePort: false,
        // Bun aborts `req.signal` when the client disconnects, which stops the backend request.
        fetch: (req) => fetch(req),
        error: options.lastResort,
      });
      // stop() stops listening and lets responses being written finish, but waits for every
      // stream however long; stop(true) then cuts what is left
      const close = async (graceMs: number) => {
        await within(graceMs, server.stop());
        await server.stop(true);
      };
      return { port: server.port ?? options.port, close };
    },
  },
  Bun.argv.slice(2),
);
