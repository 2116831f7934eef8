/**
 * The llama capture's chat model (tiny-llama with phi-3's SentencePiece vocabulary and chat
 * template): the tokenizer spec and the template as `/apply-template` renders it.
 */
import type { ChatMessage } from './request-fields.ts';
import type { TokenizerSpec } from './tokenizer.ts';

/** `tokenize.http`: "Say hello" is [14891, 22172]; BOS `<s>` is 1; byte tokens take ids 3..258. */
export const PHI3_VOCAB: TokenizerSpec = {
  known: new Map([[' Say', 14891], [' hello', 22172]]),
  firstId: 259,
  size: 32000 - 259,
  dummyPrefix: true,
};
export const PHI3_BOS = 1;

/**
 * phi-3's template has no system role: like minja's polyfill, system text is held and put in
 * front of the next user message. Roles it does not know are dropped (the template skips them).
 */
export function renderPhi3(messages: readonly ChatMessage[]): string {
  let out = '';
  let pendingSystem = '';
  for (const m of messages) {
    if (m.role === 'system') {
      pendingSystem += (pendingSystem ? '\n' : '') + m.text;
    } else if (m.role === 'user') {
      const content = pendingSystem ? pendingSystem + (m.text ? `\n${m.text}` : '') : m.text;
      pendingSystem = '';
      out += `<|user|>\n${content}<|end|>\n<|assistant|>\n`;
    } else if (m.role === 'assistant') {
      out += `${m.text}<|end|>\n`;
    }
  }
  return out;
}
