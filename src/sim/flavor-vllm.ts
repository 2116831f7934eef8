/** vLLM (0.21-era OpenAI server) as a flavour: its transport and, per API, its wire. */
import type { ApiWire, Flavor, GenEndpoint } from './flavor.ts';
import { vllmGenerationError, vllmJson, vllmSse, vllmStatusError } from './vllm-http.ts';
import { vllmMessagesWire } from './wire-vllm-messages.ts';
import { vllmChatWire, vllmCompletionsWire } from './wire-vllm-openai.ts';
import { vllmResponsesWire } from './wire-vllm-responses.ts';

const WIRES: Record<GenEndpoint, ApiWire> = {
  chat: vllmChatWire,
  completions: vllmCompletionsWire,
  responses: vllmResponsesWire,
  messages: vllmMessagesWire,
};

export const vllmFlavor: Flavor = {
  name: 'vllm',
  // Starlette sends 200 and the headers as soon as the handler returns the generator.
  headersAtFirstToken: false,
  leadWithFirstToken: false,
  eventPerWrite: true,
  createdPerChunk: false,
  json: vllmJson,
  sse: vllmSse,
  statusError: (status, retryAfter) => vllmStatusError(status, retryAfter),
  generationError: vllmGenerationError,
  wire: (endpoint) => WIRES[endpoint],
};
