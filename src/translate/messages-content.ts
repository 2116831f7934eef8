import type { ChatContentPart, ChatMessage, ChatToolCall } from './chat-types.ts';
import { isRecord, requireArray, requireRecord, requireString } from './field-readers.ts';
import { TranslationError } from './translation.ts';

/**
 * One Anthropic message as chat messages. A user turn's `tool_result` blocks become `tool`
 * messages placed before the rest of the turn, since chat wants them right after the
 * assistant's tool calls; an assistant turn's `tool_use` blocks become its `tool_calls`.
 */
export function messageToChat(value: unknown, param: string): ChatMessage[] {
  const message = requireRecord(value, param);
  const role = message.role;
  if (role !== 'user' && role !== 'assistant') throw new TranslationError(`${param}.role must be 'user' or 'assistant'.`, `${param}.role`);
  const content = message.content;
  if (typeof content === 'string') return [role === 'user' ? { role: 'user', content } : { role: 'assistant', content }];
  const blocks = requireArray(content, `${param}.content`).map((block, i) => requireRecord(block, `${param}.content[${i}]`));
  return role === 'user' ? userTurn(blocks, `${param}.content`) : [assistantTurn(blocks, `${param}.content`)];
}

function userTurn(blocks: Record<string, unknown>[], param: string): ChatMessage[] {
  const tools: ChatMessage[] = [];
  const parts: ChatContentPart[] = [];
  blocks.forEach((block, i) => {
    const at = `${param}[${i}]`;
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: requireString(block.text, `${at}.text`) });
        break;
      case 'image':
        parts.push(imagePart(block, at));
        break;
      case 'tool_result':
        tools.push(toolResult(block, at));
        break;
      default:
        throw unsupportedBlock(block.type, at);
    }
  });
  if (parts.length === 0) return tools;
  const only = parts[0];
  const content = parts.length === 1 && only?.type === 'text' ? only.text : parts;
  return [...tools, { role: 'user', content }];
}

function assistantTurn(blocks: Record<string, unknown>[], param: string): ChatMessage {
  let text = '';
  const calls: ChatToolCall[] = [];
  blocks.forEach((block, i) => {
    const at = `${param}[${i}]`;
    switch (block.type) {
      case 'text':
        text += requireString(block.text, `${at}.text`);
        break;
      case 'tool_use':
        calls.push({
          id: requireString(block.id, `${at}.id`),
          type: 'function',
          function: { name: requireString(block.name, `${at}.name`), arguments: JSON.stringify(block.input ?? {}) },
        });
        break;
      case 'thinking':
      case 'redacted_thinking':
        // a chat backend takes no reasoning back; the answer it led to is in the other blocks
        break;
      default:
        throw unsupportedBlock(block.type, at);
    }
  });
  if (calls.length === 0) return { role: 'assistant', content: text };
  return { role: 'assistant', content: text === '' ? null : text, tool_calls: calls };
}

function imagePart(block: Record<string, unknown>, param: string): ChatContentPart {
  const source = requireRecord(block.source, `${param}.source`);
  if (source.type === 'base64') {
    const mediaType = requireString(source.media_type, `${param}.source.media_type`);
    const data = requireString(source.data, `${param}.source.data`);
    return { type: 'image_url', image_url: { url: `data:${mediaType};base64,${data}` } };
  }
  if (source.type === 'url') return { type: 'image_url', image_url: { url: requireString(source.url, `${param}.source.url`) } };
  throw new TranslationError(`Image source type '${String(source.type)}' cannot be sent to this model; use base64 or url.`, `${param}.source.type`);
}

function toolResult(block: Record<string, unknown>, param: string): ChatMessage {
  const id = requireString(block.tool_use_id, `${param}.tool_use_id`);
  let text = toolResultText(block.content, `${param}.content`);
  // chat has no error flag on a tool message: the model can only learn it from the text
  if (block.is_error === true) text = `Error: ${text}`;
  return { role: 'tool', tool_call_id: id, content: text };
}

function toolResultText(content: unknown, param: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  return requireArray(content, param)
    .map((part, i) => {
      const at = `${param}[${i}]`;
      if (!isRecord(part) || part.type !== 'text') {
        const type = isRecord(part) ? part.type : typeof part;
        throw new TranslationError(`A tool_result can only hold text for this model, not '${String(type)}'.`, `${at}.type`);
      }
      return requireString(part.text, `${at}.text`);
    })
    .join('\n');
}

function unsupportedBlock(type: unknown, param: string): TranslationError {
  return new TranslationError(`Content block type '${String(type)}' cannot be sent to this model.`, `${param}.type`);
}
