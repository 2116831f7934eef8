import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import type { ChildProcessHandle, FileReader, ProcessLauncher } from '../../src/deps.ts';

/** util-linux's setpriv: the child gets SIGKILL when the gateway dies, even by SIGKILL. */
const SETPRIV = '/usr/bin/setpriv';

/**
 * Model servers as child processes (Node and Bun). Each runs in its own process group, so
 * stopping it reaches whatever it started (a shell's children, vLLM's workers); on Linux it
 * also gets a parent-death signal, so it never outlives the gateway; and when the gateway
 * exits, every group still running is killed.
 */
export function createProcessLauncher(): ProcessLauncher {
  const running = new Set<ChildProcess>();
  const pdeathsig = process.platform === 'linux' && existsSync(SETPRIV);
  process.on('exit', () => {
    for (const child of running) signalGroup(child, 'SIGKILL');
  });
  return {
    spawn(spec): ChildProcessHandle {
      const [cmd, ...args] = spec.cmd as [string, ...string[]];
      const child = pdeathsig
        ? spawn(SETPRIV, ['--pdeathsig', 'SIGKILL', '--', cmd, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...spec.env } })
        : spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...spec.env } });
      running.add(child);
      createInterface({ input: child.stdout! }).on('line', (line) => spec.onLine('stdout', line));
      createInterface({ input: child.stderr! }).on('line', (line) => spec.onLine('stderr', line));
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
        child.once('exit', (code, signal) => {
          running.delete(child);
          resolve({ code, signal });
        });
        child.once('error', (err) => {
          running.delete(child);
          spec.onLine('stderr', `could not start ${cmd}: ${err.message}`);
          resolve({ code: null, signal: null });
        });
      });
      return { pid: child.pid ?? 0, exited, kill: (signal) => signalGroup(child, signal) };
    },
    freePort,
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** A loopback port nothing listened on a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Byte ranges of files through node:fs (Node and Bun). */
export const nodeFileReader: FileReader = {
  async read(path, offset, length) {
    const file = await open(path, 'r');
    try {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  },
};
