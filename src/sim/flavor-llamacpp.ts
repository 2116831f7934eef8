/** llama.cpp (llama-server b10108) as a flavour: its transport and, per API, its wire. */
import type { ApiWire, Flavor, GenEndpoint } from './flavor.ts';
import { llamaGenerationError, llamaJson, llamaStatusError } from './llamacpp-http.ts';
import { llamaMessagesWire } from './wire-llamacpp-messages.ts';
import { llamaChatWire, llamaCompletionsWire } from './wire-llamacpp-openai.ts';
import { llamaResponsesWire } from './wire-llamacpp-responses.ts';

const WIRES: Record<GenEndpoint, ApiWire> = {
  chat: llamaChatWire,
  completions: llamaCompletionsWire,
  responses: llamaResponsesWire,
  messages: llamaMessagesWire,
};

export const llamacppFlavor: Flavor = {
  name: 'llamacpp',
  headersAtFirstToken: true,
  leadWithFirstToken: true,
  // Each engine result (e.g. the finish and usage events) goes out in one write.
  eventPerWrite: false,
  createdPerChunk: true,
  json: llamaJson,
  sse(body) {
    const headers = new Headers({ 'X-Accel-Buffering': 'no', Server: 'llama.cpp', 'Content-Type': 'text/event-stream' });
    return new Response(body, { status: 200, headers });
  },
  statusError: llamaStatusError,
  generationError: llamaGenerationError,
  wire: (endpoint) => WIRES[endpoint],
};
