import { describe, expect, it } from 'vitest';
import { responsesTranslation } from './responses-translation.ts';
import { byteStream, chatSse, CTX, delta, outEvents, readText, toolDelta, usageChunk } from './translate.test-support.ts';

const translate = (text: string, cuts: number[] = []) => readText(responsesTranslation.stream(byteStream(text, cuts), CTX));

const TEXT_STREAM = chatSse([
  delta({ role: 'assistant', content: '' }),
  delta({ content: 'Hello' }),
  ':\n\n',
  delta({ content: ' wörld' }),
  delta({}, 'stop'),
  usageChunk(13, 2),
  'data: [DONE]\n\n',
]);

const TOOL_STREAM = chatSse([
  delta({ role: 'assistant', content: null }),
  toolDelta(0, { id: 'call_a', name: 'get_weather', args: '' }),
  toolDelta(1, { id: 'call_b', name: 'get_time', args: '{"tz":' }),
  toolDelta(0, { args: '{"city":"Paris"}' }),
  toolDelta(1, { args: '"CET"}' }),
  delta({}, 'tool_calls'),
  usageChunk(20, 30),
  'data: [DONE]\n\n',
]);

describe('responsesTranslation.stream', () => {
  it('turns a text stream into the Responses event sequence, numbered from 0', async () => {
    const events = outEvents(await translate(TEXT_STREAM));
    expect(events.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    events.forEach((e, i) => {
      expect(e.data.type).toBe(e.event);
      expect(e.data.sequence_number).toBe(i);
    });
    expect(events[0]?.data.response).toMatchObject({ id: 'resp_req1', object: 'response', status: 'in_progress', model: 'client-model', output: [], usage: null });
    expect(events[2]?.data).toMatchObject({ output_index: 0, item: { id: 'msg_req1', type: 'message', status: 'in_progress', role: 'assistant', content: [] } });
    expect(events[3]?.data).toMatchObject({ item_id: 'msg_req1', output_index: 0, content_index: 0, part: { type: 'output_text', text: '' } });
    expect(events[5]?.data).toMatchObject({ item_id: 'msg_req1', output_index: 0, content_index: 0, delta: ' wörld' });
    expect(events[6]?.data).toMatchObject({ text: 'Hello wörld' });
    expect(events[8]?.data.item).toEqual({ id: 'msg_req1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello wörld', annotations: [], logprobs: [] }] });
    expect(events[9]?.data.response).toMatchObject({
      status: 'completed',
      output: [events[8]?.data.item],
      usage: { input_tokens: 13, output_tokens: 2, total_tokens: 15 },
    });
  });

  it('gives the same output wherever the input bytes are cut', async () => {
    for (const input of [TEXT_STREAM, TOOL_STREAM]) {
      const whole = await translate(input);
      const length = new TextEncoder().encode(input).length;
      for (let cut = 1; cut < length; cut++) expect(await translate(input, [cut]), `cut at ${cut}`).toBe(whole);
      expect(await translate(input.replaceAll('\n', '\r\n'), [7, 8, 9])).toBe(whole);
    }
  });

  it('sends two interleaved tool calls as two sequential function_call items', async () => {
    const events = outEvents(await translate(TOOL_STREAM));
    expect(events.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[2]?.data).toMatchObject({ output_index: 0, item: { type: 'function_call', id: 'fc_req1_0', call_id: 'call_a', name: 'get_weather', arguments: '', status: 'in_progress' } });
    expect(events[4]?.data).toMatchObject({ item_id: 'fc_req1_0', output_index: 0, name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(events[8]?.data).toMatchObject({ item_id: 'fc_req1_1', output_index: 1, name: 'get_time', arguments: '{"tz":"CET"}' });
    expect((events[10]?.data.response as { output: unknown[] }).output).toEqual([
      { id: 'fc_req1_0', type: 'function_call', status: 'completed', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { id: 'fc_req1_1', type: 'function_call', status: 'completed', call_id: 'call_b', name: 'get_time', arguments: '{"tz":"CET"}' },
    ]);
  });

  it('ends with response.incomplete at the token limit', async () => {
    const events = outEvents(await translate(chatSse([delta({ content: 'Hel' }), delta({}, 'length'), usageChunk(3, 1), 'data: [DONE]\n\n'])));
    expect(events.at(-1)).toMatchObject({ event: 'response.incomplete', data: { response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } } });
  });

  it('ends with response.failed at a backend error chunk or a stream cut short', async () => {
    const errored = outEvents(
      await translate(chatSse([delta({ content: 'Hel' }), { error: { message: 'Internal server error', type: 'InternalServerError', code: 500 } }, 'data: [DONE]\n\n'])),
    );
    expect(errored.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.failed',
    ]);
    expect(errored[5]?.data.response).toMatchObject({
      status: 'failed',
      error: { code: 'server_error', message: 'Internal server error' },
      output: [{ id: 'msg_req1', status: 'in_progress', content: [{ text: 'Hel' }] }],
    });
    const limited = outEvents(await translate(chatSse([{ error: { message: 'queue full', type: 'rate_limit_error', code: 'queue_full' } }])));
    expect(limited.at(-1)?.data.response).toMatchObject({ status: 'failed', error: { code: 'rate_limit_exceeded' } });
    const cut = outEvents(await translate(chatSse([delta({ content: 'Hel' })])));
    expect(cut.at(-1)).toMatchObject({ event: 'response.failed', data: { response: { status: 'failed', error: { code: 'server_error' } } } });
  });
});
