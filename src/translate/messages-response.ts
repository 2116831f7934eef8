import type { ChatResponse } from './chat-types.ts';
import { readUsage } from './chat-usage.ts';
import { isRecord } from './field-readers.ts';
import { anthropicStop } from './stop-reasons.ts';
import type { TranslateContext } from './translation.ts';

/** A chat completion as an Anthropic Message: the text block first, then one `tool_use` block per tool call. */
export function messagesResponse(chat: Record<string, unknown>, ctx: TranslateContext): Record<string, unknown> {
  const { choices, usage } = chat as ChatResponse;
  const choice = choices?.[0];
  const content: Array<Record<string, unknown>> = [];
  const text = choice?.message?.content;
  if (typeof text === 'string' && text !== '') content.push({ type: 'text', text });
  (choice?.message?.tool_calls ?? []).forEach((call, i) => {
    content.push({
      type: 'tool_use',
      id: call.id ?? `toolu_${ctx.requestId}_${i}`,
      name: call.function?.name ?? '',
      input: parseToolInput(call.function?.arguments),
    });
  });
  const counts = readUsage(usage);
  return {
    id: `msg_${ctx.requestId}`,
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content,
    ...anthropicStop(choice?.finish_reason, choice?.stop_reason),
    usage: { input_tokens: counts.input, output_tokens: counts.output },
  };
}

/** `input` must be an object; a model that wrote no arguments or broken JSON gets an empty one. */
function parseToolInput(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : {};
  } catch {
    return {};
  }
}
