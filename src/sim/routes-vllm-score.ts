/**
 * vLLM's score and rerank routes (`pooling/scoring`): registered when `enable_scoring_api` holds,
 * i.e. for an embedding model or a score (cross-encoder) model, never for a generate model.
 * Pooling requests: faults, engine time and sleep like embeddings. Bodies are `model_dump()`
 * through Starlette's JSONResponse (Python floats).
 */
import type { Hono } from 'hono';
import { runPooling } from './embeddings.ts';
import { fastapiRoute, type Handler } from './fastapi-route.ts';
import { jsonWithFloats } from './py-repr.ts';
import { randomHex } from './random.ts';
import { pairTokens, rank, relevance } from './rerank.ts';
import { handleGeneration, type SimCore } from './sim-core.ts';
import { vllmError } from './vllm-http.ts';
import { asInt, badRequest, checkVllmContentType, checkVllmModel, contextError, fieldErrors, parseVllmJson, type VllmRoute } from './validate-vllm.ts';

interface Pairs {
  /** Texts on the left, one per pair (a single one is repeated), and on the right. */
  left: string[];
  right: string[];
  topN: number;
}

const texts = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).map((t) => (typeof t === 'string' ? t : ''));

/** `_validate_score_input_lens`: 1:1, 1:N or N:N. */
function pairUp(data1: unknown, data2: unknown, topN: number): { pairs: Pairs } | { error: string } {
  const left = texts(data1);
  const right = texts(data2);
  if (left.length > 1 && left.length !== right.length) return { error: 'Input lengths must be either 1:1, 1:N or N:N' };
  if (left.length === 0) return { error: 'At least one text element must be given' };
  if (right.length === 0) return { error: 'At least one text_pair element must be given' };
  return { pairs: { left: left.length === 1 ? right.map(() => left[0] ?? '') : left, right, topN } };
}

/** What a route reads from its body: pydantic errors, or the two sides and top_n. */
interface ScoreInput {
  errors: unknown[];
  data1?: unknown;
  data2?: unknown;
  topN?: number;
}

/** How one API reads its request and writes its answer (an id suffix and the pair tokens given). */
interface ScoreApi {
  read(body: Record<string, unknown>): ScoreInput;
  answer(pairs: Pairs, id: string, tokens: number): unknown;
}

export function vllmScoreRoutes(app: Hono, core: SimCore): void {
  const { options } = core;
  const handler = (route: VllmRoute, { read, answer }: ScoreApi): Handler =>
    (c) => {
      const raw = c.req.raw;
      return handleGeneration<Pairs>(core, raw, {
        precheck: checkVllmContentType,
        parse: (text) => parseVllmJson(text, route),
        validate: (body) => {
          const r = read(body);
          if (r.errors.length > 0) return { ok: false, response: badRequest(route, r.errors) };
          const wrongModel = checkVllmModel(body, options.model);
          if (wrongModel) return { ok: false, response: wrongModel };
          const paired = pairUp(r.data1, r.data2, r.topN ?? 0);
          if ('error' in paired) return { ok: false, response: vllmError(400, paired.error, 'BadRequestError') };
          for (const [i, left] of paired.pairs.left.entries()) {
            const tooLong = contextError(options.ctxSize, pairTokens(left, paired.pairs.right[i] ?? ''), null);
            if (tooLong) return { ok: false, response: tooLong };
          }
          return { ok: true, value: paired.pairs };
        },
        invalidFault: (message) => vllmError(400, message, 'BadRequestError'),
        run: (pairs, fault, ticket) => {
          const tokens = pairs.left.reduce((n, left, i) => n + pairTokens(left, pairs.right[i] ?? ''), 0);
          return runPooling(core.env, raw, fault, ticket, tokens, () => answer(pairs, raw.headers.get('x-request-id') ?? randomHex(16), tokens));
        },
      });
    };

  // Jina/Cohere-style rerank: results sorted by relevance, cut to top_n (0 = all).
  const rerank = (route: VllmRoute): Handler => handler(route, {
    read: (body) => ({ errors: fieldErrors(body, ['query', 'documents'], ['top_n']), data1: body.query, data2: body.documents, topN: asInt(body.top_n) ?? 0 }),
    answer: ({ left, right, topN }, id, tokens) => jsonWithFloats({
      id: `rerank-${id}`, model: options.model, usage: { prompt_tokens: tokens, total_tokens: tokens },
      results: rank(left[0] ?? '', right, topN > 0 ? topN : right.length)
        .map(({ index, score }) => ({ index, document: { text: right[index], multi_modal: null }, relevance_score: score })),
    }, ['relevance_score']),
  });
  fastapiRoute(app, '/rerank', { POST: rerank({ path: '/rerank', fn: 'do_rerank' }) });
  fastapiRoute(app, '/v1/rerank', { POST: rerank({ path: '/v1/rerank', fn: 'do_rerank_v1' }) });
  fastapiRoute(app, '/v2/rerank', { POST: rerank({ path: '/v2/rerank', fn: 'do_rerank_v2' }) });

  // Sentence-Transformers-style score: one score per pair, in input order. The text_1/text_2
  // names, or queries with documents or items, or data_1/data_2.
  const score = (route: VllmRoute): Handler => handler(route, {
    read: (body) => {
      const data1 = body.text_1 ?? body.queries ?? body.data_1;
      const data2 = body.text_2 ?? body.documents ?? body.items ?? body.data_2;
      // Missing sides are reported under the text_1/text_2 names (a simplification of the union's errors).
      const missing = [data1 === undefined ? 'text_1' : null, data2 === undefined ? 'text_2' : null].filter((k): k is string => k !== null);
      return { errors: fieldErrors(body, missing, []), data1, data2 };
    },
    answer: ({ left, right }, id, tokens) => jsonWithFloats({
      id: `score-${id}`, object: 'list', created: Math.floor(options.now() / 1000), model: options.model,
      data: left.map((l, index) => ({ index, object: 'score', score: relevance(l, right[index] ?? '') })),
      usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0, prompt_tokens_details: null },
    }, ['score']),
  });
  fastapiRoute(app, '/score', { POST: score({ path: '/score', fn: 'create_score' }) });
  fastapiRoute(app, '/v1/score', { POST: score({ path: '/v1/score', fn: 'create_score_v1' }) });
}
