/** The client APIs a model can serve; each is one or more gateway routes (see proxy/endpoints.ts). */
export const apiNames = ['chat', 'completions', 'responses', 'messages', 'embeddings', 'rerank', 'score', 'tokenize'] as const;
export type ApiName = (typeof apiNames)[number];

/** APIs the gateway can serve by translating to chat completions for a backend that lacks them. */
export const translatableApis = ['messages', 'responses'] as const;
export type TranslatableApi = (typeof translatableApis)[number];

interface ApiFacts {
  backend?: string;
  format: string;
  apis?: readonly ApiName[];
  translate: readonly TranslatableApi[];
}

/**
 * What a model serves natively when its config does not list `apis`: what the server behind it
 * serves. llama-server and vLLM serve chat, completions, Responses, Anthropic Messages and
 * tokenize on a chat model; any other OpenAI-compatible server is only trusted with chat and
 * completions. An API the model translates is served by translation, not natively.
 */
export function nativeApis(m: ApiFacts): ApiName[] {
  if (m.apis) return [...m.apis];
  const known = m.backend === 'llamacpp' || m.backend === 'vllm' || m.backend === 'sim';
  const tokenize: ApiName[] = known ? ['tokenize'] : [];
  let apis: ApiName[];
  if (m.format === 'embeddings') apis = ['embeddings', ...tokenize];
  else if (m.format === 'rerank') apis = ['rerank', ...(m.backend === 'vllm' ? (['score'] as const) : []), ...tokenize];
  else if (m.format === 'completions') apis = ['completions', ...tokenize];
  else apis = known ? ['chat', 'completions', 'responses', 'messages', 'tokenize'] : ['chat', 'completions'];
  return apis.filter((a) => !(m.translate as readonly string[]).includes(a));
}

/** Every API a model answers: native ones and translated ones. */
export function servedApis(m: ApiFacts): ApiName[] {
  return [...nativeApis(m), ...m.translate];
}
