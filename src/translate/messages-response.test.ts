import { describe, expect, it } from 'vitest';
import { messagesTranslation } from './messages-translation.ts';
import { CTX } from './translate.test-support.ts';

function chat(message: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'backend-name',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish, ...extra }],
    usage: { prompt_tokens: 9, completion_tokens: 8, total_tokens: 17, prompt_tokens_details: { cached_tokens: 4 } },
  };
}

describe('messagesTranslation.response', () => {
  it('turns a text completion into a Message', () => {
    expect(messagesTranslation.response(chat({ content: 'Hello!' }, 'length'), CTX)).toEqual({
      id: 'msg_req1',
      type: 'message',
      role: 'assistant',
      model: 'client-model',
      content: [{ type: 'text', text: 'Hello!' }],
      stop_reason: 'max_tokens',
      stop_sequence: null,
      usage: { input_tokens: 9, output_tokens: 8 },
    });
  });

  it('turns tool calls into tool_use blocks with parsed input', () => {
    const body = messagesTranslation.response(
      chat(
        {
          content: 'Checking.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
            { id: 'call_3', type: 'function', function: { name: 'broken', arguments: '{"a":' } },
          ],
        },
        'tool_calls',
      ),
      CTX,
    );
    expect(body.content).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
      { type: 'tool_use', id: 'call_3', name: 'broken', input: {} },
    ]);
    expect(body.stop_reason).toBe('tool_use');
  });

  it('maps every finish_reason', () => {
    const stop = (finish: string | null, extra: Record<string, unknown> = {}) => {
      const body = messagesTranslation.response(chat({ content: '' }, finish, extra), CTX);
      return [body.stop_reason, body.stop_sequence];
    };
    expect(stop('stop')).toEqual(['end_turn', null]);
    expect(stop('length')).toEqual(['max_tokens', null]);
    expect(stop('tool_calls')).toEqual(['tool_use', null]);
    expect(stop('content_filter')).toEqual(['refusal', null]);
    expect(stop(null)).toEqual(['end_turn', null]);
    // vLLM names the stop string it matched; a stop token id is not a stop sequence
    expect(stop('stop', { stop_reason: 'END' })).toEqual(['stop_sequence', 'END']);
    expect(stop('stop', { stop_reason: 151645 })).toEqual(['end_turn', null]);
  });

  it('gives an empty content list for an empty answer and zero usage when none came', () => {
    const body = messagesTranslation.response({ choices: [{ message: { content: null }, finish_reason: 'stop' }] }, CTX);
    expect(body.content).toEqual([]);
    expect(body.usage).toEqual({ input_tokens: 0, output_tokens: 0 });
  });
});
