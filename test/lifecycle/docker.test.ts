import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getRequestListener } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createSimulator } from '../../src/index.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { chat, stateOf, untilState } from './support.ts';

// model servers start as real processes: on a loaded CI machine a test may take a while
vi.setConfig({ testTimeout: 90_000 });

// A Docker daemon stand-in on a unix socket: its one container is a simulator on `port` that
// answers while the container runs and drops every connection while it does not (the port stays
// bound throughout, so no other test's process can take it in between).
let dir: string;
let engine: Server;
let box: Server;
let port: number;
let running = false;
const calls: string[] = [];
let gw: GatewayProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mt-docker-gw-'));
  const serve = getRequestListener(createSimulator({ flavor: 'llamacpp', ttftMs: 1, tokenDelayMs: 1, defaultMaxTokens: 3 }).fetch);
  box = createServer((req, res) => (running ? void serve(req, res) : req.socket.destroy()));
  await new Promise<void>((resolve) => box.listen(0, '127.0.0.1', resolve));
  port = (box.address() as AddressInfo).port;
  engine = createServer((req, res) => {
    const m = /^\/containers\/([^/]+)\/(start|stop|json)/.exec(req.url ?? '');
    calls.push(`${req.method} ${req.url}`);
    if (!m || m[1] !== 'llama-box') return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"No such container"}');
    void (() => {
      if (m[2] === 'start') {
        if (running) return void res.writeHead(304).end();
        running = true;
        return void res.writeHead(204).end();
      }
      if (m[2] === 'stop') {
        if (!running) return void res.writeHead(304).end();
        running = false;
        return void res.writeHead(204).end();
      }
      const state = { Status: running ? 'running' : 'exited', Running: running, Pid: running ? 777 : 0, ExitCode: 0, StartedAt: '2026-11-29T00:00:00Z' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Id: 'x'.repeat(64), Name: '/llama-box', State: state }));
    })();
  });
  await new Promise<void>((resolve) => engine.listen(join(dir, 'docker.sock'), resolve));
  gw = await startGatewayProcess(
    `version: 1
models:
  - name: boxed
    backend: llamacpp
    idle_timeout: 800ms
    launch: { docker: { container: llama-box, url: "http://127.0.0.1:${port}" } }
`,
    { env: { DOCKER_HOST: `unix://${join(dir, 'docker.sock')}` } },
  );
});

afterAll(async () => {
  gw?.stop();
  box.closeAllConnections();
  await new Promise((r) => box.close(r));
  await new Promise((r) => engine.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('[node] launch.docker', () => {
  it('[node] a request starts the container through the Engine API, idle stops it; never the docker CLI', async () => {
    expect(await stateOf(gw, 'boxed')).toMatchObject({ state: 'off' });
    const res = await chat(gw, 'boxed');
    expect(res.status).toBe(200);
    expect(calls).toContain('POST /containers/llama-box/start');
    expect(await stateOf(gw, 'boxed')).toMatchObject({ state: 'ready', pid: 777 });
    await untilState(gw, 'boxed', 'off', 10_000);
    expect(calls.filter((c) => c.startsWith('POST /containers/llama-box/stop?t='))).toHaveLength(1);
    expect(running).toBe(false);
  });
});

describe('[node] launch.docker supervision', () => {
  it('[node] a container that stops on its own is noticed through the Engine API and started again for the next request', async () => {
    // without idle_timeout, so only the container's own exit can stop it
    writeFileSync(gw.configFile, readFileSync(gw.configFile, 'utf8').replace('    idle_timeout: 800ms\n', ''));
    await gw.waitForLog((l) => l.msg === 'config reloaded');
    expect((await chat(gw, 'boxed')).status).toBe(200);
    running = false;
    await gw.waitForLog((l) => l.msg === 'model server crashed' && l.model === 'boxed' && String(l.error).includes('container llama-box is exited'), 40_000);
    expect((await chat(gw, 'boxed')).status).toBe(200);
    expect((await stateOf(gw, 'boxed')).failures).toBe(1);
  });
});
