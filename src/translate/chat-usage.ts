import type { ChatUsage } from './chat-types.ts';

/** Token counts from a chat `usage`, zero where the backend left one out. */
export interface TokenCounts {
  input: number;
  output: number;
  cached: number;
  reasoning: number;
}

export function readUsage(usage: ChatUsage | null | undefined): TokenCounts {
  return {
    input: count(usage?.prompt_tokens),
    output: count(usage?.completion_tokens),
    cached: count(usage?.prompt_tokens_details?.cached_tokens),
    reasoning: count(usage?.completion_tokens_details?.reasoning_tokens),
  };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
