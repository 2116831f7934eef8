/** The common path of a llama-server generation request (chat, completions, Responses, Messages). */
import { generate } from './engine.ts';
import type { GenRequest, Parsed } from './flavor.ts';
import { llamaError } from './llamacpp-http.ts';
import { handleGeneration, type SimCore } from './sim-core.ts';
import { parseLlamaJson } from './validate-llamacpp.ts';

export function llamaGeneration(core: SimCore, validate: (body: Record<string, unknown>) => Parsed<GenRequest>) {
  return (raw: Request): Promise<Response> =>
    handleGeneration<GenRequest>(core, raw, {
      // An --embeddings (or --reranking) server cannot generate.
      precheck: () => (core.options.embeddings ? llamaError(500, 'the current context does not logits computation. skipping', 'server_error') : null),
      parse: parseLlamaJson,
      validate,
      invalidFault: (message) => llamaError(400, message, 'invalid_request_error'),
      run: (req, fault, ticket) => generate(core.env, req, raw, fault, ticket),
    });
}
