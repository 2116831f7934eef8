import { describe, expect, it } from 'vitest';
import { messagesTranslation } from './messages-translation.ts';
import { TranslationError } from './translation.ts';

const request = messagesTranslation.request;

function errorOf(body: Record<string, unknown>): TranslationError {
  try {
    request(body);
  } catch (e) {
    if (e instanceof TranslationError) return e;
    throw e;
  }
  throw new Error('no TranslationError');
}

describe('messagesTranslation.request', () => {
  it('maps system, sampling fields and stop sequences, and drops metadata', () => {
    const chat = request({
      model: 'm',
      system: [
        { type: 'text', text: 'Be terse.' },
        { type: 'text', text: 'Answer in French.', cache_control: { type: 'ephemeral' } },
      ],
      messages: [{ role: 'user', content: 'Say hello' }],
      max_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      metadata: { user_id: 'u1' },
    });
    expect(chat).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be terse.\n\nAnswer in French.' },
        { role: 'user', content: 'Say hello' },
      ],
      max_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop: ['END'],
    });
  });

  it('asks a stream for usage', () => {
    const chat = request({ model: 'm', max_tokens: 8, stream: true, system: 'S', messages: [{ role: 'user', content: 'x' }] });
    expect(chat.stream).toBe(true);
    expect(chat.stream_options).toEqual({ include_usage: true });
    expect(chat.messages).toEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'x' },
    ]);
  });

  it('sends images as image_url parts, base64 as a data URL', () => {
    const chat = request({
      model: 'm',
      max_tokens: 8,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    expect(chat.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
  });

  it('maps tools, tool_use and tool_result into a chat tool-call round trip', () => {
    const chat = request({
      model: 'm',
      max_tokens: 100,
      tools: [
        { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        { name: 'get_time', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [
        { role: 'user', content: 'Weather and time in Paris?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'two tools', signature: 'sig' },
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'Sunny' }, { type: 'text', text: '21 C' }] },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'clock broke', is_error: true },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
    });
    expect(chat.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
    ]);
    expect(chat.tool_choice).toBe('required');
    expect(chat.parallel_tool_calls).toBe(false);
    expect(chat.messages).toEqual([
      { role: 'user', content: 'Weather and time in Paris?' },
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny\n21 C' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: clock broke' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  it('maps every tool_choice type', () => {
    const tools = [{ name: 't', input_schema: { type: 'object' } }];
    const choice = (tool_choice: unknown) => request({ model: 'm', max_tokens: 1, messages: [], tools, tool_choice }).tool_choice;
    expect(choice({ type: 'auto' })).toBe('auto');
    expect(choice({ type: 'any' })).toBe('required');
    expect(choice({ type: 'none' })).toBe('none');
    expect(choice({ type: 'tool', name: 't' })).toEqual({ type: 'function', function: { name: 't' } });
    expect(errorOf({ model: 'm', messages: [], tools, tool_choice: { type: 'sometimes' } }).param).toBe('tool_choice.type');
  });

  it('refuses what a chat backend cannot take, naming the field', () => {
    const user = (content: unknown) => ({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }, { role: 'user', content }] });
    expect(errorOf(user([{ type: 'document', source: { type: 'text', data: 'x' } }])).param).toBe('messages[1].content[0].type');
    expect(errorOf(user([{ type: 'image', source: { type: 'file', file_id: 'f' } }])).param).toBe('messages[1].content[0].source.type');
    expect(errorOf(user([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: {} }] }])).param).toBe(
      'messages[1].content[0].content[0].type',
    );
    expect(errorOf({ model: 'm', messages: [{ role: 'system', content: 'x' }] }).param).toBe('messages[0].role');
    expect(errorOf({ model: 'm' }).param).toBe('messages');
    expect(errorOf({ model: 'm', messages: [], tools: [{ type: 'web_search_20250305', name: 'web_search' }] }).param).toBe('tools[0].type');
    const e = errorOf({ model: 'm', messages: [], system: [{ type: 'image' }] });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('TranslationError');
    expect(e.param).toBe('system[0].type');
  });
});
