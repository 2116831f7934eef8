import type { LogLevel, Logger } from '../deps.ts';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A Logger that writes one JSON object per line through `write` (each line ends
 * in `\n`), dropping records below `minLevel`. Each adapter passes its runtime's
 * stdout writer.
 *
 * @example
 * const logger = createJsonLogger((line) => process.stdout.write(line), 'info');
 * logger.log('info', { msg: 'listening', url: 'http://127.0.0.1:8081' });
 * // {"level":"info","time":"2026-07-02T10:00:00.000Z","msg":"listening","url":"http://127.0.0.1:8081"}
 */
export function createJsonLogger(write: (line: string) => void, minLevel: LogLevel = 'info'): Logger {
  return {
    log(level, record) {
      if (ORDER[level] < ORDER[minLevel]) return;
      // spliced rather than spread into a new object: this runs once per request (the access log)
      const time = typeof record.time === 'string' ? '' : `"time":"${new Date().toISOString()}",`;
      write(`{"level":"${level}",${time}${JSON.stringify(record).slice(1)}\n`);
    },
    enabled: (level) => ORDER[level] >= ORDER[minLevel],
  };
}

/** Reads a level name such as LOG_LEVEL's value; anything else is an error naming the choices. */
export function parseLogLevel(value: string): LogLevel {
  const level = value.trim().toLowerCase();
  if (level in ORDER) return level as LogLevel;
  throw new Error(`invalid log level '${value}': expected one of ${Object.keys(ORDER).join(', ')}`);
}
