import type { Clock, ConfigSource, Logger } from '../deps.ts';
import { defaultMode } from './auth-schema.ts';
import { ConfigError, type ConfigIssue } from './config-error.ts';
import { isEmptyDiff, type ConfigDiff } from './config-diff.ts';
import type { ConfigStore } from './config-store.ts';
import { parseConfig } from './parse-config.ts';
import type { ConfigSnapshot } from './snapshot.ts';

export type ReloadOutcome = 'ok' | 'error' | 'unchanged';

export interface ReloadResult {
  result: ReloadOutcome;
  hash: string;
  diff?: ConfigDiff;
  /** `error`: what is wrong, naming file, line and field; nothing was applied. */
  error?: string;
  issues?: readonly ConfigIssue[];
  /** Settings in the new config that only take effect after a restart. */
  pendingRestart: string[];
}

/** What GET /admin/config shows. */
export interface ConfigStatus {
  source: string;
  hash: string;
  loaded_at: string;
  last_reload: { at: string; trigger: string; result: ReloadOutcome } | null;
  last_error: { at: string; trigger: string; message: string; issues: readonly ConfigIssue[] } | null;
  pending_restart: string[];
}

export interface ConfigReloader {
  /** Reads, validates and applies the config; concurrent calls run one after another. */
  reload(trigger: string): Promise<ReloadResult>;
  /** Waits for a reload in progress, so the answer describes a settled state. */
  status(): Promise<ConfigStatus>;
}

export interface ReloaderDeps {
  source: ConfigSource;
  store: ConfigStore;
  logger: Logger;
  clock: Clock;
  /** The text the running config was parsed from, when known (its hash is shown before any reload). */
  initialText?: string;
  onResult?: (result: ReloadOutcome) => void;
}

/**
 * Hot reload: parse and validate the whole file first; only a valid config is swapped
 * in (atomically), and the store hands the per-model runtime the diff. An invalid edit
 * changes nothing: the old config keeps serving and the error is logged, counted and
 * kept for GET /admin/config. Settings read once at start are named, never ignored.
 */
export function createConfigReloader(deps: ReloaderDeps): ConfigReloader {
  const { source, store, logger, clock } = deps;
  const started = store.current();
  const iso = () => new Date(clock.wall()).toISOString();
  let hash = '';
  let loadedAt = iso();
  let lastReload: ConfigStatus['last_reload'] = null;
  let lastError: ConfigStatus['last_error'] = null;
  let pending = restartNeeded(started, started);
  let chain: Promise<unknown> = deps.initialText === undefined ? Promise.resolve() : sha256(deps.initialText).then((h) => (hash = h));


  const run = async (trigger: string): Promise<ReloadResult> => {
    const finish = (r: ReloadResult): ReloadResult => {
      lastReload = { at: iso(), trigger, result: r.result };
      deps.onResult?.(r.result);
      return r;
    };
    let text: string;
    let next: ConfigSnapshot;
    try {
      text = await source.read();
      next = parseConfig(text, { file: source.file, env: source.env, capabilities: source.capabilities });
    } catch (err) {
      const invalid = err instanceof ConfigError;
      const message = err instanceof Error ? err.message : String(err);
      lastError = { at: iso(), trigger, message, issues: invalid ? err.issues : [] };
      logger.log('error', { msg: 'config reload failed; the previous config keeps serving', trigger, config: source.file, error: message });
      return finish({ result: 'error', hash, error: message, issues: lastError.issues, pendingRestart: pending });
    }
    const nextHash = await sha256(text);
    if (nextHash === hash) {
      lastError = null;
      return finish({ result: 'unchanged', hash: nextHash, pendingRestart: pending });
    }
    const diff = store.swap(next);
    hash = nextHash;
    loadedAt = iso();
    lastError = null;
    pending = restartNeeded(started, next);
    logger.log('info', { msg: 'config reloaded', trigger, config: source.file, hash: nextHash.slice(0, 12), ...(isEmptyDiff(diff) ? {} : diff) });
    for (const p of pending) logger.log('warn', { msg: 'config setting needs a restart', setting: p });
    if (authOff(next)) logger.log('warn', { msg: 'AUTHENTICATION IS OFF (auth.mode none): anyone who can reach this gateway can use every model.' });
    return finish({ result: 'ok', hash: nextHash, diff, pendingRestart: pending });
  };

  return {
    reload(trigger) {
      const result = chain.then(() => run(trigger));
      chain = result.catch(() => undefined);
      return result;
    },
    status: () =>
      chain.then(() => ({
        source: source.file,
        hash,
        loaded_at: loadedAt,
        last_reload: lastReload,
        last_error: lastError,
        pending_restart: pending,
      })),
  };
}

/** Settings the adapter read once to build something at start: they differ from the running ones until a restart. */
function restartNeeded(started: ConfigSnapshot, next: ConfigSnapshot): string[] {
  const out: string[] = [];
  const a = started.rateLimits;
  const b = next.rateLimits;
  if (a.store !== b.store) out.push(`rate_limits.store: running with '${a.store}'; '${b.store}' takes effect after a restart`);
  if (a.redis_url !== b.redis_url) out.push('rate_limits.redis_url: the Redis connection is made at start; the new URL takes effect after a restart');
  if (a.sync_interval !== b.sync_interval && (a.store === 'redis' || b.store === 'redis')) {
    out.push(`rate_limits.sync_interval: running with ${a.sync_interval} ms; ${b.sync_interval} ms takes effect after a restart`);
  }
  const c = started.cache;
  const d = next.cache;
  if (c.store !== d.store) out.push(`cache.store: running with '${c.store}'; '${d.store}' takes effect after a restart`);
  if (c.redis_url !== d.redis_url && (c.store === 'redis' || d.store === 'redis')) out.push('cache.redis_url: the Redis connection is made at start; the new URL takes effect after a restart');
  return out;
}

export function authOff(snapshot: ConfigSnapshot): boolean {
  const auth = snapshot.auth;
  return (auth?.mode ?? defaultMode((auth?.keys.length ?? 0) > 0, auth?.jwt !== undefined)) === 'none';
}

async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
