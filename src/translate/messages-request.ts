import type { ChatMessage } from './chat-types.ts';
import { copyFields, isRecord, requireArray, requireString } from './field-readers.ts';
import { messageToChat } from './messages-content.ts';
import { toolChoiceToChat, toolsToChat } from './messages-tools.ts';
import { TranslationError } from './translation.ts';

/**
 * An Anthropic Messages request as a chat request. `metadata`, `thinking`, `service_tier` and
 * cache_control markers have no chat counterpart and are dropped; MCP servers would need the
 * gateway to run them, so they are refused.
 */
export function messagesRequest(body: Record<string, unknown>): Record<string, unknown> {
  const chat: Record<string, unknown> = { model: body.model };
  const messages: ChatMessage[] = [];
  const system = systemText(body.system);
  if (system !== undefined) messages.push({ role: 'system', content: system });
  requireArray(body.messages, 'messages').forEach((message, i) => messages.push(...messageToChat(message, `messages[${i}]`)));
  chat.messages = messages;
  copyFields(body, chat, { max_tokens: 'max_tokens', temperature: 'temperature', top_p: 'top_p', top_k: 'top_k', stop_sequences: 'stop' });
  if (Array.isArray(body.mcp_servers) && body.mcp_servers.length > 0) {
    throw new TranslationError('MCP servers cannot be used with this model.', 'mcp_servers');
  }
  if (body.tools !== undefined && body.tools !== null) {
    const tools = toolsToChat(body.tools);
    if (tools.length > 0) {
      chat.tools = tools;
      if (body.tool_choice !== undefined && body.tool_choice !== null) Object.assign(chat, toolChoiceToChat(body.tool_choice));
    }
  }
  if (body.stream === true) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  return chat;
}

function systemText(system: unknown): string | undefined {
  if (system === undefined || system === null) return undefined;
  if (typeof system === 'string') return system;
  return requireArray(system, 'system')
    .map((block, i) => {
      if (!isRecord(block) || block.type !== 'text') throw new TranslationError('system blocks must be text blocks.', `system[${i}].type`);
      return requireString(block.text, `system[${i}].text`);
    })
    .join('\n\n');
}
