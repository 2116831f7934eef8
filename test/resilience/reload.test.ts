import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimBackend, type SimBackend } from '../conformance/backends.ts';
import { adminQueue, eventually, metricValue, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { freePort } from '../support/processes.ts';

const ADMIN = 'mt-admin-key-reload-test-00000000';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const keyOf = (gen: number) => `mt-user-key-generation-${String(gen).padStart(4, '0')}`;
const admin = { authorization: `Bearer ${ADMIN}` };

let gw: GatewayProcess;
let streamer: SimBackend;
let alt: SimBackend[];
let deadPort: number;

interface Version {
  gen: number;
  /** which alt backend `moving` points at */
  moving: number;
  /** the extra model present in this version, if any */
  extra: number | null;
}

function configText(v: Version): string {
  const extra = v.extra === null ? '' : `  - { name: extra-${v.extra}, backend: sim, sim: { ttft: 0ms, token_delay: 0ms, max_tokens: 2 } }\n`;
  return `version: 1
server: { health: { interval: 100ms } }
auth:
  admin_key_sha256: ${sha(ADMIN)}
  keys:
    - { name: user-${v.gen}, key_sha256: ${sha(keyOf(v.gen))} }
models:
  # never edited: its targets' state must survive every reload
  - name: streams
    backend: llamacpp
    balance: round_robin
    health: { interval: 0ms, eject_after: 1, cooldown: 10m }
    targets: [{ url: "http://127.0.0.1:${deadPort}" }, { url: "${streamer.server.url}" }]
  - name: moving
    backend: llamacpp
    backend_url: ${alt[v.moving]!.server.url}
${extra}`;
}

const INVALID = [
  (t: string) => t.replace('backend: llamacpp\n    backend_url', 'backend: llama\n    backend_url'),
  (t: string) => t.replace('version: 1', 'version: 2'),
  (t: string) => t.replace('models:\n', 'models:\n   - broken: [\n'),
  (t: string) => t.replace(/key_sha256: [0-9a-f]{64}/, 'key_sha256: not-a-hash'),
];

function write(text: string, atomic: boolean): void {
  if (atomic) {
    const tmp = `${gw.configFile}.tmp-${Date.now()}`;
    writeFileSync(tmp, text);
    renameSync(tmp, gw.configFile);
  } else writeFileSync(gw.configFile, text);
}

async function servingHash(): Promise<string> {
  return ((await (await fetch(`${gw.url}/admin/config`, { headers: admin })).json()) as { hash: string }).hash;
}

const chat = (model: string, key: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, ...extra }),
  });

beforeAll(async () => {
  streamer = await startSimBackend({ flavor: 'llamacpp', ttftMs: 10, tokenDelayMs: 40, defaultMaxTokens: 250, parallel: 256, ctxSize: 256 * 1024 });
  alt = [await startSimBackend({ flavor: 'llamacpp', ttftMs: 0, tokenDelayMs: 0, defaultMaxTokens: 2 }), await startSimBackend({ flavor: 'llamacpp', ttftMs: 0, tokenDelayMs: 0, defaultMaxTokens: 2 })];
  deadPort = await freePort();
  gw = await startGatewayProcess(configText({ gen: 0, moving: 0, extra: null }));
});

afterAll(async () => {
  gw?.stop();
  await Promise.all([streamer, ...alt].map((b) => b?.server.close()));
});

