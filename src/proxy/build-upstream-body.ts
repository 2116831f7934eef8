import type { ModelEntry } from '../config/snapshot.ts';
import type { EndpointName } from './endpoints.ts';

/**
 * The body sent upstream: the client's fields untouched, `model` rewritten to the
 * backend's name, config defaults for fields the client omitted, and the model's
 * system prompt when the client sent none (a system message, Anthropic's `system`, the
 * Responses API's `instructions`).
 */
export function buildUpstreamBody(
  model: ModelEntry,
  endpoint: EndpointName,
  body: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body, model: model.upstreamModel };
  for (const [k, v] of Object.entries(model.defaults)) {
    if (out[k] === undefined || out[k] === null) out[k] = v;
  }
  const prompt = model.system_prompt;
  if (prompt === undefined) return out;
  if (endpoint === 'chat' && Array.isArray(body.messages)) {
    const hasSystem = body.messages.some((m: unknown) => isRole(m, 'system') || isRole(m, 'developer'));
    if (!hasSystem) out.messages = [{ role: 'system', content: prompt }, ...body.messages];
  } else if ((endpoint === 'messages' || endpoint === 'count_tokens') && body.system === undefined) out.system = prompt;
  else if (endpoint === 'responses' && (body.instructions === undefined || body.instructions === null)) out.instructions = prompt;
  return out;
}

function isRole(m: unknown, role: string): boolean {
  return typeof m === 'object' && m !== null && (m as { role?: unknown }).role === role;
}

/**
 * The upstream JSON of one request for each model of its chain, built on first use (a
 * fallback's only if it is tried). A class: one per request, no closures.
 */
export class UpstreamBodies {
  private firstModel: ModelEntry | null = null;
  private firstText = '';
  private others: Map<ModelEntry, string> | null = null;

  constructor(
    private readonly endpoint: EndpointName,
    private readonly body: Readonly<Record<string, unknown>>,
    /** set: the gateway asks for usage the client did not (its own accounting) */
    private readonly streamOptions: Record<string, unknown> | null,
  ) {}

  for(model: ModelEntry): string {
    if (this.firstModel === model) return this.firstText;
    const known = this.others?.get(model);
    if (known !== undefined) return known;
    const out = buildUpstreamBody(model, this.endpoint, this.body);
    if (this.streamOptions) out.stream_options = this.streamOptions;
    const text = JSON.stringify(out);
    if (this.firstModel === null) {
      this.firstModel = model;
      this.firstText = text;
    } else (this.others ??= new Map()).set(model, text);
    return text;
  }
}
