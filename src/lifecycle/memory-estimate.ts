/**
 * How much memory a llama-server will need for a GGUF model with given flags: weights, KV cache
 * and a compute-buffer allowance. An estimate for deciding whether a model fits before starting
 * it, not llama.cpp's exact allocation (it pads the context, and sliding-window, MLA and
 * recurrent models cache less than the full-attention formula here).
 */
import { GGML_TYPE, GgufError, ggmlBytes, type GgufHeader, type GgufValue } from './gguf.ts';

const MIB = 1024 * 1024;

/** Compute buffers grow with the weights; this share of them is added as an allowance. */
export const DEFAULT_OVERHEAD_FRACTION = 0.1;
/** Fixed part of the allowance: scratch and compute buffers llama.cpp allocates whatever the model. */
export const FIXED_OVERHEAD_BYTES = 256 * MIB;

/** KV cache types llama-server accepts for `--cache-type-k/-v`, as ggml types. */
const CACHE_TYPES: Readonly<Record<string, number>> = {
  f32: GGML_TYPE.F32, f16: GGML_TYPE.F16, bf16: GGML_TYPE.BF16, q8_0: GGML_TYPE.Q8_0, q4_0: GGML_TYPE.Q4_0,
  q4_1: GGML_TYPE.Q4_1, iq4_nl: GGML_TYPE.IQ4_NL, q5_0: GGML_TYPE.Q5_0, q5_1: GGML_TYPE.Q5_1,
};

export interface LlamaMemoryOptions {
  /** `--ctx-size`: total tokens over all slots; 0 (or less) or absent means the model's context_length. */
  ctxSize?: number;
  /** `--parallel`: slots share `ctxSize`, so the KV total does not grow with it. */
  parallel?: number;
  /** `--cache-type-k`, default f16. */
  cacheTypeK?: string;
  /** `--cache-type-v`, default f16. */
  cacheTypeV?: string;
  /** Share of the weights added for compute buffers, default {@link DEFAULT_OVERHEAD_FRACTION}. */
  overheadFraction?: number;
}

/** Bytes. */
export interface LlamaMemoryEstimate {
  weights: number;
  kvCache: number;
  /** Compute-buffer allowance: an estimate, weights × overheadFraction + {@link FIXED_OVERHEAD_BYTES}. */
  overhead: number;
  total: number;
}

/**
 * Estimates the memory a llama-server needs for this model: its weights, a full-attention KV
 * cache of `ctxSize` tokens, and a compute-buffer allowance. Throws a {@link GgufError} when the
 * metadata lacks what the estimate needs, and an Error for an unknown cache type.
 *
 * @example
 * const header = await readGgufHeader(files, path);
 * const { total } = estimateLlamaMemory(header, parseLlamaFlags(['-c', '8192', '-ctk', 'q8_0']));
 */
export function estimateLlamaMemory(header: Pick<GgufHeader, 'metadata' | 'tensorBytes'>, options: LlamaMemoryOptions = {}): LlamaMemoryEstimate {
  const meta = header.metadata;
  const arch = meta.get('general.architecture');
  if (typeof arch !== 'string') throw new GgufError('GGUF metadata has no general.architecture');
  const need = (key: string): number => {
    const v = scalarOf(meta.get(`${arch}.${key}`), 0);
    if (v === undefined) throw new GgufError(`GGUF metadata has no ${arch}.${key}`);
    return v;
  };
  const layers = need('block_count');
  const headCountKv = meta.get(`${arch}.attention.head_count_kv`) ?? meta.get(`${arch}.attention.head_count`);
  // llama.cpp takes the default head size from the first layer's head count.
  const defaultHeadDim = () => need('embedding_length') / need('attention.head_count');
  const keyLength = scalarOf(meta.get(`${arch}.attention.key_length`), 0) ?? defaultHeadDim();
  const valueLength = scalarOf(meta.get(`${arch}.attention.value_length`), 0) ?? defaultHeadDim();

  const ctx = options.ctxSize !== undefined && options.ctxSize > 0 ? options.ctxSize : need('context_length');
  const typeK = cacheType(options.cacheTypeK);
  const typeV = cacheType(options.cacheTypeV);
  let kvCache = 0;
  for (let layer = 0; layer < layers; layer++) {
    const nHeadKv = scalarOf(headCountKv, layer);
    if (nHeadKv === undefined) throw new GgufError(`GGUF metadata has no ${arch}.attention.head_count_kv for layer ${layer}`);
    // One row of nHeadKv × head size per token, stored as whole ggml blocks.
    kvCache += ctx * (rowBytes(typeK, nHeadKv * keyLength) + rowBytes(typeV, nHeadKv * valueLength));
  }

  const weights = header.tensorBytes;
  const overhead = Math.round(weights * (options.overheadFraction ?? DEFAULT_OVERHEAD_FRACTION)) + FIXED_OVERHEAD_BYTES;
  return { weights, kvCache, overhead, total: weights + kvCache + overhead };
}

