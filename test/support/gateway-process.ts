import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  configFile: string;
  /** JSON lines the gateway printed so far */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
  /** Resolves with the first log line (already printed or still to come) that matches. */
  waitForLog(match: (rec: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): void;
}

const root = new URL('../../', import.meta.url);

/** `modeltainer serve` on Node as a real process, with its config in a fresh temp directory. */
export function startGatewayProcess(config: string, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'modeltainer-gw-'));
  const configFile = join(dir, 'models.yaml');
  writeFileSync(configFile, config);
  const child = spawn('node', ['--import', 'tsx', 'adapters/node/cli.ts', 'serve', '--config', configFile, '--port', '0'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: { match: (rec: Record<string, unknown>) => boolean; resolve: (rec: Record<string, unknown>) => void }[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    logs.push(rec);
    for (const w of [...waiters]) {
      if (w.match(rec)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(rec);
      }
    }
  });
  const waitForLog = (match: (rec: Record<string, unknown>) => boolean, timeoutMs = 10_000) => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      waiters.push({ match, resolve: (r) => (clearTimeout(timer), resolve(r)) });
    });
  };
  return Promise.race([
    waitForLog((r) => r.msg === 'listening', 30_000),
    exited.then((code) => Promise.reject(new Error(`gateway exited with ${code}: ${stderr}`))),
  ]).then((rec) => ({
    url: String(rec.url),
    child,
    configFile,
    logs,
    exited,
    waitForLog,
    stop: () => void child.kill('SIGKILL'),
  }));
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
