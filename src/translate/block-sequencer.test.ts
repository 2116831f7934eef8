import { describe, expect, it } from 'vitest';
import { BlockSequencer } from './block-sequencer.ts';
import type { BlockEvent } from './block-sequencer.ts';

const id = (i: number) => `gen_${i}`;

describe('BlockSequencer', () => {
  it('streams text, then each tool call in order', () => {
    const s = new BlockSequencer(id);
    const events: BlockEvent[] = [
      ...s.text('Hi'),
      ...s.text(' there'),
      ...s.toolCall({ index: 0, id: 'call_a', function: { name: 'a', arguments: '{"x"' } }, 0),
      ...s.toolCall({ index: 0, function: { arguments: ':1}' } }, 0),
      ...s.finish(),
    ];
    expect(events).toEqual([
      { type: 'text_start' },
      { type: 'text_delta', text: 'Hi' },
      { type: 'text_delta', text: ' there' },
      { type: 'stop' },
      { type: 'tool_start', id: 'call_a', name: 'a' },
      { type: 'tool_delta', json: '{"x"' },
      { type: 'tool_delta', json: ':1}' },
      { type: 'stop' },
    ]);
  });

  it('holds an interleaved second call until the first is complete', () => {
    const s = new BlockSequencer(id);
    const live = [
      ...s.toolCall({ index: 0, id: 'call_a', function: { name: 'a', arguments: '' } }, 0),
      ...s.toolCall({ index: 1, id: 'call_b', function: { name: 'b', arguments: '{"q":' } }, 0),
      ...s.toolCall({ index: 0, function: { arguments: '{"p":1}' } }, 0),
      ...s.toolCall({ index: 1, function: { arguments: '2}' } }, 0),
    ];
    expect(live).toEqual([
      { type: 'tool_start', id: 'call_a', name: 'a' },
      { type: 'tool_delta', json: '{"p":1}' },
    ]);
    expect(s.finish()).toEqual([
      { type: 'stop' },
      { type: 'tool_start', id: 'call_b', name: 'b' },
      { type: 'tool_delta', json: '{"q":2}' },
      { type: 'stop' },
    ]);
    expect(s.finish()).toEqual([]);
  });

  it('gives an id to a call without one, and puts text that follows a call in its own last block', () => {
    const s = new BlockSequencer(id);
    const events = [...s.toolCall({ function: { name: 'f', arguments: '{}' } }, 3), ...s.text('after'), ...s.finish()];
    expect(events).toEqual([
      { type: 'tool_start', id: 'gen_3', name: 'f' },
      { type: 'tool_delta', json: '{}' },
      { type: 'stop' },
      { type: 'text_start' },
      { type: 'text_delta', text: 'after' },
      { type: 'stop' },
    ]);
  });
});
