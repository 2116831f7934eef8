import type { ApiName } from '../config/model-apis.ts';
import type { ModelEntry } from '../config/snapshot.ts';

interface Endpoint {
  /** the gateway's path, and the backend's (the same on llama-server and vLLM) */
  path: string;
  label: string;
  /** the capability a model must have */
  api: ApiName;
  /** `stream: true` in the body gives SSE */
  streams: boolean;
}

export const endpoints = {
  chat: { path: '/v1/chat/completions', label: 'chat completions', api: 'chat', streams: true },
  completions: { path: '/v1/completions', label: 'text completions', api: 'completions', streams: true },
  embeddings: { path: '/v1/embeddings', label: 'embeddings', api: 'embeddings', streams: false },
  responses: { path: '/v1/responses', label: 'the Responses API', api: 'responses', streams: true },
  messages: { path: '/v1/messages', label: 'the Anthropic Messages API', api: 'messages', streams: true },
  count_tokens: { path: '/v1/messages/count_tokens', label: 'Anthropic token counting', api: 'messages', streams: false },
  rerank: { path: '/v1/rerank', label: 'rerank', api: 'rerank', streams: false },
  score: { path: '/v1/score', label: 'score', api: 'score', streams: false },
  tokenize: { path: '/tokenize', label: 'tokenize', api: 'tokenize', streams: false },
  detokenize: { path: '/detokenize', label: 'detokenize', api: 'tokenize', streams: false },
} as const satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof endpoints;

/** How a model serves an endpoint: passed through, translated to chat, or not at all. */
export function endpointMode(model: ModelEntry, endpoint: EndpointName): 'native' | 'translate' | null {
  const api = endpoints[endpoint].api;
  if (model.nativeApis.includes(api)) return 'native';
  // count_tokens has no chat equivalent to translate to
  if (endpoint !== 'count_tokens' && (model.translate as readonly string[]).includes(api)) return 'translate';
  return null;
}

/** What a model answers, for the error that names it. */
export function servedLabels(model: ModelEntry): string {
  const apis = [...model.nativeApis, ...model.translate];
  return apis.length ? apis.join(', ') : 'nothing';
}

/**
 * `http://h:8000` and `https://h/v1` both give `.../v1/chat/completions`; paths outside
 * `/v1` (`/tokenize`) hang off the server's root.
 */
export function upstreamUrl(baseUrl: string, endpoint: EndpointName): string {
  const base = baseUrl.replace(/\/+$/, '');
  const root = base.endsWith('/v1') ? base.slice(0, -3) : base;
  return root + endpoints[endpoint].path;
}