/** A number from a scalar, or from an array's item `index` (per-layer values). */
function scalarOf(v: GgufValue | undefined, index: number): number | undefined {
  const item = Array.isArray(v) ? (v as readonly GgufValue[])[index] : v;
  if (typeof item === 'number') return item;
  if (typeof item === 'bigint') return Number(item);
  return undefined;
}

function cacheType(name = 'f16'): number {
  const type = CACHE_TYPES[name.toLowerCase()];
  if (type === undefined) throw new Error(`unknown KV cache type '${name}'; expected one of ${Object.keys(CACHE_TYPES).join(', ')}`);
  return type;
}

function rowBytes(type: number, length: number): number {
  return ggmlBytes(type, length) ?? 0;
}

export interface LlamaFlags {
  ctxSize?: number;
  parallel?: number;
  cacheTypeK?: string;
  cacheTypeV?: string;
  /** `-ngl`: `all` is Infinity; `auto` (llama.cpp's default) leaves it undefined. */
  gpuLayers?: number;
}

// Every spelling llama-server accepts for the flags the estimate reads.
const FLAG_NAMES: Readonly<Record<string, keyof LlamaFlags>> = {
  '-c': 'ctxSize', '--ctx-size': 'ctxSize', '-np': 'parallel', '--parallel': 'parallel',
  '-ctk': 'cacheTypeK', '--cache-type-k': 'cacheTypeK', '-ctv': 'cacheTypeV', '--cache-type-v': 'cacheTypeV',
  '-ngl': 'gpuLayers', '--n-gpu-layers': 'gpuLayers', '--gpu-layers': 'gpuLayers',
};

/**
 * Reads the memory-relevant flags from a llama-server argv (`--flag value` or `--flag=value`;
 * the last occurrence wins, as in llama-server). Other flags are ignored. Throws an Error naming
 * the flag when its value is missing or not a number.
 *
 * @example
 * parseLlamaFlags(['-m', 'model.gguf', '-c', '8192', '--parallel=4', '-ctk', 'q8_0']);
 * // { ctxSize: 8192, parallel: 4, cacheTypeK: 'q8_0' }
 */
export function parseLlamaFlags(flags: readonly string[]): LlamaFlags {
  const out: LlamaFlags = {};
  for (let i = 0; i < flags.length; i++) {
    const arg = flags[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const field = FLAG_NAMES[name];
    if (!field) continue;
    const value = eq > 0 ? arg.slice(eq + 1) : flags[++i];
    if (value === undefined || value === '') throw new Error(`llama-server flag ${name} needs a value`);
    if (field === 'cacheTypeK' || field === 'cacheTypeV') out[field] = value;
    else if (field === 'gpuLayers' && (value === 'all' || value === 'auto')) out.gpuLayers = value === 'all' ? Infinity : undefined;
    else if (/^-?\d+$/.test(value)) out[field] = Number(value);
    else throw new Error(`llama-server flag ${name} expects an integer, got '${value}'`);
  }
  return out;
}


