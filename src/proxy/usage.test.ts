import { describe, expect, it } from 'vitest';
import { extractUsage } from './usage.ts';

describe('extractUsage, per API', () => {
  it('chat and completions: prompt and completion tokens', () => {
    expect(extractUsage('{"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}')).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it('Responses: input and output tokens (cached ones are part of input)', () => {
    expect(extractUsage('{"usage":{"input_tokens":13,"output_tokens":5,"total_tokens":18,"input_tokens_details":{"cached_tokens":12}}}')).toEqual({ prompt_tokens: 13, completion_tokens: 5, total_tokens: 18 });
  });

  it("Anthropic: cache reads are added to input; a stream's input comes from its first event", () => {
    const head = 'event: message_start\ndata: {"type":"message_start","message":{"usage":{"cache_read_input_tokens":12,"input_tokens":1,"output_tokens":0}}}\n\n';
    const tail = 'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":6}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n';
    expect(extractUsage(tail, () => head)).toEqual({ prompt_tokens: 13, completion_tokens: 6, total_tokens: 19 });
    // vLLM repeats the input in message_delta
    expect(extractUsage('data: {"usage":{"input_tokens":31,"output_tokens":8}}', () => '')).toEqual({ prompt_tokens: 31, completion_tokens: 8, total_tokens: 39 });
  });

  it("vLLM rerank: only total_tokens, all of it prompt", () => {
    expect(extractUsage('{"results":[],"usage":{"total_tokens":9}}')).toEqual({ prompt_tokens: 9, completion_tokens: 0, total_tokens: 9 });
  });
});

describe('extractUsage: a short Anthropic stream whose first chunks hold every event', () => {
  it('reads the input tokens from message_start, not from the last usage of the head', () => {
    const all =
      'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":9,"output_tokens":0}}}\n\n' +
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":5}}\n\n';
    expect(extractUsage(all, () => all)).toEqual({ prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 });
  });
});
