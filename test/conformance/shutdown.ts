import { describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { startSimBackend, type SimBackend } from './backends.ts';
import type { RuntimeLauncher } from './environment.ts';

const messages = [{ role: 'user', content: 'Say hello' }];

async function startGateway(launcher: RuntimeLauncher, config: string): Promise<GatewayProcess> {
  return startGatewayProcess(config, { command: launcher.command, runtime: launcher.runtime });
}

function gatewayConfig(backend: SimBackend, drainTimeout: string): string {
  return `version: 1
server: { drain_timeout: ${drainTimeout} }
models:
  - name: llama
    backend: llamacpp
    backend_url: ${backend.server.url}
`;
}

interface OpenStream {
  requestId: string;
  status: number;
  /** resolves on the first body chunk */
  firstChunk: Promise<void>;
  /** every byte received; rejects if the stream is cut with an error */
  body: Promise<Buffer>;
  /** the bytes so far, whether the body ended or not */
  received(): Buffer;
}

async function openStream(url: string, requestId: string, maxTokens: number): Promise<OpenStream> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    // with include_usage the gateway adds nothing and removes nothing: the bytes are the backend's
    body: JSON.stringify({ model: 'llama', messages, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } }),
  });
  const parts: Uint8Array[] = [];
  let gotFirst: () => void = () => undefined;
  const firstChunk = new Promise<void>((resolve) => (gotFirst = resolve));
  const reader = res.body!.getReader();
  const body = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(parts);
      parts.push(value);
      gotFirst();
    }
  })();
  body.catch(() => undefined); // awaited (or deliberately not) by the test
  return { requestId, status: res.status, firstChunk, body, received: () => Buffer.concat(parts) };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Fails the test rather than hanging it when a promise never settles. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms}ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/**
 * Graceful shutdown on one runtime, black-box: a real gateway process of its own, a real
 * simulator backend, real signals. SIGTERM drains (readiness 503, new requests 503
 * `shutting_down` with `Connection: close`), streams in flight finish byte-exact within
 * `server.drain_timeout`, then the process exits 0; a second signal exits at once.
 */
