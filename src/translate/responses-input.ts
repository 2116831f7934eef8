import type { ChatContentPart, ChatMessage } from './chat-types.ts';
import { isRecord, requireArray, requireRecord, requireString } from './field-readers.ts';
import { TranslationError } from './translation.ts';

/**
 * Responses `input` as chat messages. Consecutive `function_call` items join the assistant
 * message before them as its `tool_calls` (parallel calls are one chat turn);
 * `function_call_output` items become `tool` messages. `developer` is sent as `system`, which
 * every chat template knows.
 */
export function inputToChat(input: unknown): ChatMessage[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  const messages: ChatMessage[] = [];
  requireArray(input, 'input').forEach((value, i) => {
    const param = `input[${i}]`;
    const item = requireRecord(value, param);
    const type = item.type ?? 'message';
    switch (type) {
      case 'message':
        messages.push(messageItem(item, param));
        break;
      case 'function_call':
        addToolCall(messages, item, param);
        break;
      case 'function_call_output':
        messages.push({
          role: 'tool',
          tool_call_id: requireString(item.call_id, `${param}.call_id`),
          content: toolOutput(item.output, `${param}.output`),
        });
        break;
      case 'reasoning':
        // a chat backend takes no reasoning back; the answer it led to is in the other items
        break;
      default:
        throw new TranslationError(`Input item type '${String(type)}' cannot be sent to this model.`, `${param}.type`);
    }
  });
  return messages;
}

function messageItem(item: Record<string, unknown>, param: string): ChatMessage {
  const role = item.role;
  switch (role) {
    case 'user':
      return { role: 'user', content: userContent(item.content, `${param}.content`) };
    case 'assistant':
      return { role: 'assistant', content: textContent(item.content, `${param}.content`, '') };
    case 'system':
    case 'developer':
      return { role: 'system', content: textContent(item.content, `${param}.content`, '\n\n') };
    default:
      throw new TranslationError(`${param}.role must be user, assistant, system or developer.`, `${param}.role`);
  }
}

function addToolCall(messages: ChatMessage[], item: Record<string, unknown>, param: string): void {
  const call = {
    id: requireString(item.call_id, `${param}.call_id`),
    type: 'function' as const,
    function: { name: requireString(item.name, `${param}.name`), arguments: typeof item.arguments === 'string' ? item.arguments : '{}' },
  };
  const last = messages[messages.length - 1];
  if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
  else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
}

function userContent(content: unknown, param: string): string | ChatContentPart[] {
  if (typeof content === 'string') return content;
  const parts = requireArray(content, param).map((value, i): ChatContentPart => {
    const at = `${param}[${i}]`;
    const part = requireRecord(value, at);
    if (part.type === 'input_text' || part.type === 'output_text') return { type: 'text', text: requireString(part.text, `${at}.text`) };
    if (part.type === 'input_image') {
      if (typeof part.image_url !== 'string') throw new TranslationError('Only images given by image_url can be sent to this model.', `${at}.image_url`);
      const image: { url: string; detail?: string } = { url: part.image_url };
      if (typeof part.detail === 'string') image.detail = part.detail;
      return { type: 'image_url', image_url: image };
    }
    throw new TranslationError(`Content part type '${String(part.type)}' cannot be sent to this model.`, `${at}.type`);
  });
  const only = parts[0];
  return parts.length === 1 && only?.type === 'text' ? only.text : parts;
}

/** Roles whose chat content is one string: their text parts joined. */
function textContent(content: unknown, param: string, separator: string): string {
  if (typeof content === 'string') return content;
  return requireArray(content, param)
    .map((value, i) => {
      const at = `${param}[${i}]`;
      const part = requireRecord(value, at);
      if (part.type === 'input_text' || part.type === 'output_text') return requireString(part.text, `${at}.text`);
      if (part.type === 'refusal') return requireString(part.refusal, `${at}.refusal`);
      throw new TranslationError(`Content part type '${String(part.type)}' cannot be sent to this model here.`, `${at}.type`);
    })
    .join(separator);
}

function toolOutput(output: unknown, param: string): string {
  if (typeof output === 'string') return output;
  return requireArray(output, param)
    .map((part, i) => {
      if (!isRecord(part) || part.type !== 'input_text') {
        throw new TranslationError('A function_call_output can only hold text for this model.', `${param}[${i}].type`);
      }
      return requireString(part.text, `${param}[${i}].text`);
    })
    .join('\n');
}
