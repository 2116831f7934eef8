/**
 * vLLM's Responses requests (`responses/serving.py`): pydantic errors, the model check, the
 * store-less refusals (`background`, `previous_response_id`), and the context limit. Instructions
 * and input become chat messages under Qwen's template.
 */
import type { GenRequest, Parsed } from './flavor.ts';
import { readBool, responsesMessages } from './request-fields.ts';
import { vllmError } from './vllm-http.ts';
import { asInt, badRequest, checkVllmModel, contextError, fieldErrors, vllmChatPrompt, type VllmRoute } from './validate-vllm.ts';

/** The sampling defaults of Qwen2.5-Instruct's generation_config.json, echoed when the request sets none. */
const DEFAULT_TEMPERATURE = 0.7;
const DEFAULT_TOP_P = 0.8;

export function validateVllmResponses(
  body: Record<string, unknown>, route: VllmRoute, limits: { model: string; maxModelLen: number },
): Parsed<GenRequest> {
  const fail = (response: Response): Parsed<GenRequest> => ({ ok: false, response });
  const errors = fieldErrors(body, 'input', ['max_output_tokens']);
  if (errors.length > 0) return fail(badRequest(route, errors));
  const wrongModel = checkVllmModel(body, limits.model);
  if (wrongModel) return fail(wrongModel);
  // Without VLLM_ENABLE_RESPONSES_API_STORE=1 nothing is stored.
  if (body.background === true) {
    const message = 'This vLLM engine does not support `store=True` and therefore does not support the background mode. To enable these features, set the environment variable `VLLM_ENABLE_RESPONSES_API_STORE=1` when launching the vLLM server.';
    return fail(vllmError(400, message, 'invalid_request_error', 'background'));
  }
  if (typeof body.previous_response_id === 'string') {
    return fail(vllmError(404, `Response with id '${body.previous_response_id}' not found.`, 'invalid_request_error', 'response_id'));
  }
  const { seedText, promptTokens } = vllmChatPrompt(responsesMessages(body.instructions, body.input));
  const maxTokens = asInt(body.max_output_tokens);
  const tooLong = contextError(limits.maxModelLen, promptTokens, maxTokens);
  if (tooLong) return fail(tooLong);
  const number = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);
  return {
    ok: true,
    value: {
      endpoint: 'responses', stream: readBool(body.stream), includeUsage: false, continuousUsage: false,
      seedText, promptTokens, maxTokens, stop: [], n: 1,
      requestId: typeof body.request_id === 'string' ? body.request_id : null,
      echo: {
        instructions: typeof body.instructions === 'string' ? body.instructions : null,
        maxOutputTokens: maxTokens ?? limits.maxModelLen - promptTokens,
        temperature: number(body.temperature, DEFAULT_TEMPERATURE),
        topP: number(body.top_p, DEFAULT_TOP_P),
        text: body.text ?? null,
      },
    },
  };
}
