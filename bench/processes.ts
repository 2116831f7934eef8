/** Server processes of the benchmark: start them, wait until they serve, and always end them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { descendants, pinned } from './cpu.ts';

export interface ServerProcess {
  name: string;
  pid: number;
  url: string;
  /** Its CPU is that of the process and its descendants (a primary and its workers). */
  tree?: boolean;
}

export interface StartSpec {
  name: string;
  /** Arguments after `node` (e.g. ['--import', 'tsx', 'adapters/node/cli.ts', 'sim', ...]), or after `command`. */
  nodeArgs: string[];
  /** Another program than this Node binary (e.g. redis-server). */
  command?: string;
  /** taskset CPU list, or null for unpinned. */
  cpus: string | null;
  env?: Record<string, string>;
  /** Variables of this process's environment not to pass on. */
  unsetEnv?: string[];
  /** The process starts children of its own (workers): count their CPU, and end those left when it has exited. */
  tree?: boolean;
  /** Working directory, when not the group's (the exported tree of `--baseline`). */
  cwd?: string;
  /**
   * How the URL is learnt: from the first JSON line on stdout with a `url` field, or,
   * for a process whose stdout goes elsewhere, a known port polled on `readyPath`, or a known
   * URL once a line on stdout contains `match` (for programs that are not ours).
   */
  ready:
    | { kind: 'stdout-url' }
    | { kind: 'poll'; port: number; readyPath: string; stdout: 'ignore' | 'inherit' }
    | { kind: 'stdout-match'; match: string; url: string };
}

const START_TIMEOUT_MS = 30_000;
const STDERR_KEEP = 4_000;

/** Owns every child: `stopAll` ends them all (SIGTERM, then SIGKILL), `killAllNow` is for exit handlers. */
export class ProcessGroup {
  private readonly children = new Map<string, ChildProcess>();
  private readonly trees = new Set<ChildProcess>();

  constructor(private readonly cwd: string) {}

  async start(spec: StartSpec): Promise<ServerProcess> {
    const [cmd, args] = pinned(spec.cpus, spec.command ?? process.execPath, spec.nodeArgs);
    const stdout = spec.ready.kind === 'poll' ? spec.ready.stdout : 'pipe';
    const env = { ...process.env, ...spec.env };
    for (const name of spec.unsetEnv ?? []) delete env[name];
    const child = spawn(cmd, args, { cwd: spec.cwd ?? this.cwd, env, stdio: ['ignore', stdout, 'pipe'] });
    if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${cmd}`);
    this.children.set(spec.name, child);
    if (spec.tree) this.trees.add(child);

    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-STDERR_KEEP);
    });
    const died = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`${spec.name} exited (${signal ?? code}) before serving:\n${stderr}`)));
      child.once('error', reject);
    });
    died.catch(() => undefined);
    const timeout = new Promise<never>((_, reject) => {
      const t = setTimeout(() => reject(new Error(`${spec.name} did not serve within ${START_TIMEOUT_MS} ms:\n${stderr}`)), START_TIMEOUT_MS);
      t.unref();
    });
    const ready =
      spec.ready.kind === 'stdout-url'
        ? urlFromStdout(child)
        : spec.ready.kind === 'stdout-match'
          ? lineFromStdout(child, spec.ready.match).then(() => (spec.ready as { url: string }).url)
          : pollReady(spec.ready.port, spec.ready.readyPath);
    const url = await Promise.race([ready, died, timeout]);
    return { name: spec.name, pid: child.pid, url, ...(spec.tree ? { tree: true } : {}) };
  }

  /** SIGTERM to every child, SIGKILL to those still there after `graceMs`. */
  async stopAll(graceMs = 3_000): Promise<void> {
    // the workers of a primary, known while it lives: ended after it, if it left any
    const orphans = [...this.trees].flatMap((c) => (c.pid === undefined ? [] : descendants(c.pid)));
    const waits = [...this.children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    );
    await Promise.all(waits);
    if (orphans.length) await new Promise((r) => setTimeout(r, Math.min(graceMs, 1_000)));
    killPids(orphans);
    this.children.clear();
    this.trees.clear();
  }

  /** Synchronous last resort (process 'exit' handler). */
  killAllNow(): void {
    const orphans = [...this.trees].flatMap((c) => (c.pid === undefined || c.exitCode !== null || c.signalCode !== null ? [] : descendants(c.pid)));
    for (const child of this.children.values()) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    killPids(orphans);
    this.children.clear();
    this.trees.clear();
  }
}

/** SIGKILL to each pid still there (a worker its primary did not end). */
function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function urlFromStdout(child: ChildProcess): Promise<string> {
  const stdout = child.stdout;
  if (!stdout) return Promise.reject(new Error('no stdout'));
  return new Promise((resolve) => {
    const lines = createInterface({ input: stdout });
    lines.on('line', (line) => {
      try {
        const rec = JSON.parse(line) as { url?: unknown };
        if (typeof rec.url === 'string') {
          lines.close();
          stdout.resume(); // keep draining whatever else it prints
          resolve(rec.url);
        }
      } catch {
        // not JSON: ignore
      }
    });
  });
}

function lineFromStdout(child: ChildProcess, match: string): Promise<void> {
  const stdout = child.stdout;
  if (!stdout) return Promise.reject(new Error('no stdout'));
  return new Promise((resolve) => {
    const lines = createInterface({ input: stdout });
    lines.on('line', (line) => {
      if (!line.includes(match)) return;
      lines.close();
      stdout.resume();
      resolve();
    });
  });
}

async function pollReady(port: number, path: string): Promise<string> {
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url + path);
      await res.arrayBuffer();
      if (res.ok) return url;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing served on ${url}${path}`);
}

/** A port that was free a moment ago on 127.0.0.1 (for servers that do not print their URL). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A ProcessGroup for a benchmark run, and a temporary directory: the children are killed and the
 * directory removed when this process exits; SIGINT / SIGTERM stop the children first (exit 130),
 * after printing `stopping` (default: "stopping the servers").
 */
export function runGroup(cwd: string, tempPrefix: string, stopping = 'stopping the servers'): { group: ProcessGroup; tempDir: string } {
  const group = new ProcessGroup(cwd);
  const tempDir = mkdtempSync(join(tmpdir(), tempPrefix));
  process.on('exit', () => {
    group.killAllNow();
    rmSync(tempDir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: ${stopping}`);
      void group.stopAll(1_000).finally(() => process.exit(130));
    });
  }
  return { group, tempDir };
}
