/**
 * Deterministic relevance for the rerank and score endpoints: how many content words a query and
 * a document share (the cosine of their word sets, case-insensitive, common function words left
 * out), 1 for the same words and 0 for none in common, so tests can predict the order.
 */
import { countWords } from './tokens.ts';

const FUNCTION_WORDS = new Set('a an and are as at be by for from in is it of on or that the this to was were what which who with'.split(' '));

function words(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).filter((w) => !FUNCTION_WORDS.has(w)));
}

export function relevance(query: string, document: string): number {
  const a = words(query);
  const b = words(document);
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / Math.sqrt(a.size * b.size);
}

/** A cross-encoder's input: [CLS] query [SEP] document [SEP]. */
export function pairTokens(query: string, document: string): number {
  return countWords(query) + countWords(document) + 3;
}

export interface Ranked {
  index: number;
  score: number;
}

/** Documents by relevance, best first (ties keep their order), cut to `topN`. */
export function rank(query: string, documents: readonly string[], topN: number): Ranked[] {
  return documents
    .map((d, index) => ({ index, score: relevance(query, d) }))
    .sort((x, y) => y.score - x.score || x.index - y.index)
    .slice(0, Math.max(0, topN));
}
