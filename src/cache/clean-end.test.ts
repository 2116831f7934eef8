import { describe, expect, it } from 'vitest';
import { bodyIsComplete, streamEndedCleanly, tailText } from './clean-end.ts';

const enc = new TextEncoder();

describe('[node] is a stream a complete answer', () => {
  it('needs its API’s final event', () => {
    expect(streamEndedCleanly('chat', 'data: {"choices":[]}\n\ndata: [DONE]\n\n')).toBe(true);
    expect(streamEndedCleanly('chat', 'data: {"choices":[]}\n\n')).toBe(false);
    expect(streamEndedCleanly('responses', 'event: response.completed\ndata: {}\n\n')).toBe(true);
    expect(streamEndedCleanly('messages', 'event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
    expect(streamEndedCleanly('embeddings', 'data: [DONE]\n\n')).toBe(false);
  });

  it('an error event or an aborted generation is never complete', () => {
    expect(streamEndedCleanly('chat', 'data: {"error": {"message": "Internal server error"}}\n\ndata: [DONE]\n\n')).toBe(false);
    expect(streamEndedCleanly('chat', 'data: {"choices":[{"finish_reason":"abort"}]}\n\ndata: [DONE]\n\n')).toBe(false);
    expect(streamEndedCleanly('messages', 'event: error\ndata: {"type":"error"}\n\nevent: message_stop\n\n')).toBe(false);
    expect(bodyIsComplete('{"choices":[{"finish_reason": "abort"}]}')).toBe(false);
    expect(bodyIsComplete('{"choices":[{"finish_reason":"stop"}]}')).toBe(true);
  });

  it('reads the last chunks, a character split between two included', () => {
    const bytes = enc.encode('data: "€"\n\ndata: [DONE]\n\n');
    expect(tailText([bytes.subarray(0, 8), bytes.subarray(8)])).toBe('data: "€"\n\ndata: [DONE]\n\n');
  });
});
