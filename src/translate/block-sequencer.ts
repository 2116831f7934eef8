import type { ChatChunk, ChatToolCallDelta } from './chat-types.ts';

/**
 * Anthropic content blocks and Responses output items come one after another, each opened,
 * filled and closed before the next; a chat stream may interleave several tool calls by
 * `index`. The sequencer streams the text and the first tool call as they come and holds any
 * other tool call until the open one is known to be complete (the finish), so the blocks it
 * emits are strictly sequential whatever the backend's order.
 */
export type BlockEvent =
  | { type: 'text_start' }
  | { type: 'text_delta'; text: string }
  | { type: 'tool_start'; id: string; name: string }
  | { type: 'tool_delta'; json: string }
  | { type: 'stop' };

interface PendingTool {
  id?: string;
  name?: string;
  /** arguments received while the call could not be streamed */
  args: string;
  started: boolean;
}

export class BlockSequencer {
  private open: { kind: 'text' } | { kind: 'tool'; index: number } | null = null;
  private readonly tools = new Map<number, PendingTool>();
  /** text that came after a tool call had begun: it becomes its own block at the end */
  private lateText = '';
  private finished = false;

  /** @param toolId an id for a tool call the backend sent without one */
  constructor(private readonly toolId: (index: number) => string) {}

  /** The block events of one chat chunk's first choice: its text, its tool calls, and the close on its finish. */
  choice(choice: NonNullable<ChatChunk['choices']>[number]): BlockEvent[] {
    const events: BlockEvent[] = [];
    if (typeof choice.delta?.content === 'string') events.push(...this.text(choice.delta.content));
    (choice.delta?.tool_calls ?? []).forEach((call, i) => events.push(...this.toolCall(call, i)));
    if (choice.finish_reason) events.push(...this.finish());
    return events;
  }

  text(text: string): BlockEvent[] {
    if (this.finished || text === '') return [];
    if (this.open?.kind === 'text') return [{ type: 'text_delta', text }];
    if (this.tools.size > 0) {
      this.lateText += text;
      return [];
    }
    this.open = { kind: 'text' };
    return [{ type: 'text_start' }, { type: 'text_delta', text }];
  }

  toolCall(delta: ChatToolCallDelta, position: number): BlockEvent[] {
    if (this.finished) return [];
    const index = delta.index ?? position;
    let tool = this.tools.get(index);
    if (!tool) {
      tool = { args: '', started: false };
      this.tools.set(index, tool);
    }
    if (delta.id && tool.id === undefined) tool.id = delta.id;
    if (delta.function?.name && tool.name === undefined) tool.name = delta.function.name;
    const args = delta.function?.arguments ?? '';
    if (this.open?.kind === 'tool' && this.open.index === index) return args ? [{ type: 'tool_delta', json: args }] : [];
    tool.args += args;
    const events: BlockEvent[] = [];
    if (this.open?.kind === 'text') {
      events.push({ type: 'stop' });
      this.open = null;
    }
    if (this.open === null && tool.name !== undefined) events.push(...this.startTool(index, tool));
    return events;
  }

  /** The choice finished: closes the open block and emits everything held back. Idempotent. */
  finish(): BlockEvent[] {
    if (this.finished) return [];
    this.finished = true;
    const events: BlockEvent[] = [];
    if (this.open) events.push({ type: 'stop' });
    this.open = null;
    for (const [index, tool] of this.tools) {
      if (tool.started) continue;
      events.push(...this.startTool(index, tool), { type: 'stop' });
    }
    if (this.lateText) events.push({ type: 'text_start' }, { type: 'text_delta', text: this.lateText }, { type: 'stop' });
    this.open = null;
    return events;
  }

  private startTool(index: number, tool: PendingTool): BlockEvent[] {
    tool.started = true;
    this.open = { kind: 'tool', index };
    const events: BlockEvent[] = [{ type: 'tool_start', id: tool.id ?? this.toolId(index), name: tool.name ?? '' }];
    if (tool.args) events.push({ type: 'tool_delta', json: tool.args });
    tool.args = '';
    return events;
  }
}
