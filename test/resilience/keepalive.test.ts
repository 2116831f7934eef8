import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimBackend, type SimBackend } from '../conformance/backends.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';

let gw: GatewayProcess;
let llama: SimBackend;
let vllm: SimBackend;
const messages = [{ role: 'user' as const, content: 'Think hard, then say hello' }];

beforeAll(async () => {
  // llama-server sends no headers before its first token; vLLM sends them at once and then nothing
  llama = await startSimBackend({ flavor: 'llamacpp', ttftMs: 8000, tokenDelayMs: 5, defaultMaxTokens: 4, parallel: 4 });
  vllm = await startSimBackend({ flavor: 'vllm', ttftMs: 8000, tokenDelayMs: 5, defaultMaxTokens: 4 });
  // the defaults: keepalive_after 5s, keepalive_interval 15s
  gw = await startGatewayProcess(`version: 1
models:
  - { name: thinker, backend: llamacpp, backend_url: "${llama.server.url}" }
  - { name: pondering, backend: vllm, backend_url: "${vllm.server.url}", upstream_model: Qwen/Qwen2.5-0.5B-Instruct }
`);
});

afterAll(async () => {
  gw?.stop();
  await Promise.all([llama.server.close(), vllm.server.close()]);
});

/** The stream's bytes, with when each SSE event arrived (ms after the request). */
async function timedEvents(model: string): Promise<{ status: number; events: { at: number; text: string }[] }> {
  const started = performance.now();
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages, stream: true, max_tokens: 4 }),
  });
  const events: { at: number; text: string }[] = [];
  const decoder = new TextDecoder();
  let carry = '';
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    carry += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = carry.indexOf('\n\n')) >= 0) {
      events.push({ at: performance.now() - started, text: carry.slice(0, end) });
      carry = carry.slice(end + 2);
    }
  }
  return { status: res.status, events };
}

async function viaOpenAI(model: string): Promise<string> {
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const stream = await client.chat.completions.create({ model, messages, stream: true, max_tokens: 4 });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  return text;
}

describe('[node] long waits for the first token survive proxies', () => {
  it('[node] a first token after 8 s: SSE comments from 5 s on, then the tokens; the openai client parses the stream', async () => {
    const [raw, rawVllm, parsed, parsedVllm] = await Promise.all([timedEvents('thinker'), timedEvents('pondering'), viaOpenAI('thinker'), viaOpenAI('pondering')]);
    for (const { status, events } of [raw, rawVllm]) {
      expect(status).toBe(200);
      const firstData = events.findIndex((e) => e.text.startsWith('data: '));
      const comments = events.slice(0, firstData);
      expect(comments.length).toBeGreaterThanOrEqual(1);
      for (const c of comments) expect(c.text).toBe(': keep-alive');
      // committed at keepalive_after (5 s), well before the first token (8 s)
      expect(comments[0]!.at).toBeGreaterThan(4500);
      expect(comments[0]!.at).toBeLessThan(7500);
      expect(events[firstData]!.at).toBeGreaterThan(7500);
      expect(events.at(-1)!.text).toBe('data: [DONE]');
    }
    expect(parsed.length).toBeGreaterThan(0);
    expect(parsedVllm.length).toBeGreaterThan(0);
  }, 30_000);
});
