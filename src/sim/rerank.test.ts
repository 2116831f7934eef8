/** Rerank (both flavours) and vLLM's score API: gating, deterministic order, body shapes, faults, stats and sleep. */
import { describe, expect, it } from 'vitest';
import { createSimulator, type SimOptions } from './index.ts';
import { pairTokens, rank, relevance } from './rerank.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test-side JSON access

const post = (path: string, body: Json, headers: Record<string, string> = {}): Request =>
  new Request(`http://127.0.0.1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const QUERY = 'What is a giant panda?';
const DOCS = ['Paris is the capital of France.', 'The giant panda is a bear.', 'A panda eats bamboo.', 'giant panda'];
const PAIR_TOKENS = DOCS.reduce((n, d) => n + pairTokens(QUERY, d), 0);

describe('relevance', () => {
  it('scores shared content words: 1 for the same words, 0 for none, ties keep the input order', () => {
    expect(relevance('giant panda', 'Giant panda!')).toBe(1);
    expect(relevance('giant panda', 'Paris is the capital')).toBe(0);
    expect(relevance('what is it', 'what is it')).toBe(0); // function words only
    expect(rank(QUERY, DOCS, 10).map((r) => r.index)).toEqual([3, 1, 2, 0]);
    expect(rank('x', ['a', 'b', 'c'], 2)).toEqual([{ index: 0, score: 0 }, { index: 1, score: 0 }]);
  });
});

describe('llama.cpp rerank (--reranking)', () => {
  const RERANK: SimOptions = { flavor: 'llamacpp', rerank: true };

  it.each(['/rerank', '/reranking', '/v1/rerank', '/v1/reranking'])('%s: results by relevance, cut to top_n, usage of every pair', async (path) => {
    const res = await createSimulator(RERANK).fetch(post(path, { model: 'my-reranker', query: QUERY, documents: DOCS, top_n: 3 }));
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'application/json; charset=utf-8']);
    const text = await res.text();
    const body = JSON.parse(text) as Json;
    expect(Object.keys(body)).toEqual(['model', 'object', 'usage', 'results']);
    expect(body).toMatchObject({ model: 'my-reranker', object: 'list', usage: { prompt_tokens: PAIR_TOKENS, total_tokens: PAIR_TOKENS } });
    expect(body.results.map((r: Json) => r.index)).toEqual([3, 1, 2]);
    expect(Object.keys(body.results[0])).toEqual(['index', 'relevance_score']);
    expect(text).toContain('{"index":3,"relevance_score":1.0}'); // nlohmann prints doubles with a decimal point
  });

  it('without top_n all documents come back; the TEI form (texts) is a bare array', async () => {
    const sim = createSimulator(RERANK);
    const all = (await (await sim.fetch(post('/rerank', { query: QUERY, documents: DOCS }))).json()) as Json;
    expect(all.results).toHaveLength(4);
    expect(all.model).toBe('tiny-llama');
    const tei = await (await sim.fetch(post('/rerank', { query: 'giant panda', texts: ['no', 'giant panda'], return_text: true }))).text();
    expect(tei).toBe('[{"index":1,"score":1.0,"text":"giant panda"},{"index":0,"score":0.0,"text":"no"}]');
  });

  it('errors as llama-server words them; a server started without --reranking answers 501', async () => {
    const sim = createSimulator(RERANK);
    const error = async (body: Json): Promise<[number, string]> => {
      const res = await sim.fetch(post('/v1/rerank', body));
      return [res.status, ((await res.json()) as Json).error.message];
    };
    await expect(error({ documents: DOCS })).resolves.toEqual([400, '"query" must be provided']);
    await expect(error({ query: 1, documents: DOCS })).resolves.toEqual([400, '"query" must be a string']);
    await expect(error({ query: 'q', documents: [] })).resolves.toEqual([400, '"documents" must be a non-empty string array']);
    const off = await createSimulator({ flavor: 'llamacpp' }).fetch(post('/v1/rerank', { query: QUERY, documents: DOCS }));
    expect([off.status, await off.text(), off.headers.get('connection')]).toEqual([
      501, '{"error":{"code":501,"message":"This server does not support reranking. Start it with `--reranking`","type":"not_supported_error"}}', 'close',
    ]);
  });

  it('--reranking turns on --embeddings: no generation, embeddings served', async () => {
    const sim = createSimulator(RERANK);
    expect(sim.options).toMatchObject({ rerank: true, embeddings: true });
    expect((await sim.fetch(post('/v1/chat/completions', { messages: [] }))).status).toBe(500);
    expect((await sim.fetch(post('/v1/embeddings', { input: 'hi' }))).status).toBe(200);
  });

  it('holds a slot, takes ttftMs, consumes faults and counts in stats', async () => {
    const sim = createSimulator({ ...RERANK, parallel: 1, ttftMs: 60, faults: [{ type: 'status', status: 503 }] });
    expect((await sim.fetch(post('/rerank', { query: QUERY, documents: DOCS }))).status).toBe(503);
    const t0 = Date.now();
    const [a, b] = await Promise.all([sim.fetch(post('/rerank', { query: QUERY, documents: DOCS })), sim.fetch(post('/rerank', { query: QUERY, documents: DOCS }))]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    expect(sim.stats()).toMatchObject({ requests: 3, completed: 3, active: 0 });
  });

  it('needs the API key', async () => {
    const sim = createSimulator({ ...RERANK, apiKey: 'k' });
    expect((await sim.fetch(post('/rerank', { query: QUERY, documents: DOCS }))).status).toBe(401);
    expect((await sim.fetch(post('/rerank', { query: QUERY, documents: DOCS }, { 'x-api-key': 'k' }))).status).toBe(200);
  });
});

describe('vLLM score and rerank', () => {
  const SCORE: SimOptions = { flavor: 'vllm', model: 'BAAI/bge-reranker-v2-m3', rerank: true, ctxSize: 512 };

  it.each(['/rerank', '/v1/rerank', '/v2/rerank'])('%s: RerankResponse.model_dump() by relevance, cut to top_n', async (path) => {
    const res = await createSimulator(SCORE).fetch(post(path, { query: QUERY, documents: DOCS, top_n: 2 }, { 'x-request-id': 'r1' }));
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'application/json']);
    const text = await res.text();
    const body = JSON.parse(text) as Json;
    expect(Object.keys(body)).toEqual(['id', 'model', 'usage', 'results']);
    expect(body).toMatchObject({ id: 'rerank-r1', model: 'BAAI/bge-reranker-v2-m3', usage: { prompt_tokens: PAIR_TOKENS, total_tokens: PAIR_TOKENS } });
    expect(text).toContain(`{"index":3,"document":{"text":"giant panda","multi_modal":null},"relevance_score":1.0}`);
    expect(body.results.map((r: Json) => r.index)).toEqual([3, 1]);
  });

  it('/score and /v1/score: one score per pair in input order, 1:N and N:N', async () => {
    const sim = createSimulator(SCORE);
    const res = await sim.fetch(post('/score', { text_1: QUERY, text_2: DOCS }));
    const text = await res.text();
    const body = JSON.parse(text) as Json;
    expect(Object.keys(body)).toEqual(['id', 'object', 'created', 'model', 'data', 'usage']);
    expect(body.id).toMatch(/^score-[0-9a-f]{16}$/);
    expect(body.data.map((d: Json) => d.index)).toEqual([0, 1, 2, 3]);
    expect(body.data[0]).toEqual({ index: 0, object: 'score', score: 0 });
    expect(text).toContain('{"index":0,"object":"score","score":0.0}');
    expect(body.usage).toEqual({ prompt_tokens: PAIR_TOKENS, total_tokens: PAIR_TOKENS, completion_tokens: 0, prompt_tokens_details: null });
    const pairs = (await (await sim.fetch(post('/v1/score', { text_1: ['giant panda', 'Paris'], text_2: ['panda', 'Paris'] }))).json()) as Json;
    expect(pairs.data.map((d: Json) => d.score)).toEqual([relevance('giant panda', 'panda'), 1]);
  });

  it('validation: pydantic 400s, input-length 400s, the model check', async () => {
    const sim = createSimulator(SCORE);
    const missing = (await (await sim.fetch(post('/rerank', { query: 'q' }))).json()) as Json;
    expect(missing.error.type).toBe('Bad Request');
    expect(missing.error.message).toContain("'loc': ('body', 'documents'), 'msg': 'Field required'");
    expect(missing.error.message).toContain('in do_rerank\n    POST /rerank');
    const lengths = await sim.fetch(post('/score', { text_1: ['a', 'b'], text_2: ['a', 'b', 'c'] }));
    expect([lengths.status, await lengths.text()]).toEqual([400, '{"error":{"message":"Input lengths must be either 1:1, 1:N or N:N","type":"BadRequestError","param":null,"code":400}}']);
    const empty = (await (await sim.fetch(post('/rerank', { query: 'q', documents: [] }))).json()) as Json;
    expect(empty.error.message).toBe('At least one text_pair element must be given');
    expect((await sim.fetch(post('/score', { model: 'other', text_1: 'a', text_2: 'b' }))).status).toBe(404);
  });

  it('served for score and embedding models only; not under /v1 the API key is not needed', async () => {
    const body = { query: QUERY, documents: DOCS };
    expect((await createSimulator({ flavor: 'vllm' }).fetch(post('/rerank', body))).status).toBe(404);
    expect((await createSimulator({ flavor: 'vllm', embeddings: true }).fetch(post('/rerank', body))).status).toBe(200);
    const score = createSimulator({ ...SCORE, apiKey: 'k' });
    expect((await score.fetch(post('/rerank', body))).status).toBe(200);
    expect((await score.fetch(post('/v2/rerank', body))).status).toBe(401);
    // A score model has neither generation nor embeddings routes.
    expect((await score.fetch(post('/v1/chat/completions', { messages: [] }, { authorization: 'Bearer k' }))).status).toBe(404);
    expect((await score.fetch(post('/v1/embeddings', { input: 'x' }, { authorization: 'Bearer k' }))).status).toBe(404);
    expect((await score.fetch(new Request('http://127.0.0.1/score'))).status).toBe(405);
  });

  it('held while the engine sleeps, counted, and faults apply', async () => {
    const sim = createSimulator({ ...SCORE, sleepMode: true, sleepMs: 5, wakeMs: 5 });
    await sim.fetch(new Request('http://127.0.0.1/sleep', { method: 'POST' }));
    const pending = sim.fetch(post('/rerank', { query: QUERY, documents: DOCS }));
    expect(await Promise.race([pending.then(() => true), pause(80).then(() => false)])).toBe(false);
    await sim.fetch(new Request('http://127.0.0.1/wake_up', { method: 'POST' }));
    expect((await pending).status).toBe(200);
    const failed = await sim.fetch(post('/score', { text_1: 'a', text_2: 'b', sim_fault: { type: 'midstream_error' } }));
    expect([failed.status, ((await failed.json()) as Json).error.type]).toEqual([500, 'InternalServerError']);
    expect(sim.stats()).toMatchObject({ requests: 2, completed: 2, requestsWhileAsleep: 1 });
  });
});
