/**
 * A deterministic stand-in for a model's tokenizer, consistent with the simulator's token
 * counts: one token per piece, a piece being a word or a punctuation mark with the spaces before
 * it (`countWords` counts the same pieces). Pieces the fixtures show keep their real ids; others
 * get a hashed id. `/detokenize` gives back what this instance tokenized before.
 */
import { hash32 } from './random.ts';
import { VOCAB } from './tokens.ts';

export interface TokenizerSpec {
  /** Pieces with the ids the captured model gives them. */
  readonly known: ReadonlyMap<string, number>;
  /** Other pieces are hashed into [firstId, firstId + size). */
  readonly firstId: number;
  readonly size: number;
  /** SentencePiece's add_dummy_prefix: the text is read with a space in front. */
  readonly dummyPrefix: boolean;
}

const PIECE = /\s*(?:[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_])/gu;
/** Bounds what an instance remembers for `/detokenize`. */
const MAX_REMEMBERED = 65_536;

export function tokenPieces(spec: TokenizerSpec, text: string): string[] {
  const input = spec.dummyPrefix && text !== '' && !/^\s/.test(text) ? ` ${text}` : text;
  return input.match(PIECE) ?? [];
}

export function pieceId(spec: TokenizerSpec, piece: string): number {
  return spec.known.get(piece) ?? spec.firstId + (hash32(piece) % spec.size);
}

/** Token ids of `text`, without remembering anything (prompt counting). */
export function tokenIds(spec: TokenizerSpec, text: string): number[] {
  return tokenPieces(spec, text).map((p) => pieceId(spec, p));
}

export class SimTokenizer {
  private readonly pieceOf = new Map<number, string>();

  constructor(readonly spec: TokenizerSpec) {
    for (const [piece, id] of spec.known) this.pieceOf.set(id, piece);
  }

  /** Ids and pieces of `text`; each piece is remembered so `decode` can give it back. */
  encode(text: string): Array<{ id: number; piece: string }> {
    return tokenPieces(this.spec, text).map((piece) => {
      const id = pieceId(this.spec, piece);
      if (!this.pieceOf.has(id) && this.pieceOf.size < MAX_REMEMBERED) this.pieceOf.set(id, piece);
      return { id, piece };
    });
  }

  /** Ids never seen decode to a fixed vocabulary piece. */
  decode(ids: readonly number[]): string {
    return ids.map((id) => this.pieceOf.get(id) ?? VOCAB[Math.abs(Math.trunc(id)) % VOCAB.length] ?? '').join('');
  }
}

/** GPT-2's byte-level alphabet: printable bytes stand for themselves, the others map from U+0100 on. */
const BYTE_CHARS: readonly string[] = (() => {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
  let next = 0x100;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable(b) ? b : next++));
})();

/** A piece as byte-level BPE tokenizers print it (`" world"` is `"Ġworld"`). */
export function byteLevelPiece(piece: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(piece)) out += BYTE_CHARS[b] ?? '';
  return out;
}
