import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { startChatOnlyBackend, type ChatOnlyBackend } from './chat-only-backend.ts';

const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Weather in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];

describe('[node] translation: the Anthropic and OpenAI SDKs against a chat-only backend', () => {
  let backend: ChatOnlyBackend;
  let gw: GatewayProcess;
  let anthropic: Anthropic;
  let openai: OpenAI;
  beforeAll(async () => {
    backend = await startChatOnlyBackend();
    gw = await startGatewayProcess(`version: 1
models:
  - name: chatonly
    backend: openai
    backend_url: ${backend.server.url}/v1
    translate: [messages, responses]
`);
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    gw?.stop();
    await backend?.server.close();
  });

  it('[node] messages.create, non-stream and stream: text, system prompt, stop reason and usage mapped', async () => {
    const msg = await anthropic.messages.create({ model: 'chatonly', max_tokens: 20, system: 'Be kind.', messages: [{ role: 'user', content: 'Hi' }] });
    expect(msg).toMatchObject({ type: 'message', role: 'assistant', model: 'chatonly', stop_reason: 'end_turn', usage: { input_tokens: 11, output_tokens: 5 } });
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello there, friend.' }]);
    expect(backend.bodies.at(-1)).toMatchObject({ messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hi' }], max_tokens: 20 });

    const stream = anthropic.messages.stream({ model: 'chatonly', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
    const deltas: string[] = [];
    stream.on('text', (t) => deltas.push(t));
    const final = await stream.finalMessage();
    expect(deltas.join('')).toBe('Hello there, friend.');
    expect(final).toMatchObject({ stop_reason: 'end_turn', usage: { output_tokens: 5 } });
    // the gateway's own accounting saw the tokens
    const line = await gw.waitForLog((r) => r.msg === 'request' && r.path === '/v1/messages' && r.stream === true);
    expect(line).toMatchObject({ status: 200, prompt_tokens: 11, completion_tokens: 5 });
  });

  it('[node] a tool call round trip: tool_use out, tool_result back in, non-stream and stream', async () => {
    const first = await anthropic.messages.create({ model: 'chatonly', max_tokens: 50, tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    expect(use).toMatchObject({ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } });
    expect(backend.bodies.at(-1)?.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: tools[0]!.input_schema } }]);

    const streamed = await anthropic.messages.stream({ model: 'chatonly', max_tokens: 50, tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] }).finalMessage();
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.content.find((b) => b.type === 'tool_use')).toMatchObject({ id: 'call_1', name: 'get_weather', input: { city: 'Paris' } });

    const second = await anthropic.messages.create({
      model: 'chatonly',
      max_tokens: 50,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'sunny, 21°C' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'It is sunny, 21°C.' }]);
    const sent = backend.bodies.at(-1)?.messages as Record<string, unknown>[];
    expect(sent.slice(1)).toMatchObject([
      { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21°C' },
    ]);
  });

  it('[node] a backend dying mid-stream becomes an Anthropic error event the SDK raises', async () => {
    const stream = anthropic.messages.stream({ model: 'chatonly', max_tokens: 20, messages: [{ role: 'user', content: 'please die' }] });
    await expect(stream.finalMessage()).rejects.toThrow(/failed mid-stream|died|error/i);
  });

  it('[node] responses.create, non-stream and stream, including a function call', async () => {
    const res = await openai.responses.create({ model: 'chatonly', input: 'Hi', instructions: 'Be kind.', max_output_tokens: 20 });
    expect(res.output_text).toBe('Hello there, friend.');
    expect(res.usage).toMatchObject({ input_tokens: 11, output_tokens: 5, total_tokens: 16 });
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const ev of await openai.responses.create({ model: 'chatonly', input: 'Hi', stream: true })) {
      if (ev.type === 'response.output_text.delta') text += ev.delta;
      if (ev.type === 'response.completed') completed = ev.response;
    }
    expect(text).toBe('Hello there, friend.');
    expect(completed?.status).toBe('completed');
    const call = await openai.responses.create({
      model: 'chatonly',
      input: 'Weather in Paris?',
      tools: [{ type: 'function', name: 'get_weather', parameters: tools[0]!.input_schema as Record<string, unknown>, strict: false }],
    });
    expect(call.output.find((o) => o.type === 'function_call')).toMatchObject({ name: 'get_weather', call_id: 'call_1', arguments: '{"city":"Paris"}' });
  });

  it('[node] count_tokens is not translated: a 400 in Anthropic shape naming what the model serves', async () => {
    const err = await anthropic.messages.countTokens({ model: 'chatonly', messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(String((err as Error).message)).toContain('it serves: chat, completions, messages, responses');
  });
});
