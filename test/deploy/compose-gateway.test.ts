// config/models.compose.yaml served for real: the gateway as a process, the Compose `sim` profile's
// simulators (started with the very arguments compose.yaml gives them) on loopback ports in place of
// vllm-1, llama-cpp-1 and llama-cpp-2, and a real redis-server in place of `redis`. Only the host
// names and ports in the YAML text are rewritten; the environment is the gateway container's.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSimArgs } from '../../src/index.ts';
import { startSimBackend, type SimBackend } from '../conformance/backends.ts';
import { eventually, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { children, startRedis } from '../support/processes.ts';
import { hostNamesOf, interpolateAll, parseCompose, parseEnvFile, readCompose, ROOT } from './compose-file.ts';

const KEY = 'compose-client-key-0123456789';
const env: Record<string, string> = {
  ...Object.fromEntries(parseEnvFile(readCompose('.env.example'))),
  MODELTAINER_API_KEY: KEY,
  VLLM_API_KEY: 'compose-vllm-key-0123456789',
  GRAFANA_ADMIN_PASSWORD: 'unused',
};
const services = interpolateAll(parseCompose(readCompose('compose.yaml')), env).services;
const SIMS = ['vllm-sim', 'llama-cpp-sim-1', 'llama-cpp-sim-2'];

let gateway: GatewayProcess;
const sims: SimBackend[] = [];
let redisUrl = '';
const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

beforeAll(async () => {
  let config = readFileSync(join(ROOT, 'config/models.compose.yaml'), 'utf8');
  for (const name of SIMS) {
    const s = services[name]!;
    // entrypoint `node dist/modeltainer.mjs sim …` + command: the simulator's own flags
    const { host: _host, port, exitAfterMs: _exit, logRequests: _log, ...options } = parseSimArgs([...s.entrypoint!.slice(3), ...s.command!]);
    const backend = await startSimBackend({ ...options, ttftMs: 5, tokenDelayMs: 1 }); // quick, same model, key and kind
    sims.push(backend);
    for (const host of hostNamesOf(name, s)) config = config.replaceAll(`http://${host}:${port}`, backend.server.url.replace(/\/$/, ''));
  }
  redisUrl = await startRedis();
  config = config.replaceAll('redis://redis:6379', redisUrl);
  expect(config).not.toMatch(/\/\/(vllm-1|llama-cpp-\d|redis):/);
  // the gateway container's environment, less what the test sets itself (address, config file)
  const { HOST: _h, PORT: _p, MODELTAINER_CONFIG: _c, ...containerEnv } = services.gateway!.environment!;
  gateway = await startGatewayProcess(config, { env: containerEnv });
}, 60_000);

afterAll(() => {
  gateway?.stop();
  for (const s of sims) void s.server.close();
  for (const c of children) c.kill('SIGKILL');
});

const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
  fetch(`${gateway.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

describe('[node] config/models.compose.yaml against the sim profile’s backends', () => {
  it('[node] /healthz, then /readyz once the backends are probed', async () => {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    await eventually(async () => (await fetch(`${gateway.url}/readyz`)).status === 200, 10_000, '/readyz 200');
  });

  it('[node] /v1/models lists every model and alias; without the key, 401', async () => {
    const res = await fetch(`${gateway.url}/v1/models`, { headers: auth });
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['gpu-chat', 'default', 'cpu-chat', 'embed']));
    expect((await fetch(`${gateway.url}/v1/models`)).status).toBe(401);
  });

  it('[node] chat completions, stream and not, from vLLM and llama-server', async () => {
    for (const model of ['gpu-chat', 'default', 'cpu-chat']) {
      const plain = await post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 });
      expect(plain.status, `${model}: ${await plain.clone().text()}`).toBe(200);
      const body = (await plain.json()) as { choices: { message: { content: string } }[] };
      expect(body.choices[0]!.message.content.length, model).toBeGreaterThan(0);

      const stream = await post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, stream: true });
      expect(stream.status, model).toBe(200);
      expect(stream.headers.get('content-type'), model).toMatch(/^text\/event-stream/);
      const events = (await stream.text()).split('\n').filter((l) => l.startsWith('data: '));
      expect(events.length, model).toBeGreaterThan(2);
      expect(events.at(-1), model).toBe('data: [DONE]');
    }
  });

  it('[node] text completions', async () => {
    for (const model of ['gpu-chat', 'cpu-chat']) {
      const res = await post('/v1/completions', { model, prompt: 'Once upon a time', max_tokens: 8 });
      expect(res.status, `${model}: ${await res.clone().text()}`).toBe(200);
      expect(((await res.json()) as { choices: { text: string }[] }).choices[0]!.text.length, model).toBeGreaterThan(0);
    }
  });

  it('[node] embeddings from the llama-server started with --embeddings', async () => {
    const res = await post('/v1/embeddings', { model: 'embed', input: ['one', 'two'] });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as { data: { embedding: number[] }[] };
    expect(body.data).toHaveLength(2);
    expect(body.data[0]!.embedding.length).toBeGreaterThan(0);
  });

  it('[node] /metrics counts the requests per model, and the limits were counted in Redis', async () => {
    const res = await fetch(`${gateway.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const model of ['gpu-chat', 'cpu-chat', 'embed']) expect(text, model).toMatch(new RegExp(`modeltainer_requests_total\\{[^}]*model="${model}"`));
    const keys = spawnSync('redis-cli', ['-u', redisUrl, '--scan'], { encoding: 'utf8' });
    expect(keys.status).toBe(0);
    expect(keys.stdout.trim().split('\n').filter(Boolean).length).toBeGreaterThan(0);
  });
});
