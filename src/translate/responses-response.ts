import type { ChatResponse } from './chat-types.ts';
import { readUsage } from './chat-usage.ts';
import { functionCallId, functionCallItem, messageId, messageItem, responseObject } from './responses-envelope.ts';
import { responsesEnd } from './stop-reasons.ts';
import type { TranslateContext } from './translation.ts';

/** A chat completion as a Response: a message item (when there is text, or nothing else), then one function_call item per tool call. */
export function responsesResponse(chat: Record<string, unknown>, ctx: TranslateContext): Record<string, unknown> {
  const { choices, usage } = chat as ChatResponse;
  const choice = choices?.[0];
  const text = choice?.message?.content ?? '';
  const calls = choice?.message?.tool_calls ?? [];
  const output: Array<Record<string, unknown>> = [];
  if (text !== '' || calls.length === 0) output.push(messageItem(messageId(ctx, 0), 'completed', text));
  calls.forEach((call, i) => {
    output.push(
      functionCallItem(functionCallId(ctx, i), 'completed', {
        callId: call.id ?? `call_${ctx.requestId}_${i}`,
        name: call.function?.name ?? '',
        args: call.function?.arguments ?? '',
      }),
    );
  });
  return responseObject(ctx, { ...responsesEnd(choice?.finish_reason), output, usage: readUsage(usage) });
}
