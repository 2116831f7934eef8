import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.ts';
import type { SseEvent } from './sse-parser.ts';

const encoder = new TextEncoder();

function parse(text: string, cuts: number[] = []): SseEvent[] {
  const bytes = encoder.encode(text);
  const parser = new SseParser();
  const events: SseEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...parser.push(bytes.slice(from, cut)));
    from = cut;
  }
  return [...events, ...parser.end()];
}

describe('SseParser', () => {
  it('reads data events, event names and multi-line data', () => {
    const text = 'data: {"a":1}\n\nevent: ping\ndata: x\n\ndata: one\ndata: two\n\n';
    expect(parse(text)).toEqual([
      { event: null, data: '{"a":1}' },
      { event: 'ping', data: 'x' },
      { event: null, data: 'one\ntwo' },
    ]);
  });

  it('ignores comments, id and retry fields, and events without data', () => {
    const text = ': keep-alive\n\n:\n\nid: 7\nretry: 10\ndata: kept\n\nevent: empty\n\n';
    expect(parse(text)).toEqual([{ event: null, data: 'kept' }]);
  });

  it('accepts \\r\\n and bare \\r line ends', () => {
    expect(parse('data: a\r\n\r\ndata: b\r\rdata:c\n\n')).toEqual([
      { event: null, data: 'a' },
      { event: null, data: 'b' },
      { event: null, data: 'c' },
    ]);
  });

  it('gives the same events however the bytes are cut, inside \\r\\n and UTF-8 characters too', () => {
    const text = 'data: héllo 漢字 🎉\r\n\r\n: c\r\nevent: e\r\ndata: a\r\ndata: b\r\n\r\ndata: [DONE]\n\n';
    const whole = parse(text);
    expect(whole).toEqual([
      { event: null, data: 'héllo 漢字 🎉' },
      { event: 'e', data: 'a\nb' },
      { event: null, data: '[DONE]' },
    ]);
    const length = encoder.encode(text).length;
    for (let cut = 1; cut < length; cut++) expect(parse(text, [cut]), `cut at ${cut}`).toEqual(whole);
    for (let a = 1; a < length; a += 3) for (let b = a + 1; b < length; b += 5) expect(parse(text, [a, b])).toEqual(whole);
  });

  it('keeps a last event whose blank line never came', () => {
    expect(parse('data: 1\n\ndata: [DONE]')).toEqual([
      { event: null, data: '1' },
      { event: null, data: '[DONE]' },
    ]);
  });
});
