import { describe, expect, it } from 'vitest';
import { responsesTranslation } from './responses-translation.ts';
import { TranslationError } from './translation.ts';

const request = responsesTranslation.request;

function paramOf(body: Record<string, unknown>): string | undefined {
  try {
    request(body);
  } catch (e) {
    if (e instanceof TranslationError) return e.param;
    throw e;
  }
  throw new Error('no TranslationError');
}

describe('responsesTranslation.request', () => {
  it('maps string input, instructions, max_output_tokens and sampling; a stream asks for usage', () => {
    expect(
      request({ model: 'm', instructions: 'Be terse.', input: 'Say hello', max_output_tokens: 8, temperature: 0.5, top_p: 0.9, store: true, stream: true, metadata: { a: '1' }, user: 'u' }),
    ).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Say hello' },
      ],
      max_tokens: 8,
      temperature: 0.5,
      top_p: 0.9,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('maps message items of every role and part type', () => {
    const chat = request({
      model: 'm',
      input: [
        { role: 'developer', content: [{ type: 'input_text', text: 'Rules.' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Look:' }, { type: 'input_image', image_url: 'data:image/png;base64,AAA', detail: 'low' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'A cat.', annotations: [] }] },
        { role: 'system', content: 'Stay kind.' },
        { role: 'user', content: [{ type: 'input_text', text: 'Thanks' }] },
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'system', content: 'Rules.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA', detail: 'low' } },
        ],
      },
      { role: 'assistant', content: 'A cat.' },
      { role: 'system', content: 'Stay kind.' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  it('maps function tools, function_call and function_call_output items into a chat tool-call round trip', () => {
    const chat = request({
      model: 'm',
      tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true }],
      tool_choice: { type: 'function', name: 'get_weather' },
      parallel_tool_calls: true,
      input: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
        { type: 'function_call', id: 'fc_2', call_id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'Sunny' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'Rain' }] },
      ],
    });
    expect(chat.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } },
    ]);
    expect(chat.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(chat.parallel_tool_calls).toBe(true);
    expect(chat.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
      { role: 'tool', tool_call_id: 'call_2', content: 'Rain' },
    ]);
    const withText = request({
      model: 'm',
      input: [
        { role: 'assistant', content: 'Let me look.' },
        { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
      ],
    });
    expect(withText.messages).toEqual([{ role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }]);
    for (const choice of ['auto', 'none', 'required']) {
      expect(request({ model: 'm', input: 'x', tools: [{ type: 'function', name: 'f' }], tool_choice: choice }).tool_choice).toBe(choice);
    }
  });

  it('maps text.format to response_format', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    expect(request({ model: 'm', input: 'x', text: { format: { type: 'json_schema', name: 'num', schema, strict: true } } }).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'num', schema, strict: true },
    });
    expect(request({ model: 'm', input: 'x', text: { format: { type: 'json_object' } } }).response_format).toEqual({ type: 'json_object' });
    expect(request({ model: 'm', input: 'x', text: { format: { type: 'text' } } }).response_format).toBeUndefined();
  });

  it('refuses what needs stored state or hosted tools, naming the field', () => {
    expect(paramOf({ model: 'm', input: 'x', previous_response_id: 'resp_1' })).toBe('previous_response_id');
    expect(paramOf({ model: 'm', input: 'x', conversation: 'conv_1' })).toBe('conversation');
    expect(paramOf({ model: 'm', input: 'x', background: true })).toBe('background');
    expect(paramOf({ model: 'm' })).toBe('input');
    expect(paramOf({ model: 'm', input: 'x', tools: [{ type: 'web_search' }] })).toBe('tools[0].type');
    expect(paramOf({ model: 'm', input: 'x', tools: [{ type: 'function', name: 'f' }], tool_choice: { type: 'file_search' } })).toBe('tool_choice');
    expect(paramOf({ model: 'm', input: [{ type: 'item_reference', id: 'x' }] })).toBe('input[0].type');
    expect(paramOf({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] })).toBe('input[0].content[0].type');
    expect(paramOf({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'f' }] }] })).toBe('input[0].content[0].image_url');
    expect(paramOf({ model: 'm', input: [{ role: 'tool', content: 'x' }] })).toBe('input[0].role');
    expect(paramOf({ model: 'm', input: [{ type: 'function_call_output', call_id: 'c', output: [{ type: 'input_image' }] }] })).toBe('input[0].output[0].type');
  });
});
