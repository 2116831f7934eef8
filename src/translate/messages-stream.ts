import { BlockSequencer } from './block-sequencer.ts';
import { BlockSink } from './block-sink.ts';
import type { BlockEvent } from './block-sequencer.ts';
import { pumpChatStream } from './chat-stream-pump.ts';
import type { ChatError } from './chat-types.ts';
import { readUsage } from './chat-usage.ts';
import { anthropicErrorBody } from './messages-errors.ts';
import { sseEvent } from './sse-writer.ts';
import { anthropicStop } from './stop-reasons.ts';
import type { TranslateContext } from './translation.ts';

/**
 * A chat stream as Anthropic's event sequence: message_start, then per content block
 * content_block_start / _delta… / _stop, then message_delta (stop reason and usage) and
 * message_stop. Prompt tokens are known only from the last chat chunk, so message_start says
 * 0 and message_delta carries the real input and output counts.
 */
export function messagesStream(chat: ReadableStream<Uint8Array>, ctx: TranslateContext): ReadableStream<Uint8Array> {
  return pumpChatStream(chat, new MessagesSink(ctx));
}

class MessagesSink extends BlockSink {
  /** the index of the open content block; the next one is this plus one */
  private index = -1;

  constructor(private readonly ctx: TranslateContext) {
    super(new BlockSequencer((i) => `toolu_${ctx.requestId}_${i}`));
  }

  start(): string {
    return sseEvent('message_start', {
      type: 'message_start',
      message: {
        id: `msg_${this.ctx.requestId}`,
        type: 'message',
        role: 'assistant',
        model: this.ctx.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
  }

  finish(): string {
    const rest = this.closeBlocks();
    const counts = readUsage(this.usage);
    return (
      rest +
      sseEvent('message_delta', {
        type: 'message_delta',
        delta: anthropicStop(this.finishReason, this.matched),
        usage: { input_tokens: counts.input, output_tokens: counts.output },
      }) +
      sseEvent('message_stop', { type: 'message_stop' })
    );
  }

  fail(error: ChatError): string {
    return sseEvent('error', anthropicErrorBody(error));
  }

  protected write(event: BlockEvent): string {
    switch (event.type) {
      case 'text_start':
        return this.startBlock({ type: 'text', text: '' });
      case 'tool_start':
        return this.startBlock({ type: 'tool_use', id: event.id, name: event.name, input: {} });
      case 'text_delta':
        return this.delta({ type: 'text_delta', text: event.text });
      case 'tool_delta':
        return this.delta({ type: 'input_json_delta', partial_json: event.json });
      case 'stop':
        return sseEvent('content_block_stop', { type: 'content_block_stop', index: this.index });
    }
  }

  private startBlock(block: Record<string, unknown>): string {
    this.index += 1;
    return sseEvent('content_block_start', { type: 'content_block_start', index: this.index, content_block: block });
  }

  private delta(delta: Record<string, unknown>): string {
    return sseEvent('content_block_delta', { type: 'content_block_delta', index: this.index, delta });
  }
}
