import type { LogLevel, LogRecord, Logger } from '../../src/index.ts';

/**
 * The shutdown of `serve --workers N` told once, as one process tells it: each worker reports
 * its lines to the primary, which logs `shutting down` with the requests in flight in all of
 * them, the first `drain timeout` and `second signal`, and `stopped` once every worker has
 * (drained only if all did; not at all after a second signal, as a single process does).
 */
export function createShutdownStory(logger: Logger, live: () => number): { report(worker: number, level: LogLevel, record: LogRecord): void; allExited(): void } {
  const shutting = new Map<number, LogRecord>();
  const stopped = new Map<number, boolean>();
  const told = new Set<string>();
  let second = false;
  let timer: NodeJS.Timeout | undefined;
  const tellShutting = () => {
    if (told.has('shutting down') || shutting.size === 0) return;
    told.add('shutting down');
    clearTimeout(timer);
    const first = [...shutting.values()][0] as LogRecord;
    const inFlight = [...shutting.values()].reduce((n, r) => n + (typeof r.in_flight === 'number' ? r.in_flight : 0), 0);
    logger.log('info', { ...first, in_flight: inFlight, workers: shutting.size });
  };
  return {
    report(worker, level, record) {
      if (record.msg === 'shutting down') {
        shutting.set(worker, record);
        if (shutting.size >= live()) tellShutting();
        // a worker that does not answer (busy, or gone) does not hold the line back
        else timer ??= setTimeout(tellShutting, 1_000);
      } else if (record.msg === 'stopped') {
        stopped.set(worker, record.drained === true);
      } else if (record.msg.startsWith('second signal') || record.msg.startsWith('drain timeout')) {
        if (record.msg.startsWith('second signal')) second = true;
        tellShutting();
        const key = record.msg.slice(0, 13);
        if (told.has(key)) return;
        told.add(key);
        logger.log(level, record);
      } else logger.log(level, { ...record, worker });
    },
    allExited() {
      tellShutting();
      if (second || stopped.size === 0) return;
      logger.log('info', { msg: 'stopped', drained: [...stopped.values()].every(Boolean), workers: stopped.size });
    },
  };
}
