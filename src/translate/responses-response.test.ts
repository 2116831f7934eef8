import { describe, expect, it } from 'vitest';
import { responsesTranslation } from './responses-translation.ts';
import { CTX } from './translate.test-support.ts';

function chat(message: Record<string, unknown>, finish: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
    usage: { prompt_tokens: 13, completion_tokens: 8, total_tokens: 21, prompt_tokens_details: { cached_tokens: 12 } },
  };
}

describe('responsesTranslation.response', () => {
  it('turns a text completion into a completed Response', () => {
    const body = responsesTranslation.response(chat({ content: 'Hello!' }, 'stop'), CTX);
    expect(body).toMatchObject({
      id: 'resp_req1',
      object: 'response',
      created_at: CTX.now,
      status: 'completed',
      error: null,
      incomplete_details: null,
      model: 'client-model',
      output: [{ type: 'message', id: 'msg_req1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello!', annotations: [], logprobs: [] }] }],
      usage: { input_tokens: 13, input_tokens_details: { cached_tokens: 12 }, output_tokens: 8, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 21 },
    });
  });

  it('reports the token limit as incomplete, and a content filter too', () => {
    expect(responsesTranslation.response(chat({ content: 'Hel' }, 'length'), CTX)).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(responsesTranslation.response(chat({ content: '' }, 'content_filter'), CTX)).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } });
  });

  it('turns tool calls into function_call items after the message', () => {
    const body = responsesTranslation.response(
      chat(
        {
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        },
        'tool_calls',
      ),
      CTX,
    );
    expect(body.status).toBe('completed');
    expect(body.output).toEqual([
      { id: 'fc_req1_0', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { id: 'fc_req1_1', type: 'function_call', status: 'completed', call_id: 'call_2', name: 'get_time', arguments: '{}' },
    ]);
  });
});
