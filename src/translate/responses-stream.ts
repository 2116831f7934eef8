import { BlockSequencer } from './block-sequencer.ts';
import { BlockSink } from './block-sink.ts';
import type { BlockEvent } from './block-sequencer.ts';
import { pumpChatStream } from './chat-stream-pump.ts';
import type { ChatError } from './chat-types.ts';
import { readUsage } from './chat-usage.ts';
import { functionCallId, functionCallItem, messageId, messageItem, outputText, responseObject } from './responses-envelope.ts';
import type { ResponseState } from './responses-envelope.ts';
import { responseFailure } from './responses-errors.ts';
import { sseEvent } from './sse-writer.ts';
import { responsesEnd } from './stop-reasons.ts';
import type { TranslateContext } from './translation.ts';

/**
 * A chat stream as Responses events: response.created and .in_progress, then per output item
 * output_item.added, its content or argument deltas and .done events, output_item.done, and
 * last response.completed (or .incomplete at the token limit, as OpenAI sends) with the whole
 * response and usage. A backend failure ends it with response.failed. Every event carries a
 * `sequence_number` from 0.
 */
export function responsesStream(chat: ReadableStream<Uint8Array>, ctx: TranslateContext): ReadableStream<Uint8Array> {
  return pumpChatStream(chat, new ResponsesSink(ctx));
}

type OpenItem =
  | { kind: 'message'; index: number; id: string; text: string }
  | { kind: 'call'; index: number; id: string; callId: string; name: string; args: string };

class ResponsesSink extends BlockSink {
  private sequence = 0;
  private readonly output: Array<Record<string, unknown>> = [];
  private open: OpenItem | null = null;
  private messages = 0;
  private calls = 0;

  constructor(private readonly ctx: TranslateContext) {
    super(new BlockSequencer((i) => `call_${ctx.requestId}_${i}`));
  }

  start(): string {
    const response = this.response({ status: 'in_progress', output: [], usage: null });
    return this.emit('response.created', { response }) + this.emit('response.in_progress', { response });
  }

  finish(): string {
    const rest = this.closeBlocks();
    const end = responsesEnd(this.finishReason);
    const response = this.response({ ...end, output: this.output, usage: readUsage(this.usage) });
    return rest + this.emit(end.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
  }

  fail(error: ChatError): string {
    const usage = this.usage ? readUsage(this.usage) : null;
    const response = this.response({ status: 'failed', output: this.output, usage, error: responseFailure(error) });
    return this.emit('response.failed', { response });
  }

  protected write(event: BlockEvent): string {
    const open = this.open;
    switch (event.type) {
      case 'text_start':
        return this.startMessage();
      case 'tool_start':
        return this.startCall(event.id, event.name);
      case 'text_delta':
        if (open?.kind !== 'message') return '';
        open.text += event.text;
        this.output[open.index] = messageItem(open.id, 'in_progress', open.text);
        return this.emit('response.output_text.delta', { ...this.at(open), content_index: 0, delta: event.text, logprobs: [] });
      case 'tool_delta':
        if (open?.kind !== 'call') return '';
        open.args += event.json;
        this.output[open.index] = functionCallItem(open.id, 'in_progress', open);
        return this.emit('response.function_call_arguments.delta', { ...this.at(open), delta: event.json });
      case 'stop':
        this.open = null;
        if (open?.kind === 'message') return this.endMessage(open);
        if (open?.kind === 'call') return this.endCall(open);
        return '';
    }
  }

  private startMessage(): string {
    const open: OpenItem = { kind: 'message', index: this.output.length, id: messageId(this.ctx, this.messages++), text: '' };
    this.open = open;
    this.output.push(messageItem(open.id, 'in_progress', null));
    return (
      this.emit('response.output_item.added', { output_index: open.index, item: messageItem(open.id, 'in_progress', null) }) +
      this.emit('response.content_part.added', { ...this.at(open), content_index: 0, part: outputText('') })
    );
  }

  private endMessage(open: OpenItem & { kind: 'message' }): string {
    const item = messageItem(open.id, 'completed', open.text);
    this.output[open.index] = item;
    return (
      this.emit('response.output_text.done', { ...this.at(open), content_index: 0, text: open.text, logprobs: [] }) +
      this.emit('response.content_part.done', { ...this.at(open), content_index: 0, part: outputText(open.text) }) +
      this.emit('response.output_item.done', { output_index: open.index, item })
    );
  }

  private startCall(callId: string, name: string): string {
    const open: OpenItem = { kind: 'call', index: this.output.length, id: functionCallId(this.ctx, this.calls++), callId, name, args: '' };
    this.open = open;
    const item = functionCallItem(open.id, 'in_progress', open);
    this.output.push(item);
    return this.emit('response.output_item.added', { output_index: open.index, item });
  }

  private endCall(open: OpenItem & { kind: 'call' }): string {
    const item = functionCallItem(open.id, 'completed', open);
    this.output[open.index] = item;
    return (
      this.emit('response.function_call_arguments.done', { ...this.at(open), name: open.name, arguments: open.args }) +
      this.emit('response.output_item.done', { output_index: open.index, item })
    );
  }

  private at(open: OpenItem): { item_id: string; output_index: number } {
    return { item_id: open.id, output_index: open.index };
  }

  private response(state: ResponseState): Record<string, unknown> {
    return responseObject(this.ctx, state);
  }

  private emit(type: string, fields: Record<string, unknown>): string {
    return sseEvent(type, { type, sequence_number: this.sequence++, ...fields });
  }
}
