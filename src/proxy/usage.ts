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
 * The last `"usage":{...}` object in a response body or stream tail, found without parsing
 * the whole body (embeddings bodies can be large). Chat, completions and embeddings count
 * `prompt_tokens`/`completion_tokens`; Responses and Anthropic Messages `input_tokens`/
 * `output_tokens` (Anthropic's input excludes cached tokens, counted apart); vLLM's rerank
 * only `total_tokens`. A streamed Anthropic message gives its input tokens in its first
 * event only: pass that as `head`.
 */
export function extractUsage(text: string, head?: () => string): Usage | null {
  const u = lastObject(text, 'usage') as Record<string, unknown> | null;
  if (!u) return null;
  if (n(u.prompt_tokens) !== undefined) {
    const prompt = n(u.prompt_tokens)!;
    const completion = n(u.completion_tokens) ?? 0;
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: n(u.total_tokens) ?? prompt + completion };
  }
  const output = n(u.output_tokens);
  if (output !== undefined || n(u.input_tokens) !== undefined) {
    // the first usage of the stream is message_start's (a short stream's head may hold them all)
    const input = anthropicInput(u) ?? (head ? anthropicInput(objectAt(head(), 'usage', 'first') as Record<string, unknown> | null) : undefined) ?? 0;
    return { prompt_tokens: input, completion_tokens: output ?? 0, total_tokens: input + (output ?? 0) };
  }
  const total = n(u.total_tokens);
  return total === undefined ? null : { prompt_tokens: total, completion_tokens: 0, total_tokens: total };
}

function anthropicInput(u: Record<string, unknown> | null): number | undefined {
  if (!u || typeof u.input_tokens !== 'number') return undefined;
  return u.input_tokens + extra(u.cache_read_input_tokens) + extra(u.cache_creation_input_tokens);
}

export function extractTimings(text: string): Timings | null {
  const t = lastObject(text, 'timings') as Record<string, unknown> | null;
  if (!t) return null;
  return { prompt_per_second: speed(t.prompt_per_second), predicted_per_second: speed(t.predicted_per_second) };
}

// helpers at module level, not closures made per call: this runs for every proxied request
function n(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function extra(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function speed(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 10) / 10 : undefined;
}

function lastObject(text: string, key: string): unknown {
  return objectAt(text, key, 'last');
}

function objectAt(text: string, key: string, which: 'first' | 'last'): unknown {
  const at = which === 'last' ? text.lastIndexOf(`"${key}"`) : text.indexOf(`"${key}"`);
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
export function recordUsage(log: RequestLog, text: string, head?: () => string): void {
  const usage = extractUsage(text, head);
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
