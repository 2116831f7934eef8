import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/index.ts';
import { startSimBackend, type SimBackend } from '../conformance/backends.ts';
import { eventually, metricValue, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';

const USER = 'mt-apis-user-key-0000000000000000';
const ADMIN = 'mt-apis-admin-key-000000000000000';

describe('[node] the new routes against simulators on real sockets', () => {
  let llama: SimBackend;
  let llamaRerank: SimBackend;
  let vllmScore: SimBackend;
  let gw: GatewayProcess;
  let anthropic: Anthropic;
  beforeAll(async () => {
    llama = await startSimBackend({ flavor: 'llamacpp', ttftMs: 5, tokenDelayMs: 50, defaultMaxTokens: 40 });
    llamaRerank = await startSimBackend({ flavor: 'llamacpp', model: 'bge-reranker', rerank: true });
    vllmScore = await startSimBackend({ flavor: 'vllm', model: 'BAAI/bge-reranker-base', rerank: true });
    gw = await startGatewayProcess(`version: 1
auth:
  admin_key_sha256: ${await sha256Hex(ADMIN)}
  keys:
    - { name: user, key_sha256: ${await sha256Hex(USER)}, models: [llama, llama-rerank, vllm-rerank] }
models:
  - { name: llama, backend: llamacpp, backend_url: "${llama.server.url}" }
  - { name: llama-rerank, backend: llamacpp, backend_url: "${llamaRerank.server.url}", format: rerank }
  - { name: vllm-rerank, backend: vllm, backend_url: "${vllmScore.server.url}", format: rerank, upstream_model: BAAI/bge-reranker-base }
`);
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: USER, maxRetries: 0 });
  });
  afterAll(async () => {
    gw?.stop();
    await Promise.all([llama, llamaRerank, vllmScore].map((b) => b?.server.close()));
  });

  const post = (path: string, body: unknown) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${USER}` }, body: JSON.stringify(body) });

  it('[node] rerank on llama-server and vLLM, score on vLLM: the most relevant document first', async () => {
    const documents = ['bananas are yellow fruit', 'the capital of France is Paris', 'cats sleep a lot'];
    for (const model of ['llama-rerank', 'vllm-rerank']) {
      const res = await post('/v1/rerank', { model, query: 'What is the capital of France?', documents, top_n: 2 });
      expect(res.status, model).toBe(200);
      const body = (await res.json()) as { results: { index: number; relevance_score: number }[] };
      expect(body.results.map((r) => r.index)[0], model).toBe(1);
      expect(body.results, model).toHaveLength(2);
    }
    const score = await post('/v1/score', { model: 'vllm-rerank', text_1: 'capital of France', text_2: ['Paris is the capital of France', 'cats'] });
    const scores = ((await score.json()) as { data: { score: number }[] }).data.map((d) => d.score);
    expect(scores[0]).toBeGreaterThan(scores[1]!);
    const notServed = await post('/v1/score', { model: 'llama-rerank', text_1: 'a', text_2: 'b' });
    expect(notServed.status).toBe(400);
  });

  it('[node] metrics count the tokens of Messages and Responses requests', async () => {
    const completion = async () => metricValue(await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text(), 'modeltainer_completion_tokens_total', { model: 'llama' });
    const before = await completion();
    await anthropic.messages.create({ model: 'llama', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] });
    await (await post('/v1/responses', { model: 'llama', input: 'hi', max_output_tokens: 4, stream: true })).text();
    await eventually(async () => (await completion()) === before + 7, 3000, 'the tokens counted');
  });

  it('[node] a client that drops a Messages or Responses stream makes the backend stop', async () => {
    for (const [path, body] of [
      ['/v1/messages', { model: 'llama', max_tokens: 40, stream: true, messages: [{ role: 'user', content: 'hi' }] }],
      ['/v1/responses', { model: 'llama', max_output_tokens: 40, stream: true, input: 'hi' }],
    ] as const) {
      const aborted = llama.sim.stats().aborted;
      const ctl = new AbortController();
      const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': USER }, body: JSON.stringify(body), signal: ctl.signal });
      const reader = res.body!.getReader();
      await reader.read();
      ctl.abort();
      await eventually(() => llama.sim.stats().aborted === aborted + 1, 2000, `${path}: the backend stopped`);
    }
  });

  it('[node] /upstream reaches the model server itself with the admin key only', async () => {
    const slots = await fetch(`${gw.url}/upstream/llama/slots`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(slots.status).toBe(200);
    expect(slots.headers.get('x-modeltainer-target')).toMatch(/^llamacpp:/);
    expect(Array.isArray(await slots.json())).toBe(true);
    const props = await fetch(`${gw.url}/upstream/llama/props`, { headers: { authorization: `Bearer ${USER}` } });
    expect(props.status).toBe(403);
    const traversal = await fetch(`${gw.url}/upstream/llama/..%2F..%2Fadmin%2Fqueue`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(traversal.status).toBe(400);
  });
});
