/**
 * The vLLM fixtures' model (Qwen2.5-0.5B-Instruct): the tokenizer spec and the ChatML template as
 * token ids, which `/tokenize` returns for `messages` and every chat-style request counts.
 */
import type { ChatMessage } from './request-fields.ts';
import { tokenIds, type TokenizerSpec } from './tokenizer.ts';

/** Qwen2.5's template adds this system prompt when the request has none. */
export const QWEN_DEFAULT_SYSTEM = 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.';
/** Its real 16 tokens (`tokenize-chat.http`): "Qwen" is two. */
const DEFAULT_SYSTEM_PIECES: ReadonlyArray<[string, number]> = [
  ['You', 2610], [' are', 525], [' Q', 1207], ['wen', 16948], [',', 11], [' created', 3465], [' by', 553], [' Alibaba', 54364],
  [' Cloud', 14817], ['.', 13], [' You', 1446], [' are', 525], [' a', 264], [' helpful', 10950], [' assistant', 17847], ['.', 13],
];
const DEFAULT_SYSTEM_IDS = DEFAULT_SYSTEM_PIECES.map(([, id]) => id);
const IM_START = 151644;
const IM_END = 151645;
const NEWLINE = 198;
const ROLE_IDS: Readonly<Record<string, number>> = { system: 8948, user: 872, assistant: 77091 };

/** `tokenize.http`: "Hello, world!" is [9707, 11, 1879, 0]; regular tokens end below 151643. */
export const QWEN_VOCAB: TokenizerSpec = {
  known: new Map([
    ['Hello', 9707], [' world', 1879], ['!', 0], ['Say', 45764], [' hello', 23811], ...DEFAULT_SYSTEM_PIECES,
    ['<|im_start|>', IM_START], ['<|im_end|>', IM_END], ['\n', NEWLINE], ...Object.entries(ROLE_IDS),
  ]),
  firstId: 1,
  size: 151642,
  dummyPrefix: false,
};

/** The messages the template renders: the default system prompt first unless one is given. */
export function withQwenSystem(messages: readonly ChatMessage[]): ChatMessage[] {
  return messages[0]?.role === 'system' ? [...messages] : [{ role: 'system', text: QWEN_DEFAULT_SYSTEM }, ...messages];
}

/**
 * `<|im_start|>role\ncontent<|im_end|>\n` per message, then `<|im_start|>assistant\n` when a
 * generation prompt is added. `encode` gives a text's ids.
 */
export function qwenChatIds(messages: readonly ChatMessage[], generationPrompt = true, encode = (text: string) => tokenIds(QWEN_VOCAB, text)): number[] {
  const ids: number[] = [];
  for (const m of withQwenSystem(messages)) {
    const content = m.role === 'system' && m.text === QWEN_DEFAULT_SYSTEM ? DEFAULT_SYSTEM_IDS : encode(m.text);
    ids.push(IM_START, ROLE_IDS[m.role] ?? encode(m.role)[0] ?? 0, NEWLINE, ...content, IM_END, NEWLINE);
  }
  if (generationPrompt) ids.push(IM_START, ROLE_IDS.assistant ?? 0, NEWLINE);
  return ids;
}
