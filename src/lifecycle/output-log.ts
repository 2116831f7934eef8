import type { Logger } from '../deps.ts';

const LINES_PER_SECOND = 20;
const MAX_LINE = 500;

/**
 * A model server's stdout and stderr into the gateway's JSON log, one record per line with
 * the model's name, at most 20 lines a second: past that, lines are counted and a single
 * record says how many were left out. Lines are cut at 500 characters.
 */
export function createOutputLog(logger: Logger, model: string, now: () => number): (stream: 'stdout' | 'stderr', line: string) => void {
  let windowStart = 0;
  let inWindow = 0;
  let dropped = 0;
  return (stream, line) => {
    const t = now();
    if (t - windowStart >= 1000) {
      if (dropped > 0) logger.log('warn', { msg: 'model server output left out', model, lines: dropped });
      windowStart = t;
      inWindow = 0;
      dropped = 0;
    }
    if (++inWindow > LINES_PER_SECOND) {
      dropped++;
      return;
    }
    logger.log('info', { msg: 'model server output', model, stream, line: line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line });
  };
}
