import { watch } from 'node:fs';
import { dirname } from 'node:path';
import type { GatewayHost } from '../../src/serving/host.ts';
import { onWorkerSignal } from './cluster-host.ts';

/**
 * The GatewayHost parts that use Node's `process` and `node:fs`, which Bun provides too:
 * shared by both adapters rather than copied.
 */
export const processParts: Pick<GatewayHost, 'writeOut' | 'writeErr' | 'watch' | 'onSignal' | 'onStrayError' | 'exit'> = {
  writeOut: createBatchedWriter((text) => void process.stdout.write(text)),
  writeErr: (text) => void process.stderr.write(text),
  watch(path, onChange) {
    const watcher = watch(dirname(path), (_event, name) => onChange(name === null ? null : String(name)));
    watcher.on('error', () => undefined); // the directory went away: SIGHUP and /admin/reload still work
    return () => watcher.close();
  },
  onSignal: (signal, handler) => void (onWorkerSignal(signal, handler) || process.on(signal, handler)),
  onStrayError(handler) {
    process.on('uncaughtException', (err) => handler('uncaught exception', err));
    process.on('unhandledRejection', (err) => handler('unhandled rejection', err));
  },
  exit: (code) => process.exit(code),
};

/**
 * Lines written in one turn of the event loop go out in one write: under load the access
 * log is a line per request, and a write to a pipe is a system call each on Linux. Flushed
 * at exit (process.exit and uncaught errors included), so no line is lost but on SIGKILL.
 */
const PIPE_BUF = 4096;

function createBatchedWriter(write: (text: string) => void): (line: string) => void {
  let pending = '';
  const flush = () => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    write(text);
  };
  process.on('exit', flush);
  return (line) => {
    // a pipe keeps writes of up to PIPE_BUF (4 KiB) whole: workers sharing stdout never split each other's lines
    if (pending.length + line.length > PIPE_BUF) flush();
    if (pending === '') setImmediate(flush);
    pending += line;
  };
}
