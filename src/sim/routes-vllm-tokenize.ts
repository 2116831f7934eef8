/**
 * vLLM's `/tokenize` and `/detokenize` (`serve/tokenize`): registered for every model kind, not
 * under /v1 (no API key), answered in the API process (not held by a sleeping engine, no fault,
 * not counted). `tokenize-chat.http`: the `messages` form counts like a chat request's prompt.
 */
import type { Hono } from 'hono';
import { fastapiRoute, type Handler } from './fastapi-route.ts';
import type { Parsed } from './flavor.ts';
import { PyTuple } from './py-repr.ts';
import { qwenChatIds, QWEN_VOCAB } from './qwen-template.ts';
import { readMessages } from './request-fields.ts';
import type { SimCore } from './sim-core.ts';
import { byteLevelPiece, SimTokenizer } from './tokenizer.ts';
import { vllmJson } from './vllm-http.ts';
import { badRequest, checkVllmContentType, checkVllmModel, fieldErrors, parseVllmJson, type VllmRoute } from './validate-vllm.ts';

/** Content type, JSON, then `check` (field errors), then the model: the order FastAPI and the handler apply. */
function jsonRoute(route: VllmRoute, model: string, check: (body: Record<string, unknown>) => unknown[], answer: (body: Record<string, unknown>) => Response): Handler {
  return async (c) => {
    const wrongType = checkVllmContentType(c.req.raw);
    if (wrongType) return wrongType;
    const parsed: Parsed<Record<string, unknown>> = parseVllmJson(await c.req.raw.text(), route);
    if (!parsed.ok) return parsed.response;
    const errors = check(parsed.value);
    if (errors.length > 0) return badRequest(route, errors);
    return checkVllmModel(parsed.value, model) ?? answer(parsed.value);
  };
}

export function vllmTokenizeRoutes(app: Hono, core: SimCore): void {
  const { model, ctxSize } = core.options;
  const tokenizer = new SimTokenizer(QWEN_VOCAB);
  const encode = (text: string): number[] => tokenizer.encode(text).map((t) => t.id);

  const tokenize: VllmRoute = { path: '/tokenize', fn: 'tokenize' };
  // TokenizeCompletionRequest | TokenizeChatRequest: with neither field, both members fail.
  const tokenizeErrors = (body: Record<string, unknown>): unknown[] => {
    if ('prompt' in body || 'messages' in body) return [];
    const missing = (member: string, key: string): unknown => ({ type: 'missing', loc: new PyTuple(['body', member, key]), msg: 'Field required', input: body });
    return [missing('TokenizeCompletionRequest', 'prompt'), missing('TokenizeChatRequest', 'messages')];
  };
  fastapiRoute(app, tokenize.path, {
    POST: jsonRoute(tokenize, model, tokenizeErrors, (body) => {
      const ids = 'messages' in body
        ? qwenChatIds(readMessages(Array.isArray(body.messages) ? body.messages : []), body.add_generation_prompt !== false, encode)
        : encode(typeof body.prompt === 'string' ? body.prompt : '');
      const tokenStrs = body.return_token_strs === true ? ids.map((id) => byteLevelPiece(tokenizer.decode([id]))) : null;
      return vllmJson(200, { count: ids.length, max_model_len: ctxSize, tokens: ids, token_strs: tokenStrs });
    }),
  });

  const detokenize: VllmRoute = { path: '/detokenize', fn: 'detokenize' };
  fastapiRoute(app, detokenize.path, {
    POST: jsonRoute(detokenize, model, (body) => fieldErrors(body, 'tokens', []), (body) => {
      const ids = Array.isArray(body.tokens) ? body.tokens.filter((t): t is number => typeof t === 'number') : [];
      return vllmJson(200, { prompt: tokenizer.decode(ids) });
    }),
  });
}
