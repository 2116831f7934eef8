import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../auth/api-keys.ts';
import { createConfigStore } from '../config/config-store.ts';
import { parseConfig } from '../config/parse-config.ts';
import type { Clock } from '../deps.ts';
import { createGateway, type Gateway } from '../gateway.ts';
import { createTimerScheduler } from '../runtime/timer-scheduler.ts';

const ADMIN = 'mt-targets-admin-key-00000000000';
const MODELS = `models:
  - { name: hpc, backend: vllm, registered: true, health: { interval: 0 } }
  - { name: mixed, backend: llamacpp, backend_url: "http://static:8080", health: { interval: 0 } }
  - { name: local, backend: sim }
`;

let gw: Gateway | null = null;
afterEach(async () => {
  await gw?.stop();
  gw = null;
});

async function setup() {
  let now = 1_000_000;
  const clock: Clock = { now: () => now, wall: () => Date.UTC(2026, 10, 29) + now };
  const hosts: string[] = [];
  const text = `version: 1\nauth: { admin_key_sha256: ${await sha256Hex(ADMIN)} }\n${MODELS}`;
  const config = createConfigStore(parseConfig(text));
  gw = createGateway({
    config,
    clock,
    logger: { log: () => undefined },
    upstream: async (req) => {
      hosts.push(new URL(req.url).host);
      return Response.json({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    },
  });
  gw.start(createTimerScheduler());
  const app = gw.app;
  const admin = (method: string, path: string, body?: unknown, key = ADMIN) =>
    app.request(path, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const chat = (model: string) => app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
  return { admin, chat, hosts, config, text, advance: (ms: number) => (now += ms) };
}

const tick = () => new Promise((r) => setTimeout(r, 600));

describe('POST /admin/targets', () => {
  it('registers a backend (201), takes traffic at once, heartbeats (200, same id) and is removed by DELETE', async () => {
    const { admin, chat, hosts } = await setup();
    expect((await chat('hpc')).status).toBe(503);
    const first = await admin('POST', '/admin/targets', { model: 'hpc', url: 'http://gpu-7:8000/', ttl: '10s' });
    expect(first.status).toBe(201);
    const reg = (await first.json()) as { id: string; url: string; ttl_ms: number };
    expect(reg).toMatchObject({ url: 'http://gpu-7:8000', ttl_ms: 10_000 });
    expect((await chat('hpc')).status).toBe(200);
    expect(hosts).toEqual(['gpu-7:8000']);
    const beat = await admin('POST', '/admin/targets', { model: 'hpc', url: 'http://gpu-7:8000', ttl: 10 });
    expect(beat.status).toBe(200);
    expect(((await beat.json()) as { id: string }).id).toBe(reg.id);
    expect(((await (await admin('GET', '/admin/targets')).json()) as { targets: unknown[] }).targets).toHaveLength(1);
    expect((await admin('DELETE', `/admin/targets/${reg.id}`)).status).toBe(200);
    expect((await chat('hpc')).status).toBe(503);
    expect((await admin('DELETE', `/admin/targets/${reg.id}`)).status).toBe(404);
  });

  it('balances across a config target and a registered one', async () => {
    const { admin, chat, hosts } = await setup();
    await admin('POST', '/admin/targets', { model: 'mixed', url: 'http://gpu-8:8080' });
    // ties between idle targets break at random: 40 requests all landing on one is a 2^-39 chance (6 was 3%)
    for (let i = 0; i < 40; i++) expect((await chat('mixed')).status).toBe(200);
    expect(new Set(hosts)).toEqual(new Set(['static:8080', 'gpu-8:8080']));
  });

  it('expires without heartbeats, and survives a config reload while they come', async () => {
    const { admin, chat, config, text, advance } = await setup();
    await admin('POST', '/admin/targets', { model: 'hpc', url: 'http://gpu-9:8000', ttl: '2s' });
    config.swap(parseConfig(`${text}  - { name: added, backend: sim }\n`));
    expect((await chat('hpc')).status).toBe(200);
    advance(1500);
    await admin('POST', '/admin/targets', { model: 'hpc', url: 'http://gpu-9:8000', ttl: '2s' });
    advance(1500);
    await tick();
    expect((await chat('hpc')).status).toBe(200);
    advance(1000);
    await tick();
    expect((await chat('hpc')).status).toBe(503);
    expect(((await (await admin('GET', '/admin/targets')).json()) as { targets: unknown[] }).targets).toEqual([]);
  });

  it('needs the admin key; bad input gets OpenAI-shaped 400s and unknown models 404', async () => {
    const { admin } = await setup();
    expect((await admin('POST', '/admin/targets', { model: 'hpc', url: 'http://x:1' }, 'wrong')).status).toBe(401);
    const cases: [unknown, number, string | null][] = [
      [{ model: 'hpc', url: 'not a url' }, 400, 'url'],
      [{ model: 'hpc', url: 'ftp://x/' }, 400, 'url'],
      [{ model: 'hpc', url: 'http://x:1', ttl: 'soon' }, 400, 'ttl'],
      [{ model: 'hpc', url: 'http://x:1', ttl: 0.1 }, 400, 'ttl'],
      [{ url: 'http://x:1' }, 400, 'model'],
      [{ model: 'local', url: 'http://x:1' }, 400, 'model'],
      [{ model: 'ghost', url: 'http://x:1' }, 404, 'model'],
    ];
    for (const [body, status, param] of cases) {
      const res = await admin('POST', '/admin/targets', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      const err = ((await res.json()) as { error: { param: string | null; message: string; type: string } }).error;
      expect(err.param, JSON.stringify(body)).toBe(param);
    }
  });
});
