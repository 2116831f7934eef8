import type { RequestLog } from '../observability/request-log.ts';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** llama-server's per-request speeds. */
export interface Timings {
  prompt_per_second?: number;
  predicted_per_second?: number;
}

/**
 * The last `"usage":{...}` object in a response body or stream tail, found
 * without parsing the whole body (embeddings bodies can be large).
 */
export function extractUsage(text: string): Usage | null {
  const u = lastObject(text, 'usage') as Partial<Usage> | null;
  if (!u || typeof u.prompt_tokens !== 'number') return null;
  const completion = typeof u.completion_tokens === 'number' ? u.completion_tokens : 0;
  return { prompt_tokens: u.prompt_tokens, completion_tokens: completion, total_tokens: u.total_tokens ?? u.prompt_tokens + completion };
}

export function extractTimings(text: string): Timings | null {
  const t = lastObject(text, 'timings') as Record<string, unknown> | null;
  if (!t) return null;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 10) / 10 : undefined);
  return { prompt_per_second: num(t.prompt_per_second), predicted_per_second: num(t.predicted_per_second) };
}

function lastObject(text: string, key: string): unknown {
  const at = text.lastIndexOf(`"${key}"`);
  if (at < 0) return null;
  const open = text.indexOf('{', at);
  if (open < 0 || text.slice(at + key.length + 2, open).trim() !== ':') return null;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 123) depth++;
    else if (ch === 125 && --depth === 0) {
      try {
        return JSON.parse(text.slice(open, i + 1));
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Tokens and llama.cpp's speeds from a body or a stream's tail, into the log record. */
export function recordUsage(log: RequestLog, text: string): void {
  const usage = extractUsage(text);
  if (usage) {
    log.prompt_tokens = usage.prompt_tokens;
    log.completion_tokens = usage.completion_tokens;
  }
  const timings = extractTimings(text);
  if (timings) {
    log.backend_prompt_tps = timings.prompt_per_second;
    log.backend_generation_tps = timings.predicted_per_second;
  }
}
