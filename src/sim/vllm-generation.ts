/** The common path of a vLLM generation request (chat, completions, Responses, Messages). */
import { generate } from './engine.ts';
import type { Handler } from './fastapi-route.ts';
import type { GenRequest, Parsed } from './flavor.ts';
import { handleGeneration, type SimCore } from './sim-core.ts';
import { vllmError } from './vllm-http.ts';
import { checkVllmContentType, parseVllmJson, type VllmRoute } from './validate-vllm.ts';

export function vllmGeneration(core: SimCore, route: VllmRoute, validate: (body: Record<string, unknown>, raw: Request) => Parsed<GenRequest>): Handler {
  return (c) => {
    const raw = c.req.raw;
    return handleGeneration<GenRequest>(core, raw, {
      precheck: checkVllmContentType,
      parse: (text) => parseVllmJson(text, route),
      validate: (body) => validate(body, raw),
      invalidFault: (message) => vllmError(400, message, 'BadRequestError'),
      run: (req, fault, ticket) => generate(core.env, req, raw, fault, ticket),
    });
  };
}
