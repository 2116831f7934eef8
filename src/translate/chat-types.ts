/**
 * The parts of the Chat Completions wire format the translations write and read. Fields read
 * from a backend are optional: llama.cpp and vLLM each leave out different ones.
 */

export type ChatContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } };

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ChatContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: unknown; strict?: boolean };
}

export type ChatToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

export interface ChatResponseChoice {
  index?: number;
  message?: { role?: string; content?: string | null; tool_calls?: Array<Partial<ChatToolCall>> | null };
  finish_reason?: string | null;
  /** vLLM only: the stop string (or token id) that ended generation */
  stop_reason?: string | number | null;
}

export interface ChatResponse {
  choices?: ChatResponseChoice[];
  usage?: ChatUsage | null;
}

export interface ChatToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface ChatChunk {
  choices?: Array<{
    index?: number;
    delta?: { role?: string; content?: string | null; tool_calls?: ChatToolCallDelta[] | null };
    finish_reason?: string | null;
    stop_reason?: string | number | null;
  }>;
  usage?: ChatUsage | null;
}

/** The OpenAI error object, as a backend sends it in a body or in a stream's `data: {"error":…}`. */
export interface ChatError {
  message: string;
  type?: string;
  code?: string | number | null;
}
