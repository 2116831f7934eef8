/**
 * llama-server's rerank handler (`handle_rerank`) behind its four paths. Only a `--reranking`
 * server serves it; others answer 501 not_supported_error. Jina format (`documents`) gives
 * `{model, object, usage, results}`; TEI format (`texts`) a bare array of `{index, score}`.
 */
import type { Hono } from 'hono';
import { runPooling } from './embeddings.ts';
import { llamaError } from './llamacpp-http.ts';
import { jsonWithFloats } from './py-repr.ts';
import { pairTokens, rank } from './rerank.ts';
import { handleGeneration, type SimCore } from './sim-core.ts';
import { parseLlamaJson } from './validate-llamacpp.ts';

interface RerankRequest {
  query: string;
  documents: string[];
  topN: number;
  tei: boolean;
  returnText: boolean;
  model: string;
}

const invalid = (message: string): { ok: false; response: Response } => ({ ok: false, response: llamaError(400, message, 'invalid_request_error') });

/** `json_value` falls back to the default when a field has the wrong type. */
function stringArray(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((d) => typeof d === 'string') ? v : null;
}

export function llamaRerankRoutes(app: Hono, core: SimCore): void {
  const { options } = core;
  const handler = (raw: Request): Promise<Response> =>
    handleGeneration<RerankRequest>(core, raw, {
      precheck: () => (options.rerank ? null
        : llamaError(501, 'This server does not support reranking. Start it with `--reranking`', 'not_supported_error')),
      parse: parseLlamaJson,
      validate: (body) => {
        if (!('query' in body)) return invalid('"query" must be provided');
        if (typeof body.query !== 'string') return invalid('"query" must be a string');
        const documents = stringArray(body.documents) ?? stringArray(body.texts) ?? [];
        if (documents.length === 0) return invalid('"documents" must be a non-empty string array');
        const tei = 'texts' in body;
        return {
          ok: true,
          value: {
            query: body.query, documents, tei, returnText: tei && body.return_text === true,
            topN: typeof body.top_n === 'number' ? Math.trunc(body.top_n) : documents.length,
            // Unlike chat, the rerank answer echoes the request's model.
            model: typeof body.model === 'string' ? body.model : options.model,
          },
        };
      },
      invalidFault: (message) => llamaError(400, message, 'invalid_request_error'),
      run: (r, fault, ticket) => {
        const tokens = r.documents.reduce((n, d) => n + pairTokens(r.query, d), 0);
        return runPooling(core.env, raw, fault, ticket, tokens, () => {
          const ranked = rank(r.query, r.documents, r.topN);
          const results = r.tei
            ? ranked.map(({ index, score }) => (r.returnText ? { index, score, text: r.documents[index] } : { index, score }))
            : ranked.map(({ index, score }) => ({ index, relevance_score: score }));
          // nlohmann prints doubles with a decimal point.
          const body = r.tei ? results : { model: r.model, object: 'list', usage: { prompt_tokens: tokens, total_tokens: tokens }, results };
          return jsonWithFloats(body, ['score', 'relevance_score']);
        });
      },
    });
  for (const path of ['/rerank', '/reranking', '/v1/rerank', '/v1/reranking']) app.post(path, (c) => handler(c.req.raw));
}
