import type { ChatTool, ChatToolChoice } from './chat-types.ts';
import { optionalString, requireArray, requireRecord, requireString } from './field-readers.ts';
import { TranslationError } from './translation.ts';

/** Anthropic client tools as chat functions. Server tools (web search, code execution, …) run at Anthropic; no backend here can. */
export function toolsToChat(value: unknown): ChatTool[] {
  return requireArray(value, 'tools').map((item, i) => {
    const tool = requireRecord(item, `tools[${i}]`);
    if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
      throw new TranslationError(`Tool type '${String(tool.type)}' runs on Anthropic's servers and cannot be used with this model.`, `tools[${i}].type`);
    }
    const fn: ChatTool['function'] = { name: requireString(tool.name, `tools[${i}].name`) };
    const description = optionalString(tool.description, `tools[${i}].description`);
    if (description !== undefined) fn.description = description;
    fn.parameters = tool.input_schema ?? { type: 'object', properties: {} };
    return { type: 'function', function: fn };
  });
}

export interface ChatToolSettings {
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
}

/** `auto` → auto, `any` → required, `tool` → that function, `none` → none. */
export function toolChoiceToChat(value: unknown): ChatToolSettings {
  const choice = requireRecord(value, 'tool_choice');
  const settings: ChatToolSettings = {};
  switch (choice.type) {
    case 'auto':
      settings.tool_choice = 'auto';
      break;
    case 'any':
      settings.tool_choice = 'required';
      break;
    case 'none':
      settings.tool_choice = 'none';
      break;
    case 'tool':
      settings.tool_choice = { type: 'function', function: { name: requireString(choice.name, 'tool_choice.name') } };
      break;
    default:
      throw new TranslationError(`tool_choice type '${String(choice.type)}' is not one of auto, any, tool, none.`, 'tool_choice.type');
  }
  if (choice.disable_parallel_tool_use === true) settings.parallel_tool_calls = false;
  return settings;
}
