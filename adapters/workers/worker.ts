/**
 * The Cloudflare Workers entry. Workers have no file system: the config is the
 * `MODELTAINER_CONFIG` binding (YAML or JSON text, as a var or a secret) or else
 * the YAML bundled at build time; `${ENV}` in it expands from the Worker's string
 * bindings (secrets). The app is built once per isolate per config text, never per request.
 *
 * @example
 * // wrangler.toml: main = "adapters/workers/worker.ts"; then `npx wrangler deploy`
 */
import { ConfigError, createApp, createConfigStore, createJsonLogger, fetchUpstream, parseConfig, parseLogLevel, type Logger } from '../../src/index.ts';
import type { ExecutionContext } from 'hono';
import bundledConfig from '../../config/models.yaml';
import { WORKERS_CAPABILITIES } from './capabilities.ts';
import { createCacheApiStore, defaultEdgeCache } from './cache-api-store.ts';

/** The Worker's bindings, as far as ModelTainer reads them. */
export type WorkerEnv = Record<string, unknown> & { MODELTAINER_CONFIG?: string; LOG_LEVEL?: string };
type Handler = (request: Request, env: WorkerEnv, ctx: ExecutionContext) => Response | Promise<Response>;

let loaded: { text: string; handler: Handler } | undefined;

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Response | Promise<Response> {
    const text = typeof env.MODELTAINER_CONFIG === 'string' ? env.MODELTAINER_CONFIG : bundledConfig;
    if (loaded?.text !== text) loaded = { text, handler: load(text, env) };
    return loaded.handler(request, env, ctx);
  },
};

function load(text: string, env: WorkerEnv): Handler {
  const logger = createLogger(env.LOG_LEVEL);
  const file = typeof env.MODELTAINER_CONFIG === 'string' ? 'MODELTAINER_CONFIG' : 'config/models.yaml';
  try {
    const snapshot = parseConfig(text, { file, env: stringBindings(env), capabilities: WORKERS_CAPABILITIES });
    // no docsAssets: a Worker reads no files, so /docs sends Swagger UI's two files to the CDN (docs/workers.md)
    const edge = snapshot.cache.store === 'cache_api' ? defaultEdgeCache() : undefined;
    const cacheStore = edge && createCacheApiStore(edge);
    const app = createApp({ config: createConfigStore(snapshot), upstream: fetchUpstream, logger, noReload: WORKERS_CAPABILITIES.noReload, cacheStore });
    logger.log('info', { msg: 'config loaded', config: file, models: snapshot.models.map((m) => m.name) });
    return (request, env, ctx) => app.fetch(request, env, ctx);
  } catch (err) {
    // A config that fails to load is never used: every request says where it is wrong, the log has it once.
    const invalid = err instanceof ConfigError;
    const error = err instanceof Error ? err.message : String(err);
    logger.log('error', { msg: invalid ? 'invalid config' : 'config load failed', config: file, error, stack: invalid ? undefined : (err as Error).stack });
    // Clients see where the config is wrong, not what it says: values may come from secrets.
    const where = invalid ? err.issues.map((i) => `${i.file}:${i.line} ${i.path || '(root)'}`).join('; ') : '';
    const message = invalid
      ? `invalid config at ${where}; the Worker logs have the details.`
      : 'The gateway could not load its config; the Worker logs have the reason.';
    const body = JSON.stringify({ error: { message, type: 'server_error', param: null, code: invalid ? 'invalid_config' : 'internal_error' } });
    return () => new Response(body, { status: 500, headers: { 'content-type': 'application/json' } });
  }
}

/** Secrets and vars are strings; other bindings (KV, services) are not config values. */
function stringBindings(env: WorkerEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** One JSON object per console.log call: Workers Logs and `wrangler tail` index its fields. */
function createLogger(level: string | undefined): Logger {
  const write = (line: string) => console.log(line.trimEnd());
  if (level === undefined || level === '') return createJsonLogger(write, 'info');
  try {
    return createJsonLogger(write, parseLogLevel(level));
  } catch (err) {
    const logger = createJsonLogger(write, 'info');
    logger.log('warn', { msg: 'LOG_LEVEL ignored', error: err instanceof Error ? err.message : String(err) });
    return logger;
  }
}
