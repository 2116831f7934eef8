import type { BlockEvent, BlockSequencer } from './block-sequencer.ts';
import type { ChatStreamSink } from './chat-stream-pump.ts';
import type { ChatChunk, ChatError, ChatUsage } from './chat-types.ts';

/**
 * What both translated streams do with chat chunks: keep the usage and finish reason for the
 * closing events, and turn each chunk's first choice into block events, written in the API's
 * own event format by `write`.
 */
export abstract class BlockSink implements ChatStreamSink {
  protected finishReason: string | null = null;
  /** the stop string vLLM says it matched (llama.cpp does not say) */
  protected matched: string | number | null = null;
  protected usage: ChatUsage | null = null;

  protected constructor(protected readonly blocks: BlockSequencer) {}

  abstract start(): string;
  abstract finish(): string;
  abstract fail(error: ChatError): string;
  protected abstract write(event: BlockEvent): string;

  chunk(chunk: ChatChunk): string {
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) return '';
    if (choice.finish_reason) {
      this.finishReason = choice.finish_reason;
      this.matched = choice.stop_reason ?? null;
    }
    return this.writeAll(this.blocks.choice(choice));
  }

  /** The events that close whatever block is still open. */
  protected closeBlocks(): string {
    return this.writeAll(this.blocks.finish());
  }

  private writeAll(events: BlockEvent[]): string {
    let out = '';
    for (const e of events) out += this.write(e);
    return out;
  }
}