describe('[node] hot reload under load', () => {
  it('[node] 200 streams while the config is rewritten 20 times: streams byte-exact, valid edits live within 1 s, invalid ones change nothing, unchanged targets keep their state', async () => {
    // the dead target of `streams` is tried first, fails, and its breaker opens for 10 minutes
    const first = await chat('streams', keyOf(0));
    expect(first.status).toBe(200);
    await first.text();
    const deadState = async () => (await adminQueue(gw.url, admin)).get('streams')!.targets.find((t) => t.target.endsWith(`:${deadPort}`))!;
    expect(await deadState()).toMatchObject({ breaker: 'open', consecutive_failures: 1, sent: 1, failed: 1 });

    let open = 0;
    const streams = Array.from({ length: 200 }, async (_, i) => {
      const id = `soak-${i}`;
      open++;
      const res = await chat('streams', keyOf(0), { stream: true, max_tokens: 250, stream_options: { include_usage: true } }, { 'x-request-id': id });
      expect(res.status).toBe(200);
      const received = Buffer.from(await res.arrayBuffer());
      open--;
      const sent = await streamer.sent.get(id);
      return sent !== undefined && Buffer.from(sent.bytes).equals(received) && received.toString().endsWith('data: [DONE]\n\n');
    });
    await eventually(async () => (await adminQueue(gw.url, admin)).get('streams')!.in_flight === 200, 10_000, 'all 200 streams in flight');

    let v: Version = { gen: 0, moving: 0, extra: null };
    let text = configText(v);
    let valid = 0;
    let invalid = 0;
    const delays: number[] = [];
    const openAtEdit: number[] = [];
    for (let edit = 1; edit <= 20; edit++) {
      const atomic = edit % 2 === 0;
      openAtEdit.push(open);
      const before = await servingHash();
      if (edit % 4 === 0) {
        write(INVALID[(edit / 4) % INVALID.length]!(text), atomic);
        invalid++;
        await gw.waitForLog((r) => r.msg === 'config reload failed; the previous config keeps serving' && gw.logs.filter((l) => l.msg === r.msg).length >= invalid, 3000);
        expect(await servingHash()).toBe(before);
        const status = (await (await fetch(`${gw.url}/admin/config`, { headers: admin })).json()) as { last_error: { message: string } | null };
        expect(status.last_error?.message).toMatch(new RegExp(`^${gw.configFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
        expect((await chat('moving', keyOf(v.gen))).status).toBe(200);
        continue;
      }
      const previousKey = keyOf(v.gen);
      v = { gen: edit, moving: 1 - v.moving, extra: v.extra === null || edit % 3 === 0 ? edit : null };
      text = configText(v);
      const written = performance.now();
      write(text, atomic);
      valid++;
      await eventually(async () => (await servingHash()) === sha(text), 3000, `edit ${edit} in effect`);
      delays.push(performance.now() - written);
      // the new key works, the removed one is refused, the model re-points, models come and go
      expect((await chat('moving', keyOf(v.gen))).status).toBe(200);
      expect((await chat('moving', previousKey)).status).toBe(401);
      const listed = ((await (await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${keyOf(v.gen)}` } })).json()) as { data: { id: string }[] }).data.map((m) => m.id);
      expect(listed.filter((id) => id.startsWith('extra-'))).toEqual(v.extra === null ? [] : [`extra-${v.extra}`]);
      const moving = (await adminQueue(gw.url, admin)).get('moving')!;
      expect(moving.targets.filter((t) => !t.draining).map((t) => t.target)).toEqual([`llamacpp:${alt[v.moving]!.server.url.replace('http://', '')}`]);
      // `streams` was never edited: the dead target is still out with its counts, the live one still holds every open stream
      expect(await deadState()).toMatchObject({ breaker: 'open', consecutive_failures: 1, sent: 1, failed: 1 });
      const live = (await adminQueue(gw.url, admin)).get('streams')!;
      expect(Math.abs(live.in_flight - open)).toBeLessThanOrEqual(10);
      if (open > 20) expect(live.in_flight).toBeGreaterThan(0);
    }
    expect(valid).toBe(15);
    expect(invalid).toBe(5);
    expect(Math.max(...delays)).toBeLessThan(1000);
    // the edits really happened under load: all 200 streams open for the first ones, most for the rest
    expect(openAtEdit.filter((n) => n === 200).length).toBeGreaterThanOrEqual(10);
    console.log(`reload soak: edit in effect after ${delays.map((d) => Math.round(d)).join(', ')} ms; streams open at each edit: ${openAtEdit.join(', ')}`);

    const exact = await Promise.all(streams);
    expect(exact.filter((ok) => !ok)).toHaveLength(0);
    const after = (await adminQueue(gw.url, admin)).get('streams')!;
    expect(after.in_flight).toBe(0);
    expect(after.targets.find((t) => t.target.endsWith(streamer.server.url.replace('http://', '')))).toMatchObject({ in_flight: 0, sent: 201, failed: 0 });
    const metrics = await (await fetch(`${gw.url}/metrics`, { headers: admin })).text();
    expect(metricValue(metrics, 'modeltainer_config_reloads_total', { result: 'error' })).toBe(invalid);
    expect(metricValue(metrics, 'modeltainer_config_reloads_total', { result: 'ok' })).toBeGreaterThanOrEqual(valid);
  }, 90_000);
});
