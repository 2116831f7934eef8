import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConformanceEnv } from './environment.ts';

const FLAVORS = [
  { flavor: 'llamacpp', model: 'llama', backend: 'llamacpp' },
  { flavor: 'vllm', model: 'vllm', backend: 'vllm' },
] as const;

/**
 * The APIs past chat through the gateway with the official clients, on every runtime:
 * Responses and Anthropic Messages passed through to both simulator flavours (byte-exact
 * streams), a model translated for a chat-only backend, tokenize and a path prefix.
 */
export function addApiSurfaceTests(runtime: string, getEnv: () => ConformanceEnv): void {
  let env: ConformanceEnv;
  let openai: OpenAI;
  let anthropic: Anthropic;
  beforeAll(() => {
    env = getEnv();
    openai = new OpenAI({ baseURL: `${env.gatewayURL}/v1`, apiKey: 'not-needed', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: env.gatewayURL, apiKey: 'not-needed', maxRetries: 0 });
  });

  for (const { flavor, model, backend } of FLAVORS) {
    describe(`[${runtime}] ${flavor}: Responses and Anthropic Messages passed through`, () => {
      it(`[${runtime}] ${flavor}: openai responses.create, non-stream and stream, give the same text and usage`, async () => {
        const full = await openai.responses.create({ model, input: 'Say hello', max_output_tokens: 6 });
        expect(full.output_text.length).toBeGreaterThan(0);
        expect(full.usage?.output_tokens).toBe(6);
        let text = '';
        let done: OpenAI.Responses.Response | undefined;
        for await (const ev of await openai.responses.create({ model, input: 'Say hello', max_output_tokens: 6, stream: true })) {
          if (ev.type === 'response.output_text.delta') text += ev.delta;
          if (ev.type === 'response.completed' || ev.type === 'response.incomplete') done = ev.response;
        }
        expect(text).toBe(full.output_text);
        expect(done?.usage?.output_tokens).toBe(6);
      });

      it(`[${runtime}] ${flavor}: anthropic messages.create, non-stream and stream, and countTokens`, async () => {
        const msg = await anthropic.messages.create({ model, max_tokens: 6, system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello' }] });
        expect(msg).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'max_tokens', usage: { output_tokens: 6 } });
        const text = msg.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
        const streamed = await anthropic.messages.stream({ model, max_tokens: 6, system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello' }] }).finalMessage();
        expect(streamed.content.map((b) => (b.type === 'text' ? b.text : '')).join('')).toBe(text);
        expect(streamed.usage.output_tokens).toBe(6);
        const count = await anthropic.messages.countTokens({ model, system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello' }] });
        expect(count.input_tokens).toBeGreaterThan(0);
      });

      it(`[${runtime}] ${flavor}: Messages and Responses streams arrive byte for byte, and their tokens are logged`, async () => {
        for (const [path, body] of [
          ['/v1/messages', { model, max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'Say hello' }] }],
          ['/v1/responses', { model, max_output_tokens: 5, stream: true, input: 'Say hello' }],
        ] as const) {
          const requestId = `bytes-${runtime}-${flavor}-${path.slice(4)}-${Date.now()}`;
          const res = await fetch(`${env.gatewayURL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'x', 'x-request-id': requestId }, body: JSON.stringify(body) });
          const received = new Uint8Array(await res.arrayBuffer());
          const sent = await env.backends[backend].sent.get(requestId);
          expect(sent, `${path}: the backend saw the request`).toBeDefined();
          expect(Buffer.from(received).equals(Buffer.from(sent!.bytes)), path).toBe(true);
          expect(new TextDecoder().decode(received)).not.toContain('[DONE]');
          const deadline = Date.now() + 2000;
          let line: Record<string, unknown> | undefined;
          while (!line && Date.now() < deadline) {
            line = env.logs.find((l) => l.request_id === requestId);
            if (!line) await new Promise((r) => setTimeout(r, 20));
          }
          expect(line, path).toMatchObject({ status: 200, completion_tokens: 5 });
          expect(line?.prompt_tokens, path).toBeGreaterThan(0);
        }
      });

      it(`[${runtime}] ${flavor}: tokenize and detokenize, routed by model`, async () => {
        const field = flavor === 'llamacpp' ? 'content' : 'prompt';
        const tok = await fetch(`${env.gatewayURL}/tokenize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, [field]: 'Hello world' }) });
        expect(tok.status).toBe(200);
        const { tokens } = (await tok.json()) as { tokens: number[] };
        expect(tokens.length).toBeGreaterThan(0);
        const detok = await fetch(`${env.gatewayURL}/detokenize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, tokens }) });
        const back = (await detok.json()) as { content?: string; prompt?: string };
        expect(back.content ?? back.prompt).toContain('Hello world');
      });
    });
  }

  describe(`[${runtime}] translation and prefix routes`, () => {
    it(`[${runtime}] the Anthropic SDK against a chat-only backend (translate: messages), stream and not`, async () => {
      const msg = await anthropic.messages.create({ model: 'llama-chatonly', max_tokens: 5, messages: [{ role: 'user', content: 'Say hello' }] });
      expect(msg).toMatchObject({ type: 'message', model: 'llama-chatonly', stop_reason: 'max_tokens', usage: { output_tokens: 5 } });
      const deltas: string[] = [];
      const stream = anthropic.messages.stream({ model: 'llama-chatonly', max_tokens: 5, messages: [{ role: 'user', content: 'Say hello' }] });
      stream.on('text', (t) => deltas.push(t));
      const final = await stream.finalMessage();
      expect(deltas.length).toBeGreaterThan(1);
      expect(final.content).toEqual([{ type: 'text', text: deltas.join('') }]);
      expect(final.usage.output_tokens).toBe(5);
      const res = await openai.responses.create({ model: 'llama-chatonly', input: 'Say hello', max_output_tokens: 5 });
      expect(res).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: { output_tokens: 5 } });
    });

    it(`[${runtime}] a prefix route serves its model whatever the body says`, async () => {
      const client = new OpenAI({ baseURL: `${env.gatewayURL}/coder/v1`, apiKey: 'not-needed', maxRetries: 0 });
      const res = await client.chat.completions.create({ model: 'anything', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 3 }).withResponse();
      expect(res.response.headers.get('x-modeltainer-model')).toBe('vllm');
      expect(res.data.model).toBe('Qwen/Qwen2.5-0.5B-Instruct');
      const ids: string[] = [];
      for await (const m of client.models.list()) ids.push(m.id);
      expect(ids).toEqual(['vllm']);
    });
  });
}
