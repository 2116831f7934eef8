import { watch } from 'node:fs';
import { dirname } from 'node:path';
import type { GatewayHost } from '../../src/serving/host.ts';

/**
 * The GatewayHost parts that use Node's `process` and `node:fs`, which Bun provides too:
 * shared by both adapters rather than copied.
 */
export const processParts: Pick<GatewayHost, 'writeOut' | 'writeErr' | 'watch' | 'onSignal' | 'onStrayError' | 'exit'> = {
  writeOut: (line) => void process.stdout.write(line),
  writeErr: (text) => void process.stderr.write(text),
  watch(path, onChange) {
    const watcher = watch(dirname(path), (_event, name) => onChange(name === null ? null : String(name)));
    watcher.on('error', () => undefined); // the directory went away: SIGHUP and /admin/reload still work
    return () => watcher.close();
  },
  onSignal: (signal, handler) => void process.on(signal, handler),
  onStrayError(handler) {
    process.on('uncaughtException', (err) => handler('uncaught exception', err));
    process.on('unhandledRejection', (err) => handler('unhandled rejection', err));
  },
  exit: (code) => process.exit(code),
};
