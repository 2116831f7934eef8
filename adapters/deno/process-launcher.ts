import type { ChildProcessHandle, FileReader, ProcessLauncher } from '../../src/index.ts';

const SETPRIV = '/usr/bin/setpriv';

/**
 * Model servers as Deno subprocesses (needs --allow-run). On Linux each runs under util-linux's
 * `setpriv --pdeathsig SIGKILL`, so it dies with the gateway even on SIGKILL. Deno cannot start a
 * new process group, so stopping signals the server itself, not what it started.
 */
export function createDenoLauncher(): ProcessLauncher {
  const running = new Set<Deno.ChildProcess>();
  globalThis.addEventListener('unload', () => {
    for (const child of running) kill(child, 'SIGKILL');
  });
  let pdeathsig: boolean | null = null;
  return {
    spawn(spec): ChildProcessHandle {
      pdeathsig ??= Deno.build.os === 'linux' && exists(SETPRIV);
      const [cmd, ...args] = spec.cmd as [string, ...string[]];
      const command = pdeathsig ? new Deno.Command(SETPRIV, { args: ['--pdeathsig', 'SIGKILL', '--', cmd, ...args], env: spec.env, stdout: 'piped', stderr: 'piped', stdin: 'null' }) : new Deno.Command(cmd, { args, env: spec.env, stdout: 'piped', stderr: 'piped', stdin: 'null' });
      let child: Deno.ChildProcess;
      try {
        child = command.spawn();
      } catch (err) {
        spec.onLine('stderr', `could not start ${cmd}: ${(err as Error).message}`);
        return { pid: 0, exited: Promise.resolve({ code: null, signal: null }), kill: () => undefined };
      }
      running.add(child);
      void lines(child.stdout, (l) => spec.onLine('stdout', l));
      void lines(child.stderr, (l) => spec.onLine('stderr', l));
      const exited = child.status.then((s) => {
        running.delete(child);
        return { code: s.signal ? null : s.code, signal: s.signal ?? null };
      });
      return { pid: child.pid, exited, kill: (signal) => kill(child, signal) };
    },
    freePort() {
      const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      listener.close();
      return Promise.resolve(port);
    },
  };
}

function kill(child: Deno.ChildProcess, signal: 'SIGTERM' | 'SIGKILL'): void {
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function lines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  let carry = '';
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    carry += text;
    let end: number;
    while ((end = carry.indexOf('\n')) >= 0) {
      onLine(carry.slice(0, end));
      carry = carry.slice(end + 1);
    }
  }
  if (carry) onLine(carry);
}

/** Byte ranges through Deno.open. */
export const denoFileReader: FileReader = {
  async read(path, offset, length) {
    const file = await Deno.open(path, { read: true });
    try {
      await file.seek(offset, Deno.SeekMode.Start);
      const buffer = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const n = await file.read(buffer.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      return buffer.subarray(0, filled);
    } finally {
      file.close();
    }
  },
};
