/** Deterministic embedding vectors, input parsing, and the shared pooling run (faults, slot, delay). */
import { EngineTime, faultPrelude, openScope, resetResponse, type EngineEnv } from './engine.ts';
import { isAborted, sleep } from './sleep.ts';
import type { RequestTicket } from './stats.ts';
import { hash32, seededRandom } from './random.ts';
import { countWords } from './tokens.ts';
import type { SimFault } from './types.ts';

export interface EmbeddingInput {
  /** What the vector is derived from. */
  key: string;
  tokens: number;
}

/** [CLS] and [SEP] around every text input. */
const SPECIAL_TOKENS = 2;

/**
 * `input`: a string, an array of strings (one item each), an array of numbers (one
 * pre-tokenized prompt), or an array of number arrays. Anything else: null.
 */
export function readEmbeddingInputs(input: unknown): EmbeddingInput[] | null {
  const text = (s: string): EmbeddingInput => ({ key: `t:${s}`, tokens: countWords(s) + SPECIAL_TOKENS });
  const ids = (a: readonly number[]): EmbeddingInput => ({ key: `i:${a.join(',')}`, tokens: a.length });
  if (typeof input === 'string') return [text(input)];
  if (!Array.isArray(input) || input.length === 0) return null;
  if (input.every((v) => typeof v === 'number')) return [ids(input)];
  if (input.every((v) => typeof v === 'string')) return input.map(text);
  if (input.every((v) => Array.isArray(v) && v.every((n) => typeof n === 'number'))) return input.map((v: number[]) => ids(v));
  return null;
}

/** A unit-length (L2) float32 vector seeded by `key`. */
export function embeddingVector(key: string, dim: number): Float32Array {
  const rand = seededRandom(hash32(key));
  const raw = Array.from({ length: dim }, () => {
    // Box-Muller: normally distributed components give a uniform direction.
    const u = 1 - rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  });
  const norm = Math.sqrt(raw.reduce((s, v) => s + v * v, 0)) || 1;
  return Float32Array.from(raw, (v) => v / norm);
}

/** Little-endian float32 bytes, base64 encoded. */
export function float32Base64(vec: Float32Array): string {
  const view = new DataView(new ArrayBuffer(vec.length * 4));
  vec.forEach((v, i) => view.setFloat32(i * 4, v, true));
  const bytes = new Uint8Array(view.buffer);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The shortest decimal that reads back as the same float32 (orjson's float32 output). */
export function shortestFloat32(f: number): number {
  for (let p = 1; p <= 9; p++) {
    const n = Number(f.toPrecision(p));
    if (Math.fround(n) === f) return n;
  }
  return f;
}

/** Runs a pooling request (embeddings, rerank, score): faults, slot, ttftMs of "compute", then `build()` as JSON. */
export async function runPooling(
  env: EngineEnv, raw: Request, fault: SimFault | undefined, ticket: RequestTicket, tokens: number, build: () => unknown,
): Promise<Response> {
  const { flavor, slots } = env;
  let release = (): void => undefined;
  let time: EngineTime | null = null;
  const scope = openScope(raw, ticket, () => {
    release();
    time?.release();
  });
  try {
    const early = await faultPrelude(flavor, fault, scope.signal);
    if (early) {
      scope.end('complete');
      return early;
    }
    if (slots) {
      const slot = await slots.acquire(scope.signal, tokens);
      release = () => slots.release(slot);
    }
    const engineTime = new EngineTime(env.sleep, scope.signal);
    time = engineTime;
    engineTime.admit();
    if (!(await engineTime.wait(env.ttftMs))) {
      // Aborted by a vLLM /sleep: a pooling request has no partial result. (inferred)
      scope.end('complete');
      return flavor.generationError();
    }
    if (fault?.type === 'stall') await sleep(fault.ms ?? Infinity, scope.signal);
    scope.end('complete');
    if (fault?.type === 'reset') return resetResponse(flavor);
    if (fault?.type === 'midstream_error') return flavor.generationError();
    return flavor.json(200, build());
  } catch (err) {
    scope.end(isAborted(err) ? 'abort' : 'complete');
    if (isAborted(err)) return new Response(null, { status: 499 });
    throw err;
  }
}
