import type { GatewayHost } from '../../src/serving/host.ts';

const encoder = new TextEncoder();

/** Synchronous, so lines never interleave and the last one is out before Deno.exit. */
function writeSync(file: typeof Deno.stdout, text: string): void {
  const bytes = encoder.encode(text);
  for (let off = 0; off < bytes.length; ) off += file.writeSync(bytes.subarray(off));
}

/** The GatewayHost parts that are Deno's own: output, files, the config watcher, signals, crash guards. */
export const denoParts: Pick<GatewayHost, 'writeOut' | 'writeErr' | 'readText' | 'watch' | 'onSignal' | 'onStrayError'> = {
  writeOut: (line) => writeSync(Deno.stdout, line),
  writeErr: (text) => writeSync(Deno.stderr, text),
  readText: (path) => Deno.readTextFile(path),
  watch(path, onChange) {
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) || '/' : '.';
    const watcher = Deno.watchFs(dir, { recursive: false });
    void (async () => {
      try {
        for await (const event of watcher) for (const changed of event.paths) onChange(changed);
      } catch {
        // the directory went away: SIGHUP and /admin/reload still work
      }
    })();
    return () => watcher.close();
  },
  onSignal: (signal, handler) => Deno.addSignalListener(signal, handler),
  onStrayError(handler) {
    globalThis.addEventListener('error', (e) => {
      e.preventDefault();
      handler('uncaught exception', e.error);
    });
    globalThis.addEventListener('unhandledrejection', (e) => {
      e.preventDefault();
      handler('unhandled rejection', e.reason);
    });
  },
};
