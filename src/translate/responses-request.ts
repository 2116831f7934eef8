import type { ChatMessage } from './chat-types.ts';
import { copyFields, requireString } from './field-readers.ts';
import { inputToChat } from './responses-input.ts';
import { formatToChat, toolChoiceToChat, toolsToChat } from './responses-tools.ts';
import { TranslationError } from './translation.ts';

/**
 * A Responses request as a chat request. The gateway keeps no responses, so whatever needs one
 * stored (`previous_response_id`, `conversation`, `background`, stored `prompt` templates) is
 * refused; `store` is ignored, as vLLM does without its store. `include`, `reasoning`,
 * `truncation`, `metadata`, `user` and the like have no chat counterpart and are dropped.
 */
export function responsesRequest(body: Record<string, unknown>): Record<string, unknown> {
  refuseStateful(body);
  const chat: Record<string, unknown> = { model: body.model };
  const messages: ChatMessage[] = [];
  if (body.instructions !== undefined && body.instructions !== null) {
    messages.push({ role: 'system', content: requireString(body.instructions, 'instructions') });
  }
  if (body.input === undefined || body.input === null) throw new TranslationError("'input' is required.", 'input');
  messages.push(...inputToChat(body.input));
  chat.messages = messages;
  copyFields(body, chat, { max_output_tokens: 'max_tokens', temperature: 'temperature', top_p: 'top_p', parallel_tool_calls: 'parallel_tool_calls' });
  if (body.tools !== undefined && body.tools !== null) {
    const tools = toolsToChat(body.tools);
    if (tools.length > 0) {
      chat.tools = tools;
      if (body.tool_choice !== undefined && body.tool_choice !== null) chat.tool_choice = toolChoiceToChat(body.tool_choice);
    }
  }
  const format = formatToChat(body.text);
  if (format) chat.response_format = format;
  if (body.stream === true) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  return chat;
}

const STATEFUL: Array<[string, (value: unknown) => boolean, string]> = [
  ['previous_response_id', isSet, "previous_response_id needs the earlier response stored, and this model's gateway stores none: send the whole conversation in 'input'."],
  ['conversation', isSet, "Conversations need responses stored, and this model's gateway stores none: send the whole conversation in 'input'."],
  ['background', (v) => v === true, "Background mode needs the response stored, and this model's gateway stores none."],
  ['prompt', isSet, "Stored prompt templates are not available for this model: send 'instructions' and 'input'."],
];

function refuseStateful(body: Record<string, unknown>): void {
  for (const [param, used, message] of STATEFUL) if (used(body[param])) throw new TranslationError(message, param);
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}
