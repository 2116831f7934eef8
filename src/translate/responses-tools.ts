import type { ChatTool, ChatToolChoice } from './chat-types.ts';
import { isRecord, optionalString, requireArray, requireRecord, requireString } from './field-readers.ts';
import { TranslationError } from './translation.ts';

/** Function tools as chat tools. Hosted tools (web search, file search, …) run at OpenAI; no backend here can. */
export function toolsToChat(value: unknown): ChatTool[] {
  return requireArray(value, 'tools').map((item, i) => {
    const tool = requireRecord(item, `tools[${i}]`);
    if (tool.type !== 'function') {
      throw new TranslationError(`Tool type '${String(tool.type)}' cannot be used with this model; only function tools can.`, `tools[${i}].type`);
    }
    const fn: ChatTool['function'] = { name: requireString(tool.name, `tools[${i}].name`) };
    const description = optionalString(tool.description, `tools[${i}].description`);
    if (description !== undefined) fn.description = description;
    if (tool.parameters !== undefined && tool.parameters !== null) fn.parameters = tool.parameters;
    if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
    return { type: 'function', function: fn };
  });
}

export function toolChoiceToChat(value: unknown): ChatToolChoice {
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (isRecord(value) && value.type === 'function') {
    return { type: 'function', function: { name: requireString(value.name, 'tool_choice.name') } };
  }
  throw new TranslationError('tool_choice must be auto, none, required or a function.', 'tool_choice');
}

/** `text.format` as chat `response_format`; plain text needs none. */
export function formatToChat(text: unknown): Record<string, unknown> | undefined {
  if (!isRecord(text) || !isRecord(text.format)) return undefined;
  const format = text.format;
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const schema: Record<string, unknown> = { name: requireString(format.name, 'text.format.name'), schema: format.schema };
      if (typeof format.description === 'string') schema.description = format.description;
      if (typeof format.strict === 'boolean') schema.strict = format.strict;
      return { type: 'json_schema', json_schema: schema };
    }
    default:
      throw new TranslationError(`text.format type '${String(format.type)}' cannot be used with this model.`, 'text.format.type');
  }
}
