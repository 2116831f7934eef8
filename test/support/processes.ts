import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freePort } from '../../bench/processes.ts';

/** Child processes a test file started; kill them all in afterAll. */
export const children: ChildProcess[] = [];

/** The benchmark's: a port that was free a moment ago on 127.0.0.1. */
export { freePort };

/** Starts a process in the repo root and resolves with what `ready` finds in one of its stdout lines. */
export function startProcess(cmd: string, args: string[], ready: (line: string) => string | null): Promise<string> {
  const child = spawn(cmd, args, { cwd: new URL('../../', import.meta.url), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start`)), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const found = ready(line);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code) => reject(new Error(`${cmd} exited with ${code}`)));
  });
}

/** A throwaway redis-server (Debian's package; .ci/run installs it) on a free port; resolves with its URL. */
export async function startRedis(): Promise<string> {
  const port = await freePort();
  await startProcess('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], (l) =>
    l.includes('Ready to accept connections') ? 'ok' : null,
  );
  return `redis://127.0.0.1:${port}`;
}

/** Starts `modeltainer serve` on a free port with this config file; resolves with its URL. */
export function startGateway(config: string): Promise<string> {
  return startProcess('node', ['--import', 'tsx', 'adapters/node/cli.ts', 'serve', '--config', config, '--port', '0'], (l) => {
    const rec = JSON.parse(l) as { msg?: string; url?: string };
    return rec.msg === 'listening' ? (rec.url ?? null) : null;
  });
}
