/**
 * llama-server's utility routes (`tokenize.http`, `detokenize.http`, `apply-template.http`):
 * answered at once, outside the slots, and not counted as generation requests. No `model` field.
 */
import type { Hono } from 'hono';
import { llamaError, llamaJson } from './llamacpp-http.ts';
import { PHI3_BOS, PHI3_VOCAB, renderPhi3 } from './phi3-template.ts';
import { readMessages } from './request-fields.ts';
import { SimTokenizer } from './tokenizer.ts';
import { parseLlamaJson } from './validate-llamacpp.ts';

export function llamaTokenizeRoutes(app: Hono): void {
  const tokenizer = new SimTokenizer(PHI3_VOCAB);

  // {"content"} -> {"tokens":[...]}; `content` may mix text and token ids. `add_special` adds BOS,
  // `with_pieces` gives {id, piece} objects.
  app.post('/tokenize', async (c) => {
    const parsed = parseLlamaJson(await c.req.raw.text());
    if (!parsed.ok) return parsed.response;
    const body = parsed.value;
    const parts = Array.isArray(body.content) ? body.content : typeof body.content === 'string' ? [body.content] : [];
    const tokens = body.add_special === true ? [{ id: PHI3_BOS, piece: '<s>' }] : [];
    for (const part of parts) {
      if (typeof part === 'string') tokens.push(...tokenizer.encode(part));
      else if (typeof part === 'number') tokens.push({ id: part, piece: tokenizer.decode([part]) });
    }
    return llamaJson(200, { tokens: body.with_pieces === true ? tokens : tokens.map((t) => t.id) });
  });

  // {"tokens":[...]} -> {"content":"..."} (SentencePiece keeps the leading space).
  app.post('/detokenize', async (c) => {
    const parsed = parseLlamaJson(await c.req.raw.text());
    if (!parsed.ok) return parsed.response;
    const ids = Array.isArray(parsed.value.tokens) ? parsed.value.tokens.filter((t): t is number => typeof t === 'number') : [];
    return llamaJson(200, { content: tokenizer.decode(ids) });
  });

  // {"messages"} -> {"prompt"}: the chat template applied, with the generation prompt.
  app.post('/apply-template', async (c) => {
    const parsed = parseLlamaJson(await c.req.raw.text());
    if (!parsed.ok) return parsed.response;
    const { messages } = parsed.value;
    if (messages === undefined) return llamaError(400, "'messages' is required", 'invalid_request_error');
    if (!Array.isArray(messages)) return llamaError(400, "Expected 'messages' to be an array", 'invalid_request_error');
    return llamaJson(200, { prompt: renderPhi3(readMessages(messages)) });
  });
}
