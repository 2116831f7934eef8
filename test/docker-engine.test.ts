import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDockerEngine, DockerEngineError } from '../adapters/node/docker-engine.ts';

// A stand-in Docker daemon on a real unix socket, answering the three endpoints the way
// the Engine API documents them (api/swagger.yaml: ContainerStart, ContainerStop, ContainerInspect).
const ZERO_TIME = '0001-01-01T00:00:00Z';

interface FakeContainer {
  id: string;
  running: boolean;
  status: 'created' | 'running' | 'exited';
  pid: number;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  /** Its process ignores SIGTERM, so Docker waits the full `t` and then kills it. */
  ignoresTerm?: boolean;
  /** Docker answers 500 on start (e.g. a port already allocated). */
  startFails?: string;
}

const created = (id: string, extra: Partial<FakeContainer> = {}): FakeContainer => ({
  id: id.repeat(64).slice(0, 64),
  running: false,
  status: 'created',
  pid: 0,
  exitCode: 0,
  startedAt: ZERO_TIME,
  finishedAt: ZERO_TIME,
  ...extra,
});

let dir = '';
let socketPath = '';
let server: Server;
let table: Record<string, FakeContainer> = {};
const calls: { method: string; url: string }[] = [];

function reply(res: ServerResponse, status: number, body?: unknown) {
  if (body === undefined) return res.writeHead(status).end();
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function inspectBody(name: string, c: FakeContainer) {
  return {
    Id: c.id,
    Created: '2025-01-01T00:00:00.000000000Z',
    Name: `/${name}`,
    Image: 'sha256:' + 'e'.repeat(64),
    RestartCount: 0,
    State: {
      Status: c.status,
      Running: c.running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: c.pid,
      ExitCode: c.exitCode,
      Error: '',
      StartedAt: c.startedAt,
      FinishedAt: c.finishedAt,
    },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mt-docker-'));
  socketPath = join(dir, 'docker.sock');
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    calls.push({ method: req.method ?? '', url: req.url ?? '' });
    const m = /^(?:\/v\d+\.\d+)?\/containers\/([^/]+)\/(start|stop|json)$/.exec(url.pathname);
    if (!m) return reply(res, 404, { message: 'page not found' });
    const name = decodeURIComponent(m[1] ?? '');
    const action = m[2];
    const c = table[name];
    if (!c) return reply(res, 404, { message: `No such container: ${name}` });
    if (action === 'json' && req.method === 'GET') return reply(res, 200, inspectBody(name, c));
    if (action === 'start' && req.method === 'POST') {
      if (c.startFails) return reply(res, 500, { message: c.startFails });
      if (c.running) return reply(res, 304);
      Object.assign(c, { running: true, status: 'running', pid: 4242, exitCode: 0, startedAt: new Date().toISOString() });
      return reply(res, 204);
    }
    if (action === 'stop' && req.method === 'POST') {
      if (!c.running) return reply(res, 304);
      const t = Number(url.searchParams.get('t') ?? 10);
      const killed = c.ignoresTerm === true;
      setTimeout(
        () => {
          Object.assign(c, { running: false, status: 'exited', pid: 0, exitCode: killed ? 137 : 0, finishedAt: new Date().toISOString() });
          reply(res, 204);
        },
        // After t Docker sends SIGKILL and waits for the exit (cgroup teardown): the reply comes well after t.
        killed ? t * 1000 + 1500 : 20,
      );
      return;
    }
    reply(res, 404, { message: 'page not found' });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  table = {
    'llama-a': created('a'),
    'stubborn': created('b', { ignoresTerm: true }),
    'broken': created('c', { startFails: 'driver failed programming external connectivity: port is already allocated' }),
  };
  calls.length = 0;
});

afterEach(() => vi.unstubAllEnvs());

describe('[node] Docker Engine driver', () => {
  const docker = () => createDockerEngine({ socketPath });

  it('[node] start, inspect, stop, inspect: the state Docker reports', async () => {
    const d = docker();
    expect(await d.inspect('llama-a')).toEqual({ running: false, status: 'created', pid: 0, exitCode: null, startedAt: null });
    await d.start('llama-a');
    const up = await d.inspect('llama-a');
    expect(up).toMatchObject({ running: true, status: 'running', pid: 4242, exitCode: 0 });
    expect(up.startedAt).toBe(table['llama-a']?.startedAt);
    await d.stop('llama-a', 5);
    expect(await d.inspect('llama-a')).toEqual({ running: false, status: 'exited', pid: 0, exitCode: 0, startedAt: up.startedAt });
    expect(calls).toEqual([
      { method: 'GET', url: '/containers/llama-a/json' },
      { method: 'POST', url: '/containers/llama-a/start' },
      { method: 'GET', url: '/containers/llama-a/json' },
      { method: 'POST', url: '/containers/llama-a/stop?t=5' },
      { method: 'GET', url: '/containers/llama-a/json' },
    ]);
    await d.close();
  });

  it('[node] starting a running container and stopping a stopped one succeed (Docker answers 304)', async () => {
    const d = docker();
    await d.start('llama-a');
    await d.start('llama-a');
    await d.stop('llama-a', 1);
    await d.stop('llama-a', 1);
    expect(await d.inspect('llama-a')).toMatchObject({ running: false, status: 'exited' });
    await d.close();
  });

  it('[node] stop sends t and waits while Docker does (SIGTERM ignored: killed after t)', async () => {
    const d = docker();
    await d.start('stubborn');
    const began = Date.now();
    await d.stop('stubborn', 1);
    expect(Date.now() - began).toBeGreaterThanOrEqual(2450);
    expect(calls.at(-1)).toEqual({ method: 'POST', url: '/containers/stubborn/stop?t=1' });
    expect(await d.inspect('stubborn')).toMatchObject({ running: false, status: 'exited', exitCode: 137 });
    await d.close();
  });

  it('[node] a fractional grace period is rounded up, never down', async () => {
    const d = docker();
    await d.start('llama-a');
    await d.stop('llama-a', 0.2);
    expect(calls.at(-1)?.url).toBe('/containers/llama-a/stop?t=1');
    await expect(d.stop('llama-a', -1)).rejects.toThrow(RangeError);
    await d.close();
  });

  it("[node] an unknown container: the error names it and carries Docker's 404 message", async () => {
    const d = docker();
    for (const op of [() => d.start('ghost'), () => d.stop('ghost', 1), () => d.inspect('ghost')]) {
      const err = await op().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DockerEngineError);
      expect((err as DockerEngineError).status).toBe(404);
      expect((err as Error).message).toMatch(/"ghost".*No such container: ghost/);
    }
    await d.close();
  });

  it("[node] a 500 from Docker reaches the caller with Docker's message", async () => {
    const d = docker();
    await expect(d.start('broken')).rejects.toThrow(/"broken": start failed \(HTTP 500\): driver failed programming external connectivity/);
    await d.close();
  });

  it('[node] the container name is encoded into the path', async () => {
    const d = docker();
    await expect(d.inspect('no such/thing?x')).rejects.toThrow(/No such container: no such\/thing\?x/);
    expect(calls.at(-1)?.url).toBe('/containers/no%20such%2Fthing%3Fx/json');
    await d.close();
  });

  it('[node] apiVersion prefixes every path', async () => {
    const d = createDockerEngine({ socketPath, apiVersion: '1.43' });
    await d.start('llama-a');
    await d.inspect('llama-a');
    await d.stop('llama-a', 2);
    expect(calls.map((c) => c.url)).toEqual(['/v1.43/containers/llama-a/start', '/v1.43/containers/llama-a/json', '/v1.43/containers/llama-a/stop?t=2']);
    await d.close();
    expect(() => createDockerEngine({ socketPath, apiVersion: 'latest' })).toThrow(/API version "latest"/);
  });

  it('[node] DOCKER_HOST=unix:// picks the socket; another scheme is refused at creation', async () => {
    vi.stubEnv('DOCKER_HOST', `unix://${socketPath}`);
    const d = createDockerEngine();
    expect(await d.inspect('llama-a')).toMatchObject({ status: 'created' });
    await d.close();
    vi.stubEnv('DOCKER_HOST', 'tcp://10.0.0.2:2376');
    expect(() => createDockerEngine()).toThrow(/DOCKER_HOST=tcp:\/\/10\.0\.0\.2:2376 is not a unix socket/);
  });

  it('[node] no daemon behind the socket: a clear error saying to mount it', async () => {
    const missing = join(dir, 'missing.sock');
    const notListening = join(dir, 'stale.sock');
    writeFileSync(notListening, '');
    for (const path of [missing, notListening]) {
      const d = createDockerEngine({ socketPath: path });
      const err = await d.inspect('llama-a').then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DockerEngineError);
      expect((err as Error).message).toContain(`Docker Engine socket at ${path} cannot be reached`);
      expect((err as Error).message).toContain('-v /var/run/docker.sock:/var/run/docker.sock');
      await d.close();
    }
  });
});
