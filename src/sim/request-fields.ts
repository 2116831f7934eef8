/** Flavour-neutral helpers to read OpenAI request fields. */
import { contentText, countWords, isRecord } from './tokens.ts';

export interface ChatMessage {
  role: string;
  text: string;
}

/** Messages as role + text (missing or odd parts read as empty text). */
export function readMessages(messages: readonly unknown[]): ChatMessage[] {
  return messages.map((m) => ({
    role: isRecord(m) && typeof m.role === 'string' ? m.role : '',
    text: isRecord(m) ? contentText(m.content) : '',
  }));
}

/** OpenAI Responses `instructions` + `input` (a string, or a list of message items) as chat messages. */
export function responsesMessages(instructions: unknown, input: unknown): ChatMessage[] {
  const out: ChatMessage[] = typeof instructions === 'string' ? [{ role: 'system', text: instructions }] : [];
  if (typeof input === 'string') out.push({ role: 'user', text: input });
  // Items without a role (tool calls and their outputs) are not simulated.
  else if (Array.isArray(input)) out.push(...readMessages(input.filter((item) => isRecord(item) && typeof item.role === 'string')));
  return out;
}

/** Anthropic Messages `system` (a string or text blocks) + `messages` as chat messages. */
export function anthropicMessages(system: unknown, messages: readonly unknown[]): ChatMessage[] {
  const systemText = contentText(system);
  return [...(systemText ? [{ role: 'system', text: systemText }] : []), ...readMessages(messages)];
}

/** Chat messages back as an OpenAI `messages` array (the APIs llama-server converts to chat). */
export function asChatMessages(messages: readonly ChatMessage[]): Array<{ role: string; content: string }> {
  return messages.map((m) => ({ role: m.role, content: m.text }));
}

/** Seed text for the generator: the rendered conversation. */
export function renderChat(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `<|${m.role}|>\n${m.text}`).join('\n');
}

/** A completions prompt: string, array of strings (joined), token ids, or arrays of token ids. */
export function readPrompt(prompt: unknown): { text: string; tokenIds: number | null } {
  if (typeof prompt === 'string') return { text: prompt, tokenIds: null };
  if (Array.isArray(prompt)) {
    if (prompt.length > 0 && prompt.every((p) => typeof p === 'number')) return { text: prompt.join(' '), tokenIds: prompt.length };
    const flat = prompt.flat();
    if (flat.length > 0 && flat.every((p) => typeof p === 'number')) return { text: flat.join(' '), tokenIds: flat.length };
    return { text: prompt.filter((p): p is string => typeof p === 'string').join('\n'), tokenIds: null };
  }
  return { text: '', tokenIds: null };
}

/** Prompt tokens of a completions prompt: token ids count as themselves, text as words + `overhead`. */
export function promptTokensOf(prompt: { text: string; tokenIds: number | null }, overhead: number): number {
  return prompt.tokenIds ?? countWords(prompt.text) + overhead;
}

/** `stop`: a string or an array of strings. */
export function readStop(stop: unknown): string[] {
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop)) return stop.filter((s): s is string => typeof s === 'string');
  return [];
}

export function readBool(v: unknown): boolean {
  return v === true;
}

/** The request's `sim_fault`, removed from the body so nothing can echo it. */
export function takeSimFault(body: Record<string, unknown>): unknown {
  const fault = body.sim_fault;
  delete body.sim_fault;
  return fault;
}

/** JSON type names as nlohmann::json reports them. */
export function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'boolean';
  return typeof v;
}
