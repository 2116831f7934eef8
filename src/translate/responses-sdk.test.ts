import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error.ts';
import { toErrorBody } from '../errors/to-error-response.ts';
import { responsesTranslation } from './responses-translation.ts';
import { byteStream, chatSse, CTX, delta, fakeFetch, jsonResponse, sseResponse, toolDelta, usageChunk } from './translate.test-support.ts';

/** The official SDK, talking to a fetch that plays gateway: request → chat request, scripted chat answer → translated answer. */
function client(answer: (chat: Record<string, unknown>) => Response) {
  const fake = fakeFetch((body) => answer(responsesTranslation.request(body)));
  return new OpenAI({ apiKey: 'k', baseURL: 'http://gateway.test/v1', fetch: fake.fetch, maxRetries: 0 });
}

const streamOf = (chunks: Array<Record<string, unknown> | string>, cuts: number[] = []) =>
  sseResponse(responsesTranslation.stream(byteStream(chatSse(chunks), cuts), CTX));

const TOOLS: OpenAI.Responses.FunctionTool[] = [
  { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false },
  { type: 'function', name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } }, strict: false },
];

describe('openai reads the translated Responses answers', () => {
  it('responses.create: a text Response, with output_text', async () => {
    const sdk = client((chat) => {
      expect(chat.messages).toEqual([
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Say hello' },
      ]);
      return jsonResponse(responsesTranslation.response({ choices: [{ message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 2 } }, CTX));
    });
    const response = await sdk.responses.create({ model: 'client-model', instructions: 'Be terse.', input: 'Say hello' });
    expect(response.output_text).toBe('Hello!');
    expect(response).toMatchObject({ id: 'resp_req1', status: 'completed', usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7 } });
  });

  it('responses.create({stream: true}): every event parses, numbered in order', async () => {
    const sdk = client((chat) => {
      expect(chat.stream_options).toEqual({ include_usage: true });
      return streamOf([delta({ role: 'assistant', content: '' }), delta({ content: 'Hi' }), delta({ content: ' there' }), delta({}, 'stop'), usageChunk(4, 2), 'data: [DONE]\n\n']);
    });
    const stream = await sdk.responses.create({ model: 'client-model', input: 'Hello', stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const last = events.at(-1);
    expect(last?.type).toBe('response.completed');
    if (last?.type !== 'response.completed') throw new Error('unreachable');
    expect(last.response.output).toEqual([{ id: 'msg_req1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hi there', annotations: [], logprobs: [] }] }]);
  });

  it('responses.stream().finalResponse(): text and two interleaved tool calls, from a stream cut into pieces', async () => {
    const chunks = [
      delta({ role: 'assistant', content: 'Checking' }),
      toolDelta(0, { id: 'call_a', name: 'get_weather', args: '' }),
      toolDelta(1, { id: 'call_b', name: 'get_time', args: '{"tz":' }),
      toolDelta(0, { args: '{"city":"Paris"}' }),
      toolDelta(1, { args: '"CET"}' }),
      delta({}, 'tool_calls'),
      usageChunk(20, 30),
      'data: [DONE]\n\n',
    ];
    for (const cuts of [[], Array.from({ length: 150 }, (_, i) => i * 5)]) {
      const sdk = client((chat) => {
        expect(chat.tools).toHaveLength(2);
        return streamOf(chunks, cuts);
      });
      const response = await sdk.responses.stream({ model: 'client-model', input: 'Weather and time?', tools: TOOLS }).finalResponse();
      expect(response).toMatchObject({
        id: 'resp_req1',
        status: 'completed',
        output_text: 'Checking',
        output: [
          { type: 'message', id: 'msg_req1', status: 'completed', content: [{ type: 'output_text', text: 'Checking' }] },
          { type: 'function_call', id: 'fc_req1_0', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
          { type: 'function_call', id: 'fc_req1_1', call_id: 'call_b', name: 'get_time', arguments: '{"tz":"CET"}', status: 'completed' },
        ],
        usage: { input_tokens: 20, output_tokens: 30, total_tokens: 50 },
      });
    }
  });

  it('a backend error mid-stream ends the parsed stream with response.failed', async () => {
    const sdk = client(() => streamOf([delta({ content: 'Hel' }), { error: { code: 500, message: 'backend died', type: 'server_error' } }]));
    const response = await sdk.responses.stream({ model: 'client-model', input: 'x' }).finalResponse();
    expect(response).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'backend died' } });
    expect(response.output_text).toBe('Hel');
  });

  it("the gateway's OpenAI error body is read as the matching SDK error", async () => {
    const sdk = client(() => jsonResponse(toErrorBody(new GatewayError({ status: 404, message: 'no such model', code: 'model_not_found' })), 404));
    const failed = sdk.responses.create({ model: 'client-model', input: 'x' });
    await expect(failed).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(failed).rejects.toMatchObject({ status: 404, code: 'model_not_found', type: 'not_found_error' });
  });
});
