import type { EndpointName } from '../proxy/endpoints.ts';
import { stableJson } from './stable-json.ts';

export { sha256Hex as hashKey } from '../crypto/sha256.ts';

/** Fields that never change the answer: who asks, how the answer is delivered, ids. */
const EXCLUDED = new Set(['model', 'stream', 'stream_options', 'user', 'metadata', 'request_id', 'safety_identifier', 'prompt_cache_key', 'service_tier', 'store']);
/** APIs that sample nothing: the same request always gets the same answer. */
const DETERMINISTIC = new Set<EndpointName>(['embeddings', 'rerank', 'score', 'tokenize', 'detokenize', 'count_tokens']);

export interface KeyInput {
  /** The model's namespace and version (see model-cache.ts). */
  namespace: string;
  version: string;
  endpoint: EndpointName;
  stream: boolean;
  /** The caller, when entries are per key; null when the model's callers share them. */
  caller: string | null;
  /** The body as the backend gets it (buildUpstreamBody: the model's defaults and system prompt in it). */
  body: Readonly<Record<string, unknown>>;
  /** Anthropic's version and beta headers, which change a Messages answer. */
  anthropic?: readonly (string | null)[];
}

/**
 * Whether a request gets the same answer every time: an API that samples nothing, or
 * `temperature: 0`, or a `seed`; asking for several choices (`n`, `best_of` above 1) needs a seed.
 */
export function isDeterministic(endpoint: EndpointName, body: Readonly<Record<string, unknown>>): boolean {
  if (DETERMINISTIC.has(endpoint)) return true;
  const seeded = typeof body.seed === 'number';
  if (!seeded && (above1(body.n) || above1(body.best_of))) return false;
  return seeded || body.temperature === 0;
}

function above1(v: unknown): boolean {
  return typeof v === 'number' && v > 1;
}

/** The text a request's key is the hash of: stable JSON of everything that changes the answer. */
export function keyMaterial(input: KeyInput): string {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.body)) {
    // null means "the default" in these APIs, as an absent field does
    if (!EXCLUDED.has(k) && v !== null && v !== undefined) body[k] = v;
  }
  return stableJson({ v: 1, ns: input.namespace, version: input.version, api: input.endpoint, stream: input.stream, caller: input.caller, anthropic: input.anthropic ?? null, body });
}
