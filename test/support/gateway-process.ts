import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() in this process when it exited */
  at: number;
}

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  configFile: string;
  /** JSON lines the gateway printed so far */
  logs: Record<string, unknown>[];
  /** everything it printed (stderr lines prefixed), for failure messages */
  output: string[];
  exited: Promise<Exit>;
  /** The first log line (printed so far or later) whose `msg` starts with `match`, or that `match` accepts. */
  waitForLog(match: string | ((rec: Record<string, unknown>) => boolean), timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGKILLs the process if it still runs and removes its config directory. */
  stop(): void;
}

export interface StartOptions {
  /** How to start it; `--config FILE --port 0 --host 127.0.0.1` are appended. Default: Node. */
  command?: string[];
  runtime?: string;
  env?: Record<string, string>;
  /** Serve this file instead of writing `config` to a fresh one (the caller owns it). */
  configFile?: string;
}

const root = new URL('../../', import.meta.url);
const NODE = ['node', '--import', 'tsx', 'adapters/node/cli.ts', 'serve'];

/** The gateway as a real process on a free port, with its config in a fresh temp directory. */
export async function startGatewayProcess(config: string, options: StartOptions = {}): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'modeltainer-gw-'));
  const configFile = options.configFile ?? join(dir, 'models.yaml');
  if (!options.configFile) writeFileSync(configFile, config);
  const [cmd, ...args] = options.command ?? NODE;
  const runtime = options.runtime ?? 'node';
  const child = spawn(cmd as string, [...args, '--config', configFile, '--port', '0', '--host', '127.0.0.1'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const output: string[] = [];
  const waiters: { accepts: (rec: Record<string, unknown>) => boolean; resolve: (rec: Record<string, unknown>) => void }[] = [];
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    output.push(line);
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    logs.push(rec);
    for (const w of [...waiters]) {
      if (w.accepts(rec)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(rec);
      }
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(`stderr: ${line}`));

  const waitForLog: GatewayProcess['waitForLog'] = (match, timeoutMs = 10_000) => {
    const accepts = typeof match === 'string' ? (r: Record<string, unknown>) => typeof r.msg === 'string' && r.msg.startsWith(match) : match;
    const seen = logs.find(accepts);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${runtime}: no matching log line in ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
      waiters.push({ accepts, resolve: (rec) => (clearTimeout(timer), resolve(rec)) });
    });
  };
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const listening = await Promise.race([
      waitForLog((r) => r.msg === 'listening' && typeof r.url === 'string', 30_000),
      exited.then((e) => Promise.reject(new Error(`${runtime}: gateway exited with ${e.code ?? e.signal} before listening:\n${output.join('\n')}`))),
    ]);
    return { url: String(listening.url), child, configFile, logs, output, exited, waitForLog, stop };
  } catch (err) {
    stop();
    throw err;
  }
}

/** Polls `check` every 20 ms until it returns true; resolves with the time it took, rejects after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5_000, what = 'condition'): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** GET /admin/queue, as the gateway reports each model and target. */
export interface QueueModel {
  model: string;
  in_flight: number;
  queued: number;
  by_priority: Record<string, number>;
  targets: { target: string; in_flight: number; health: string; breaker: string; consecutive_failures: number; sent: number; failed: number; draining: boolean }[];
}

export async function adminQueue(url: string, headers: Record<string, string> = {}): Promise<Map<string, QueueModel>> {
  const res = await fetch(`${url}/admin/queue`, { headers });
  if (res.status !== 200) throw new Error(`GET /admin/queue: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { models: QueueModel[] };
  return new Map(body.models.map((m) => [m.model, m]));
}

/** One sample of a Prometheus text exposition; 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (want.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}
