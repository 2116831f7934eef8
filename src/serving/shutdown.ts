import type { Logger, Scheduler } from '../deps.ts';
import type { Gateway } from '../gateway.ts';
import type { Signal } from './host.ts';

export interface ShutdownDeps {
  gateway: Gateway;
  logger: Logger;
  scheduler: Scheduler;
  /** `server.drain_timeout` of the config serving when the signal comes. */
  drainTimeoutMs(): number;
  /**
   * Stops listening and releases what the adapter opened (upstream pools, Redis). After a
   * full drain, responses still being written get `graceMs`; after a drain timeout, none.
   */
  close(graceMs: number): Promise<void>;
  exit(code: number): void;
}

const CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
/** After a full drain: time for the last response bodies to leave before connections are cut. */
export const FLUSH_MS = 1_000;

/**
 * Graceful shutdown: on the first SIGTERM/SIGINT the gateway drains (readiness 503, new
 * requests 503 with Connection: close) while requests and streams in flight get
 * `server.drain_timeout` to finish; then it closes and exits 0. A second signal exits at once.
 */
export function createShutdown(deps: ShutdownDeps): (signal: Signal) => void {
  let started = false;
  return (signal) => {
    const { logger, gateway } = deps;
    if (started) {
      logger.log('warn', { msg: 'second signal: exiting now', signal, in_flight: gateway.inFlight.count });
      deps.exit(CODES[signal] ?? 1);
      return;
    }
    started = true;
    const timeout = deps.drainTimeoutMs();
    logger.log('info', { msg: 'shutting down', signal, in_flight: gateway.inFlight.count, drain_timeout_ms: timeout });
    let done = false;
    const finish = (drained: boolean) => {
      if (done) return;
      done = true;
      if (!drained) logger.log('warn', { msg: 'drain timeout: cutting requests still in flight', in_flight: gateway.inFlight.count });
      void gateway
        .stop()
        .then(() => deps.close(drained ? FLUSH_MS : 0))
        .catch((err: unknown) => logger.log('error', { msg: 'error while closing', error: String(err) }))
        .finally(() => {
          logger.log('info', { msg: 'stopped', drained });
          deps.exit(0);
        });
    };
    deps.scheduler.after(timeout, () => finish(false));
    void gateway.drain().then(() => finish(true));
  };
}
