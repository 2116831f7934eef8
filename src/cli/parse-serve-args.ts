import type { LogLevel } from '../deps.ts';
import { parseLogLevel } from '../observability/json-logger.ts';

/** What `serve` runs with: flags first, then the environment, then defaults. */
export interface ServeArgs {
  help: boolean;
  config: string;
  port: number;
  host: string;
  logLevel: LogLevel;
  /** `--workers N`: processes serving the port; `auto` is one per core; null when not given (the runtime's default). */
  workers: number | 'auto' | null;
}

/** A bad flag or value; adapters print it with the usage text and exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FLAGS: Record<string, 'config' | 'port' | 'host' | 'workers' | 'help'> = {
  '--workers': 'workers',
  '-w': 'workers',
  '--config': 'config',
  '-c': 'config',
  '--port': 'port',
  '-p': 'port',
  '--host': 'host',
  '--help': 'help',
  '-h': 'help',
};

/** What a serve entry point prints for a bad flag: the problem, then the usage. */
export function formatServeUsageError(err: UsageError, usage: string): string {
  return `${err.message}\n\n${usage}\n`;
}

/** The usage text of a serve entry point, given how it is started. */
export function formatServeUsage(command: string): string {
  return `modeltainer — an OpenAI-compatible gateway for vLLM and llama.cpp

Usage:
  ${command} [--config FILE] [--port N] [--host H]

Options:
  -c, --config FILE   model registry (default: config/models.yaml)
  -p, --port N        port to listen on (default 8081; 0 picks a free one)
      --host H        address to bind (default 127.0.0.1)
  -w, --workers N     processes sharing the port, or auto (one per core); Node only
                      (default: auto when NODE_ENV=production, else 1)

Environment: MODELTAINER_CONFIG (config file), PORT, HOST, LOG_LEVEL (debug|info|warn|error), MODELTAINER_WORKERS.`;
}

/**
 * Reads the serve flags (`--config FILE`, `--port N`, `--host H`, also as `--flag=value`)
 * over MODELTAINER_CONFIG / PORT / HOST / LOG_LEVEL, for the adapters whose runtime has
 * no argument parser of its own. Empty variables count as unset. Throws UsageError.
 *
 * @example
 * const args = parseServeArgs(argv, envRecord, { config: 'config/models.yaml' });
 * // { help: false, config: 'config/models.yaml', port: 8081, host: '127.0.0.1', logLevel: 'info' }
 */
export function parseServeArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  defaults: { config: string; port?: number; host?: string },
): ServeArgs {
  const flags: Partial<Record<'config' | 'port' | 'host' | 'workers', string>> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = FLAGS[name];
    if (!key) throw new UsageError(arg.startsWith('-') ? `unknown option '${name}'` : `unexpected argument '${arg}'`);
    if (key === 'help') {
      if (eq > 0) throw new UsageError(`option '${name}' takes no value`);
      help = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('-'))) throw new UsageError(`option '${name}' needs a value`);
    flags[key] = value;
  }
  const fromEnv = (name: string) => (env[name] === '' ? undefined : env[name]);
  const port = flags.port ?? fromEnv('PORT');
  const level = fromEnv('LOG_LEVEL');
  return {
    help,
    config: flags.config ?? fromEnv('MODELTAINER_CONFIG') ?? defaults.config,
    port: port === undefined ? (defaults.port ?? 8081) : parsePort(port),
    host: flags.host ?? fromEnv('HOST') ?? defaults.host ?? '127.0.0.1',
    logLevel: level === undefined ? 'info' : toUsage(() => parseLogLevel(level)),
    workers: parseWorkers(flags.workers ?? fromEnv('MODELTAINER_WORKERS')),
  };
}

function parseWorkers(text: string | undefined): number | 'auto' | null {
  if (text === undefined) return null;
  if (text.trim() === 'auto') return 'auto';
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 256) throw new UsageError(`invalid --workers '${text}': expected auto or an integer from 1 to 256`);
  return n;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535) throw new UsageError(`invalid port '${text}': expected an integer from 0 to 65535`);
  return port;
}

function toUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
