import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error.ts';
import { toAnthropicErrorBody } from '../errors/to-error-response.ts';
import { messagesTranslation } from './messages-translation.ts';
import { byteStream, chatSse, CTX, delta, fakeFetch, jsonResponse, sseResponse, toolDelta, usageChunk } from './translate.test-support.ts';

/** The official SDK, talking to a fetch that plays gateway: request → chat request, scripted chat answer → translated answer. */
function client(answer: (chat: Record<string, unknown>) => Response) {
  const fake = fakeFetch((body) => answer(messagesTranslation.request(body)));
  return { sdk: new Anthropic({ apiKey: 'k', baseURL: 'http://gateway.test', fetch: fake.fetch, maxRetries: 0 }), bodies: fake.bodies };
}

const streamOf = (chunks: Array<Record<string, unknown> | string>, cuts: number[] = []) =>
  sseResponse(messagesTranslation.stream(byteStream(chatSse(chunks), cuts), CTX));

const TOOLS: Anthropic.Tool[] = [
  { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
  { name: 'get_time', input_schema: { type: 'object', properties: { tz: { type: 'string' } } } },
];

const TOOL_STREAM = [
  delta({ role: 'assistant', content: 'Checking' }),
  toolDelta(0, { id: 'call_a', name: 'get_weather', args: '' }),
  toolDelta(1, { id: 'call_b', name: 'get_time', args: '{"tz":' }),
  toolDelta(0, { args: '{"city":' }),
  toolDelta(1, { args: '"CET"}' }),
  toolDelta(0, { args: '"Paris"}' }),
  delta({}, 'tool_calls'),
  usageChunk(20, 30),
  'data: [DONE]\n\n',
];

describe('@anthropic-ai/sdk reads the translated answers', () => {
  it('messages.create: a tool-use Message', async () => {
    const { sdk, bodies } = client((chat) => {
      expect(chat.tools).toHaveLength(2);
      return jsonResponse(
        messagesTranslation.response(
          {
            choices: [
              {
                message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
                finish_reason: 'tool_calls',
              },
            ],
            usage: { prompt_tokens: 5, completion_tokens: 7 },
          },
          CTX,
        ),
      );
    });
    const message = await sdk.messages.create({ model: 'client-model', max_tokens: 50, tools: TOOLS, messages: [{ role: 'user', content: 'Weather?' }] });
    expect(bodies[0]?.model).toBe('client-model');
    expect(message).toMatchObject({
      id: 'msg_req1',
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Paris' } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 5, output_tokens: 7 },
    });
  });

  it('messages.create({stream: true}): every event parses, in order', async () => {
    const { sdk } = client((chat) => {
      expect(chat.stream_options).toEqual({ include_usage: true });
      return streamOf([delta({ role: 'assistant', content: null }), delta({ content: 'Hi' }), delta({}, 'stop'), usageChunk(4, 1), 'data: [DONE]\n\n']);
    });
    const stream = await sdk.messages.create({ model: 'client-model', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'Hello' }] });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(text).toBe('Hi');
  });

  it('messages.stream().finalMessage(): text and two interleaved tool calls, from a stream cut into pieces', async () => {
    for (const cuts of [[], [1, 2, 3, 50, 51, 333, 334, 600], Array.from({ length: 120 }, (_, i) => i * 7)]) {
      const { sdk } = client(() => streamOf(TOOL_STREAM, cuts));
      const message = await sdk.messages.stream({ model: 'client-model', max_tokens: 50, tools: TOOLS, messages: [{ role: 'user', content: 'Weather and time?' }] }).finalMessage();
      expect(message).toMatchObject({
        id: 'msg_req1',
        model: 'client-model',
        content: [
          { type: 'text', text: 'Checking' },
          { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_b', name: 'get_time', input: { tz: 'CET' } },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 20, output_tokens: 30 },
      });
    }
  });

  it('a backend error mid-stream, or a cut stream, rejects with an APIError', async () => {
    const { sdk } = client(() => streamOf([delta({ content: 'Hel' }), { error: { code: 500, message: 'backend died', type: 'server_error' } }]));
    const failed = sdk.messages.stream({ model: 'client-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    await expect(failed).rejects.toBeInstanceOf(Anthropic.APIError);
    await expect(failed).rejects.toMatchObject({ error: { type: 'error', error: { type: 'api_error', message: 'backend died' } } });

    const cut = client(() => streamOf([delta({ content: 'Hel' })]));
    await expect(cut.sdk.messages.stream({ model: 'client-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).finalMessage()).rejects.toBeInstanceOf(
      Anthropic.APIError,
    );
  });

  it("the gateway's Anthropic error body is read as the matching SDK error", async () => {
    const { sdk } = client(() => jsonResponse(toAnthropicErrorBody(new GatewayError({ status: 404, message: 'no such model' })), 404));
    const failed = sdk.messages.create({ model: 'client-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    await expect(failed).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    await expect(failed).rejects.toMatchObject({ status: 404, type: 'not_found_error', error: { error: { message: 'no such model' } } });
  });
});
