import { describe, expect, it } from 'vitest';
import { messagesTranslation } from './messages-translation.ts';
import { byteStream, chatSse, CTX, delta, outEvents, readText, toolDelta, usageChunk } from './translate.test-support.ts';

const translate = (text: string, cuts: number[] = []) => readText(messagesTranslation.stream(byteStream(text, cuts), CTX));

// llama-server's shape: role event with content null, token events, a finish event with an empty delta, then usage
const TEXT_STREAM = chatSse([
  delta({ role: 'assistant', content: null }),
  delta({ content: 'Hé' }),
  ': keep-alive\n\n',
  delta({ content: 'llo 🎉' }),
  delta({}, 'length'),
  usageChunk(13, 2),
  'data: [DONE]\n\n',
]);

const MESSAGE_START = {
  event: 'message_start',
  data: {
    type: 'message_start',
    message: {
      id: 'msg_req1',
      type: 'message',
      role: 'assistant',
      model: 'client-model',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    },
  },
};

describe('messagesTranslation.stream', () => {
  it('turns a text stream into the Anthropic event sequence', async () => {
    expect(outEvents(await translate(TEXT_STREAM))).toEqual([
      MESSAGE_START,
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hé' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'llo 🎉' } } },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      {
        event: 'message_delta',
        data: { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { input_tokens: 13, output_tokens: 2 } },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
  });

  it('gives the same output wherever the input bytes are cut, and with \\r\\n line ends', async () => {
    const whole = await translate(TEXT_STREAM);
    const length = new TextEncoder().encode(TEXT_STREAM).length;
    for (let cut = 1; cut < length; cut++) expect(await translate(TEXT_STREAM, [cut]), `cut at ${cut}`).toBe(whole);
    expect(await translate(TEXT_STREAM, Array.from({ length }, (_, i) => i))).toBe(whole);
    const crlf = TEXT_STREAM.replaceAll('\n', '\r\n');
    expect(await translate(crlf)).toBe(whole);
    expect(await translate(crlf, [5, 80, 81, 82, 200])).toBe(whole);
  });

  it('sends two interleaved tool calls as two sequential tool_use blocks', async () => {
    const events = outEvents(
      await translate(
        chatSse([
          delta({ role: 'assistant', content: 'Checking' }),
          toolDelta(0, { id: 'call_a', name: 'get_weather', args: '' }),
          toolDelta(1, { id: 'call_b', name: 'get_time', args: '{"tz":' }),
          toolDelta(0, { args: '{"city":' }),
          toolDelta(1, { args: '"CET"}' }),
          toolDelta(0, { args: '"Paris"}' }),
          delta({}, 'tool_calls'),
          usageChunk(20, 30),
          'data: [DONE]\n\n',
        ]),
      ),
    );
    expect(events.map((e) => [e.event, e.data.index])).toEqual([
      ['message_start', undefined],
      ['content_block_start', 0],
      ['content_block_delta', 0],
      ['content_block_stop', 0],
      ['content_block_start', 1],
      ['content_block_delta', 1],
      ['content_block_delta', 1],
      ['content_block_stop', 1],
      ['content_block_start', 2],
      ['content_block_delta', 2],
      ['content_block_stop', 2],
      ['message_delta', undefined],
      ['message_stop', undefined],
    ]);
    expect(events[4]?.data.content_block).toEqual({ type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} });
    const json = (index: number) =>
      events
        .filter((e) => e.event === 'content_block_delta' && e.data.index === index)
        .map((e) => (e.data.delta as { partial_json: string }).partial_json)
        .join('');
    expect(JSON.parse(json(1))).toEqual({ city: 'Paris' });
    expect(events[8]?.data.content_block).toEqual({ type: 'tool_use', id: 'call_b', name: 'get_time', input: {} });
    expect(JSON.parse(json(2))).toEqual({ tz: 'CET' });
    expect(events[11]?.data.delta).toEqual({ stop_reason: 'tool_use', stop_sequence: null });
  });

  it('ends with an error event at a backend error chunk, llama.cpp style (no [DONE]) and vLLM style ([DONE] after)', async () => {
    const head = [delta({ role: 'assistant', content: '' }), delta({ content: 'Hel' })];
    const llama = chatSse([...head, { error: { code: 500, message: 'The model produced output that does not match', type: 'server_error' } }]);
    const vllm = chatSse([...head, { error: { message: 'Internal server error', type: 'InternalServerError', param: null, code: 500 } }, 'data: [DONE]\n\n']);
    const gatewayOverloaded = chatSse([...head, { error: { message: 'no backend', type: 'server_error', code: 'backend_unavailable' } }]);
    for (const [input, type, message] of [
      [llama, 'api_error', 'The model produced output that does not match'],
      [vllm, 'api_error', 'Internal server error'],
      [gatewayOverloaded, 'overloaded_error', 'no backend'],
    ] as const) {
      const events = outEvents(await translate(input));
      expect(events.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'error']);
      expect(events[3]?.data).toEqual({ type: 'error', error: { type, message } });
    }
  });

  it('reports a stream that ends before its finish as an error, and one that ends after it as complete', async () => {
    const cut = outEvents(await translate(chatSse([delta({ role: 'assistant', content: 'Hel' })])));
    expect(cut.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'error']);
    expect(cut[3]?.data.error).toMatchObject({ type: 'api_error' });
    const finishedNoDone = outEvents(await translate(chatSse([delta({ content: 'Hi' }), delta({}, 'stop'), usageChunk(3, 1)])));
    expect(finishedNoDone.map((e) => e.event).slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(finishedNoDone.at(-2)?.data.usage).toEqual({ input_tokens: 3, output_tokens: 1 });
    const garbled = outEvents(await translate('data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: <html>\n\n'));
    expect(garbled.at(-1)?.event).toBe('error');
  });

  it('emits no content block for a stream whose first token ends it', async () => {
    const events = outEvents(await translate(chatSse([delta({ role: 'assistant', content: null }), delta({}, 'stop'), 'data: [DONE]\n\n'])));
    expect(events.map((e) => e.event)).toEqual(['message_start', 'message_delta', 'message_stop']);
  });

  it('cancels the backend stream when the client cancels, and reads it to its end rather than cancelling when done', async () => {
    let cancelled: unknown = null;
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(chatSse([delta({ content: 'a' })])));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const reader = messagesTranslation.stream(source, CTX).getReader();
    await reader.read();
    await reader.cancel('client left');
    expect(cancelled).toBe('client left');

    let pulledToEnd = false;
    let cancelledAfterDone = false;
    const parts = [chatSse([delta({ content: 'a' }, 'stop'), 'data: [DONE]\n\n']), ''];
    const finished = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next === undefined) {
          pulledToEnd = true;
          controller.close();
        } else controller.enqueue(new TextEncoder().encode(next));
      },
      cancel() {
        cancelledAfterDone = true;
      },
    });
    const text = await readText(messagesTranslation.stream(finished, CTX));
    expect(outEvents(text).at(-1)?.event).toBe('message_stop');
    await new Promise((r) => setTimeout(r, 10));
    expect(pulledToEnd).toBe(true);
    expect(cancelledAfterDone).toBe(false);
  });
});
