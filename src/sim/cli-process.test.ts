/**
 * `modeltainer sim` as a real child process, the way the gateway's lifecycle tests start it in
 * place of llama-server and vLLM: sleep mode over HTTP, /_sim/exit, --exit-after-ms,
 * --log-requests, and --load-ms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Sim {
  child: ChildProcess;
  /** stdout, line by line. */
  lines: string[];
  /** The URL from the first JSON line (rejects if the process exits first). */
  url: Promise<string>;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stderr: () => string;
}

function startSim(args: string[], env: Record<string, string> = {}): Sim {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  if (!('VLLM_SERVER_DEV_MODE' in env)) delete childEnv.VLLM_SERVER_DEV_MODE;
  const child = spawn('node', ['--import', 'tsx', 'adapters/node/cli.ts', 'sim', ...args], { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d) => (err += String(d)));
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const rec = JSON.parse(line) as { url?: string };
      if (rec.url) resolve(rec.url);
    });
    void exited.then((code) => reject(new Error(`sim exited ${code}: ${err}`)));
  });
  return { child, lines, url, exited, stderr: () => err };
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const settlesWithin = (p: Promise<unknown>, ms: number): Promise<boolean> => Promise.race([p.then(() => true, () => true), pause(ms).then(() => false)]);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const chatBody = (extra: Record<string, unknown> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'Qwen/Qwen2.5-0.5B-Instruct', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 8, ...extra }),
});

describe('[node] modeltainer sim as a child process', () => {
  it('vLLM with --enable-sleep-mode and VLLM_SERVER_DEV_MODE=1: sleeps, holds a stream, wakes, and the stream completes', async () => {
    const sim = startSim(['--flavor', 'vllm', '--enable-sleep-mode', '--port', '0'], { VLLM_SERVER_DEV_MODE: '1' });
    const url = await sim.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const slept = await fetch(`${url}/sleep?level=1`, { method: 'POST' });
    expect([slept.status, slept.headers.get('content-length'), slept.headers.get('content-type'), await slept.text()]).toEqual([200, '0', null, '']);
    expect(await (await fetch(`${url}/is_sleeping`)).text()).toBe('{"is_sleeping":true}');
    const health = await fetch(`${url}/health`);
    expect([health.status, await health.text()]).toEqual([200, '']);

    const t0 = Date.now();
    const res = await fetch(`${url}/v1/chat/completions`, chatBody({ stream: true }));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/event-stream; charset=utf-8']);
    const reader = res.body!.getReader();
    const first = reader.read();
    expect(await settlesWithin(first, 300)).toBe(false);

    const woke = await fetch(`${url}/wake_up`, { method: 'POST' });
    expect([woke.status, await woke.text()]).toEqual([200, '']);
    const dec = new TextDecoder();
    let text = dec.decode((await first).value);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
    expect(text).toMatch(/^data: \{"id":"chatcmpl-[0-9a-f]{16}".*"delta":\{"role":"assistant","content":""\}/);
    expect(text).toMatch(/"finish_reason":"length".*\n\ndata: \[DONE\]\n\n$/);
    expect(await (await fetch(`${url}/_sim/stats`)).json()).toMatchObject({ sleeping: false, sleeps: 1, wakeUps: 1, requestsWhileAsleep: 1, completed: 1 });
    // Nothing but the start line on stdout without --log-requests.
    expect(sim.lines).toHaveLength(1);
    expect(JSON.parse(sim.lines[0] ?? '{}')).toMatchObject({ level: 'info', msg: 'simulator listening', flavor: 'vllm' });
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  });

  it('without VLLM_SERVER_DEV_MODE the sleep routes are 404 {"detail":"Not Found"}', async () => {
    const sim = startSim(['--flavor', 'vllm', '--enable-sleep-mode', '--port', '0']);
    const url = await sim.url;
    const res = await fetch(`${url}/sleep?level=1`, { method: 'POST' });
    expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([404, 'application/json', '{"detail":"Not Found"}']);
    sim.child.kill('SIGTERM');
  });

  it('POST /_sim/exit?code=3 answers, then the process exits with code 3', async () => {
    const sim = startSim(['--flavor', 'llamacpp', '--host', '127.0.0.1', '--port', '0']);
    const url = await sim.url;
    const bad = await fetch(`${url}/_sim/exit?code=x`, { method: 'POST' });
    expect(bad.status).toBe(400);
    const res = await fetch(`${url}/_sim/exit?code=3`, { method: 'POST' });
    expect([res.status, await res.json()]).toEqual([200, { exiting: 3 }]);
    expect(await sim.exited).toBe(3);
  });

  it('--exit-after-ms: the process exits with code 1 after that long (a simulated crash)', async () => {
    const t0 = Date.now();
    const sim = startSim(['--flavor', 'vllm', '--port', '0', '--exit-after-ms', '1500']);
    const url = await sim.url;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(await sim.exited).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    expect(sim.lines).toHaveLength(1);
  });

  it('--log-requests prints one debug JSON line per request', async () => {
    const sim = startSim(['--flavor', 'vllm', '--port', '0', '--log-requests']);
    const url = await sim.url;
    await (await fetch(`${url}/health`)).text();
    await (await fetch(`${url}/v1/chat/completions`, chatBody())).text();
    await (await fetch(`${url}/nope`)).text();
    for (let i = 0; i < 50 && sim.lines.length < 4; i++) await pause(20);
    const recs = sim.lines.slice(1).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs.map((r) => [r.level, r.msg, r.method, r.path, r.status])).toEqual([
      ['debug', 'sim request', 'GET', '/health', 200],
      ['debug', 'sim request', 'POST', '/v1/chat/completions', 200],
      ['debug', 'sim request', 'GET', '/nope', 404],
    ]);
    expect(typeof recs[0]?.ms).toBe('number');
    sim.child.kill('SIGTERM');
  });

  it('--load-ms: vLLM refuses connections until loaded; llama-server answers /health 503 "Loading model"', async () => {
    const [vPort, lPort] = [await freePort(), await freePort()];
    const vllm = startSim(['--flavor', 'vllm', 'Qwen/Qwen2.5-0.5B-Instruct', '--port', String(vPort), '--load-ms', '2500']);
    const llama = startSim(['--flavor', 'llamacpp', '-m', '/models/x.gguf', '--host', '127.0.0.1', '--port', String(lPort), '--load-ms', '2500']);
    const lUrl = await llama.url;
    expect(lUrl).toBe(`http://127.0.0.1:${lPort}`);
    const loading = await fetch(`${lUrl}/health`);
    expect([loading.status, await loading.text()]).toEqual([503, '{"error":{"message":"Loading model","type":"unavailable_error","code":503}}']);
    const refused = await fetch(`http://127.0.0.1:${vPort}/health`).then(() => null, (err: Error) => (err.cause as { code?: string } | undefined)?.code);
    expect(refused).toBe('ECONNREFUSED');
    expect(await vllm.url).toBe(`http://127.0.0.1:${vPort}`);
    expect((await fetch(`http://127.0.0.1:${vPort}/health`)).status).toBe(200);
    while ((await fetch(`${lUrl}/health`)).status === 503) await pause(50);
    expect(await (await fetch(`${lUrl}/health`)).json()).toEqual({ status: 'ok' });
    vllm.child.kill('SIGTERM');
    llama.child.kill('SIGTERM');
  });
});