export function addShutdownTests(launcher: RuntimeLauncher): void {
  const rt = launcher.runtime;

  describe(`[${rt}] graceful shutdown`, () => {
    it(`[${rt}] SIGTERM during 50 open streams: all finish byte-exact within the grace period, new requests get 503, exit code 0`, async () => {
      // 20 ms to the first token, then 40 tokens 40 ms apart: each stream runs about 1.6 s
      const backend = await startSimBackend({ flavor: 'llamacpp', ttftMs: 20, tokenDelayMs: 40, defaultMaxTokens: 40, parallel: 64 });
      let gw: GatewayProcess | undefined;
      try {
        gw = await startGateway(launcher, gatewayConfig(backend, '10s'));
        const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
        const streams = await within(
          10_000,
          'opening 50 streams',
          Promise.all(Array.from({ length: 50 }, (_, i) => openStream(gw!.url, `shutdown-${rt}-${run}-${i}`, 40))),
        );
        expect(streams.map((s) => s.status)).toEqual(Array(50).fill(200));
        await within(10_000, 'first chunk of every stream', Promise.all(streams.map((s) => s.firstChunk)));

        const signalledAt = performance.now();
        gw.child.kill('SIGTERM');
        const shuttingDown = await gw.waitForLog('shutting down');
        expect(shuttingDown).toMatchObject({ signal: 'SIGTERM', drain_timeout_ms: 10_000 });
        expect(shuttingDown.in_flight).toBe(50);

        // (a) a new request while draining: 503 shutting_down, and the connection is not kept
        const refused = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'llama', messages, max_tokens: 5 }),
        });
        expect(refused.status).toBe(503);
        expect(refused.headers.get('connection')?.toLowerCase()).toBe('close');
        const error = (await refused.json()) as { error: Record<string, unknown> };
        expect(error).toEqual({ error: expect.objectContaining({ code: 'shutting_down', type: expect.any(String), message: expect.any(String) }) });
        // (b) readiness says go away, so a load balancer stops sending
        const ready = await fetch(`${gw.url}/readyz`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ status: 'draining' });
        // both answered while the streams still run: it is the drain, not a closed server
        expect(streams.filter((s) => !s.received().toString().endsWith('data: [DONE]\n\n')).length).toBeGreaterThan(0);

        // (c) every stream finishes with exactly the bytes the backend sent for it
        const bodies = await within(15_000, 'all 50 streams to finish', Promise.all(streams.map((s) => s.body)));
        const records = await within(5_000, 'the backend records', Promise.all(streams.map((s) => backend.sent.get(s.requestId))));
        for (const [i, s] of streams.entries()) {
          const sent = records[i];
          expect(sent, `the backend saw ${s.requestId}`).toBeDefined();
          const received = bodies[i]!;
          expect(received.toString().endsWith('data: [DONE]\n\n'), `${s.requestId} ends with [DONE]`).toBe(true);
          expect(Buffer.from(sent!.bytes).equals(received), `${s.requestId}: client bytes equal the backend's`).toBe(true);
        }

        // (d) exit 0 once the streams have ended, well within the drain timeout
        const exit = await within(12_000, 'process exit', gw.exited);
        expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
        const lastSent = Math.max(...records.map((r) => r!.endedAt));
        expect(exit.at).toBeGreaterThan(lastSent);
        expect(exit.at - signalledAt).toBeLessThan(10_000);

        // (e) the log tells the story
        expect(gw.logs.find((r) => r.msg === 'stopped')).toMatchObject({ drained: true });
        expect(gw.logs.some((r) => typeof r.msg === 'string' && r.msg.startsWith('drain timeout'))).toBe(false);
      } finally {
        gw?.stop();
        await backend.server.close();
      }
    }, 40_000);

    it(`[${rt}] non-stream requests in flight at SIGTERM get their whole response, then exit 0`, async () => {
      // 20 tokens 50 ms apart: the backend answers after about a second
      const backend = await startSimBackend({ flavor: 'llamacpp', ttftMs: 20, tokenDelayMs: 50, defaultMaxTokens: 20, parallel: 8 });
      let gw: GatewayProcess | undefined;
      try {
        gw = await startGateway(launcher, gatewayConfig(backend, '10s'));
        const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
        const ids = [0, 1, 2].map((i) => `shutdown-nonstream-${rt}-${run}-${i}`);
        const responses = ids.map((id) =>
          fetch(`${gw!.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-request-id': id },
            body: JSON.stringify({ model: 'llama', messages, max_tokens: 20 }),
          }).then(async (res) => ({ status: res.status, text: await res.text() })),
        );
        for (const r of responses) r.catch(() => undefined);
        // all three are at the backend, waiting for their answer
        await within(10_000, 'the backend to take the requests', (async () => {
          while (backend.sim.stats().active < 3) await sleep(10);
        })());

        gw.child.kill('SIGTERM');
        expect(await gw.waitForLog('shutting down')).toMatchObject({ in_flight: 3 });
        const answers = await within(10_000, 'the responses', Promise.all(responses));
        for (const [i, a] of answers.entries()) {
          expect(a.status).toBe(200);
          const body = JSON.parse(a.text) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
          const sent = JSON.parse(new TextDecoder().decode((await backend.sent.get(ids[i]!))!.bytes)) as typeof body;
          expect(body.choices[0]?.message.content).toBe(sent.choices[0]?.message.content);
          expect(body.usage.completion_tokens).toBe(20);
        }
        const exit = await within(12_000, 'process exit', gw.exited);
        expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
        expect(gw.logs.find((r) => r.msg === 'stopped')).toMatchObject({ drained: true });
      } finally {
        gw?.stop();
        await backend.server.close();
      }
    }, 30_000);

    it(`[${rt}] a stream that outlives drain_timeout is cut; the process still exits 0 soon after the timeout`, async () => {
      // 150 tokens 50 ms apart: about 7.5 s, far past the 500 ms drain timeout
      const backend = await startSimBackend({ flavor: 'llamacpp', ttftMs: 20, tokenDelayMs: 50, defaultMaxTokens: 150, parallel: 4 });
      let gw: GatewayProcess | undefined;
      try {
        gw = await startGateway(launcher, gatewayConfig(backend, '500ms'));
        const stream = await openStream(gw.url, `shutdown-timeout-${rt}-${Date.now()}`, 150);
        expect(stream.status).toBe(200);
        await within(10_000, 'first chunk', stream.firstChunk);

        const signalledAt = performance.now();
        gw.child.kill('SIGTERM');
        const exit = await within(10_000, 'process exit', gw.exited);
        expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
        const took = exit.at - signalledAt;
        expect(took).toBeGreaterThanOrEqual(450);
        // the stream had about 7 s to go: the process must not wait for it
        expect(took, `exited ${Math.round(took)}ms after SIGTERM`).toBeLessThan(4_000);

        expect(gw.logs.find((r) => r.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM', in_flight: 1, drain_timeout_ms: 500 });
        expect(gw.logs.some((r) => typeof r.msg === 'string' && r.msg.startsWith('drain timeout'))).toBe(true);
        expect(gw.logs.find((r) => r.msg === 'stopped')).toMatchObject({ drained: false });
        // the client saw its stream end early, one way or another: never a complete one
        const ended = await within(5_000, 'the cut stream to end', stream.body.then((b) => b, () => stream.received()));
        expect(ended.toString()).not.toMatch(/data: \[DONE\]\n\n$/);
      } finally {
        gw?.stop();
        await backend.server.close();
      }
    }, 30_000);

    it(`[${rt}] a second SIGTERM during the drain exits at once with a non-zero code`, async () => {
      const backend = await startSimBackend({ flavor: 'llamacpp', ttftMs: 20, tokenDelayMs: 50, defaultMaxTokens: 100, parallel: 4 });
      let gw: GatewayProcess | undefined;
      try {
        gw = await startGateway(launcher, gatewayConfig(backend, '10s'));
        const stream = await openStream(gw.url, `shutdown-twice-${rt}-${Date.now()}`, 100);
        expect(stream.status).toBe(200);
        await within(10_000, 'first chunk', stream.firstChunk);

        gw.child.kill('SIGTERM');
        await gw.waitForLog('shutting down');
        const secondAt = performance.now();
        gw.child.kill('SIGTERM');
        const exit = await within(5_000, 'process exit', gw.exited);
        // 128 + 15: what a shell reports for a process SIGTERM killed
        expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 143, signal: null });
        expect(exit.at - secondAt).toBeLessThan(2_000);
        expect(gw.logs.some((r) => typeof r.msg === 'string' && r.msg.startsWith('second signal'))).toBe(true);
        expect(gw.logs.some((r) => r.msg === 'stopped')).toBe(false);
      } finally {
        gw?.stop();
        await backend.server.close();
      }
    }, 30_000);
  });
}
