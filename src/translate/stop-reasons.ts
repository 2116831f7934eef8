/**
 * Why generation ended, from a chat `finish_reason` to each API's own vocabulary.
 * vLLM also reports the matched stop string as `stop_reason`; llama.cpp does not, so there a
 * stop-sequence hit reads as a natural end, as it does in vLLM's own Messages endpoint.
 */

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export function anthropicStop(
  finishReason: string | null | undefined,
  matched?: string | number | null,
): { stop_reason: AnthropicStopReason; stop_sequence: string | null } {
  switch (finishReason) {
    case 'length':
      return { stop_reason: 'max_tokens', stop_sequence: null };
    case 'tool_calls':
    case 'function_call':
      return { stop_reason: 'tool_use', stop_sequence: null };
    case 'content_filter':
      return { stop_reason: 'refusal', stop_sequence: null };
    case 'stop':
      return typeof matched === 'string' ? { stop_reason: 'stop_sequence', stop_sequence: matched } : { stop_reason: 'end_turn', stop_sequence: null };
    default:
      // a vLLM `abort` or an absent reason: the turn is over and nothing says otherwise
      return { stop_reason: 'end_turn', stop_sequence: null };
  }
}

export interface ResponsesEnd {
  status: 'completed' | 'incomplete';
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
}

export function responsesEnd(finishReason: string | null | undefined): ResponsesEnd {
  if (finishReason === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}
