import { errors } from '../errors/errors.ts';

// curl -d sends application/x-www-form-urlencoded by default; people paste such
// commands from docs, so the body is still read as JSON in that case.
const ACCEPTED = /^(application\/(json|[\w.+-]+\+json|x-www-form-urlencoded))\s*(;|$)/i;

/**
 * Reads a request body as a JSON object within the size limit. With a
 * Content-Length the server reads exactly that many bytes, so checking it first
 * is enough (and lets the runtime use its fast path); a chunked body is counted
 * while it is read.
 */
export async function readJsonBody(req: Request, maxBytes: number, maxDepth = 64): Promise<Record<string, unknown>> {
  const contentType = req.headers.get('content-type');
  if (contentType && !ACCEPTED.test(contentType)) throw errors.unsupportedMediaType(contentType);
  const length = req.headers.get('content-length');
  if (length !== null && Number(length) > maxBytes) throw errors.bodyTooLarge(maxBytes);

  const text = length !== null ? await req.text() : await readChunked(req, maxBytes);
  if (text.trim() === '') throw errors.invalidJson('the body is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw errors.invalidJson(e instanceof Error ? e.message : 'malformed JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw errors.invalidJson('the body must be a JSON object');
  }
  if (depthOf(value, maxDepth) > maxDepth) throw errors.invalidJson(`the body is nested deeper than ${maxDepth} levels`);
  return value as Record<string, unknown>;
}

/** Nesting depth, stopping early once past `limit` (no array of values per object: this runs on every body). */
function depthOf(value: unknown, limit: number, depth = 1): number {
  if (depth > limit || value === null || typeof value !== 'object') return depth;
  let max = depth;
  if (Array.isArray(value)) {
    for (const v of value as unknown[]) {
      if (v !== null && typeof v === 'object') max = Math.max(max, depthOf(v, limit, depth + 1));
      if (max > limit) break;
    }
    return max;
  }
  const record = value as Record<string, unknown>;
  for (const k in record) {
    const v = record[k];
    if (v !== null && typeof v === 'object') max = Math.max(max, depthOf(v, limit, depth + 1));
    if (max > limit) break;
  }
  return max;
}

async function readChunked(req: Request, maxBytes: number): Promise<string> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw errors.bodyTooLarge(maxBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
