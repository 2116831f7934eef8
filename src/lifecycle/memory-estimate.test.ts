import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileReader } from '../deps.ts';
import { GGML_TYPE, GgufError, readGgufHeader, type GgufHeader } from './gguf.ts';
import { arrayOf, writeGguf, type GgufTensorSpec, type WriteValue } from './gguf-writer.test-support.ts';
import { parseBytes } from '../config/byte-size.ts';
import { FIXED_OVERHEAD_BYTES, estimateLlamaMemory, parseLlamaFlags } from './memory-estimate.ts';

const MIB = 1024 * 1024;

let bytesRead = 0;
const files: FileReader = {
  async read(path, offset, length) {
    const file = await open(path, 'r');
    try {
      const buf = new Uint8Array(length);
      const got = (await file.read(buf, 0, length, offset)).bytesRead;
      bytesRead += got;
      return buf.subarray(0, got);
    } finally {
      await file.close();
    }
  },
};

let dir = '';
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memory-estimate-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a GGUF with this metadata (and tiny tensors unless given) and reads its header back. */
async function headerOf(metadata: Record<string, WriteValue>, tensors?: GgufTensorSpec[]): Promise<GgufHeader> {
  const path = join(dir, `model-${n++}.gguf`);
  await writeFile(path, writeGguf({ metadata, tensors: tensors ?? [{ name: 'output_norm.weight', dims: [64], type: GGML_TYPE.F32 }] }));
  return readGgufHeader(files, path);
}

// A Llama-3-8B-like attention shape: 32 layers, 32 heads of 128, 8 KV heads.
const LLAMA_8B = {
  'general.architecture': 'llama',
  'llama.block_count': 32,
  'llama.context_length': 8192,
  'llama.embedding_length': 4096,
  'llama.attention.head_count': 32,
  'llama.attention.head_count_kv': 8,
};

describe('estimateLlamaMemory', () => {
  it('KV cache = layers × ctx × (K + V rows), f16 by default', async () => {
    const header = await headerOf(LLAMA_8B);
    const est = estimateLlamaMemory(header, { ctxSize: 4096 });
    expect(est.kvCache).toBe(32 * 4096 * (8 * 128 * 2 + 8 * 128 * 2));
    expect(est.kvCache).toBe(536_870_912);
    expect(est.weights).toBe(256);
    expect(est.total).toBe(est.weights + est.kvCache + est.overhead);
  });

  it('uses the model context_length for ctx-size 0 or absent, and does not grow with --parallel', async () => {
    const header = await headerOf(LLAMA_8B);
    const full = 32 * 8192 * (8 * 128 * 2 * 2);
    expect(estimateLlamaMemory(header).kvCache).toBe(full);
    expect(estimateLlamaMemory(header, { ctxSize: 0 }).kvCache).toBe(full);
    expect(estimateLlamaMemory(header, { ctxSize: 4096, parallel: 4 }).kvCache).toBe(536_870_912);
  });

  it('prices quantized and f32 cache types per ggml block', async () => {
    const header = await headerOf(LLAMA_8B);
    // q8_0: 34 bytes per 32 elements; q4_0: 18 per 32.
    const q = estimateLlamaMemory(header, { ctxSize: 4096, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0' });
    expect(q.kvCache).toBe(32 * 4096 * ((1024 / 32) * 34 + (1024 / 32) * 18));
    expect(estimateLlamaMemory(header, { ctxSize: 4096, cacheTypeK: 'f32', cacheTypeV: 'f32' }).kvCache).toBe(2 * 536_870_912);
    expect(() => estimateLlamaMemory(header, { cacheTypeK: 'q3_k' })).toThrow(/unknown KV cache type 'q3_k'; expected one of f32, f16/);
  });

  it('uses key_length and value_length when the model gives them', async () => {
    const header = await headerOf({
      'general.architecture': 'qwen3',
      'qwen3.block_count': 2,
      'qwen3.context_length': 40960,
      'qwen3.embedding_length': 1024,
      'qwen3.attention.head_count': 16, // 1024 / 16 = 64, but the heads are 128 wide
      'qwen3.attention.head_count_kv': 8,
      'qwen3.attention.key_length': 128,
      'qwen3.attention.value_length': 96,
    });
    expect(estimateLlamaMemory(header, { ctxSize: 1000 }).kvCache).toBe(2 * 1000 * (8 * 128 * 2 + 8 * 96 * 2));
  });

  it('takes each layer’s value from a per-layer head_count_kv array', async () => {
    const header = await headerOf({
      'general.architecture': 'deci',
      'deci.block_count': 4,
      'deci.context_length': 2048,
      'deci.embedding_length': 512,
      'deci.attention.head_count': 8,
      'deci.attention.head_count_kv': arrayOf('i32', [8, 0, 4, 8]), // 0: a layer without attention
    });
    expect(estimateLlamaMemory(header, { ctxSize: 100 }).kvCache).toBe(100 * (8 + 0 + 4 + 8) * 64 * 2 * 2);
  });

  it('adds a compute allowance of 10% of the weights plus 256 MiB, or the given fraction', async () => {
    const header = await headerOf(LLAMA_8B, [{ name: 'token_embd.weight', dims: [4096, 1000], type: GGML_TYPE.Q4_0 }]);
    const weights = (4096 * 1000 / 32) * 18;
    const est = estimateLlamaMemory(header, { ctxSize: 1024 });
    expect(est.weights).toBe(weights);
    expect(est.overhead).toBe(Math.round(weights * 0.1) + 256 * MIB);
    expect(FIXED_OVERHEAD_BYTES).toBe(256 * MIB);
    expect(estimateLlamaMemory(header, { ctxSize: 1024, overheadFraction: 0 }).overhead).toBe(256 * MIB);
  });

  it('names the metadata key it is missing', async () => {
    const noArch = await headerOf({ 'llama.block_count': 2 });
    expect(() => estimateLlamaMemory(noArch)).toThrow(GgufError);
    expect(() => estimateLlamaMemory(noArch)).toThrow(/no general.architecture/);
    const { 'llama.block_count': _, ...rest } = LLAMA_8B;
    expect(() => estimateLlamaMemory({ metadata: new Map(Object.entries(rest)), tensorBytes: 0 })).toThrow(/no llama\.block_count/);
  });

  it('matches the tiny-llama fixture served by llama-server (-c 2048 --parallel 2)', async () => {
    // The model in /work/shared/fixtures/llama-server: 2 layers, n_embd 64, 4 heads (head_dim 16),
    // n_ff 128, 32064-token vocabulary, all F32. Its server reported n_params 4186432, size 16745728.
    const embd = 64;
    const vocab = 32_064;
    const f32 = GGML_TYPE.F32;
    const layer = (i: number): GgufTensorSpec[] => [
      { name: `blk.${i}.attn_norm.weight`, dims: [embd], type: f32 },
      ...['q', 'k', 'v', 'output'].map((w) => ({ name: `blk.${i}.attn_${w}.weight`, dims: [embd, embd], type: f32 })),
      { name: `blk.${i}.ffn_norm.weight`, dims: [embd], type: f32 },
      { name: `blk.${i}.ffn_gate.weight`, dims: [embd, 128], type: f32 },
      { name: `blk.${i}.ffn_up.weight`, dims: [embd, 128], type: f32 },
      { name: `blk.${i}.ffn_down.weight`, dims: [128, embd], type: f32 },
    ];
    const tokens = Array.from({ length: vocab }, (_, i) => `<0x${i.toString(16)}>`);
    bytesRead = 0;
    const header = await headerOf(
      {
        'general.architecture': 'llama',
        'llama.block_count': 2,
        'llama.context_length': 2048,
        'llama.embedding_length': embd,
        'llama.feed_forward_length': 128,
        'llama.attention.head_count': 4,
        'llama.attention.head_count_kv': 4,
        'tokenizer.ggml.model': 'llama',
        'tokenizer.ggml.tokens': tokens,
        'tokenizer.ggml.scores': arrayOf('f32', tokens.map(() => 0)),
        'tokenizer.ggml.token_type': arrayOf('i32', tokens.map(() => 1)),
      },
      [
        { name: 'token_embd.weight', dims: [embd, vocab], type: f32 },
        ...layer(0),
        ...layer(1),
        { name: 'output_norm.weight', dims: [embd], type: f32 },
        { name: 'output.weight', dims: [embd, vocab], type: f32 },
      ],
    );
    const flags = parseLlamaFlags(['-m', '/models/tiny-llama.gguf', '--alias', 'tiny-llama', '--host', '127.0.0.1', '--port', '28080', '-c', '2048', '--parallel', '2', '--metrics', '--slots', '-t', '1']);
    expect(flags).toEqual({ ctxSize: 2048, parallel: 2 });
    const est = estimateLlamaMemory(header, flags);
    expect(est.kvCache).toBe(2 * 2048 * (4 * 16 * 2 + 4 * 16 * 2));
    expect(est.weights).toBe(16_745_728);
    // The header (with its 32064-token vocabulary) is read, not the 16.7 MB of weights.
    expect(bytesRead).toBeLessThan(2 * MIB);
  });
});

describe('parseLlamaFlags', () => {
  it('reads short, long and = forms; the last occurrence wins; other flags are ignored', () => {
    expect(parseLlamaFlags(['-c', '4096', '-np', '4', '-ctk', 'q8_0', '-ctv', 'q4_0', '-ngl', '99'])).toEqual({
      ctxSize: 4096, parallel: 4, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0', gpuLayers: 99,
    });
    expect(parseLlamaFlags(['--ctx-size=8192', '--parallel=2', '--cache-type-k=f16', '--cache-type-v', 'q8_0', '--n-gpu-layers=20'])).toEqual({
      ctxSize: 8192, parallel: 2, cacheTypeK: 'f16', cacheTypeV: 'q8_0', gpuLayers: 20,
    });
    expect(parseLlamaFlags(['--gpu-layers', '10', '-c', '1024', '--ctx-size', '2048'])).toEqual({ gpuLayers: 10, ctxSize: 2048 });
    expect(parseLlamaFlags(['-cb', '-ngld', '5', '--ctx-size-draft', '512', '-m', 'x.gguf', '-fa', 'on'])).toEqual({});
  });

  it('reads -ngl all as every layer and auto as unset', () => {
    expect(parseLlamaFlags(['-ngl', 'all'])).toEqual({ gpuLayers: Infinity });
    expect(parseLlamaFlags(['-ngl', 'auto'])).toEqual({ gpuLayers: undefined });
  });

  it('throws naming the flag on a missing or non-integer value', () => {
    expect(() => parseLlamaFlags(['-c'])).toThrow(/flag -c needs a value/);
    expect(() => parseLlamaFlags(['--ctx-size='])).toThrow(/flag --ctx-size needs a value/);
    expect(() => parseLlamaFlags(['-np', 'many'])).toThrow(/flag -np expects an integer, got 'many'/);
    expect(() => parseLlamaFlags(['-c', '4k'])).toThrow(/expects an integer/);
  });
});

describe('parseBytes', () => {
  it('reads binary and decimal units and plain bytes', () => {
    expect(parseBytes('24GiB')).toBe(24 * 1024 ** 3);
    expect(parseBytes('512MiB')).toBe(512 * MIB);
    expect(parseBytes('8GB')).toBe(8_000_000_000);
    expect(parseBytes('1.5GiB')).toBe(1_610_612_736);
    expect(parseBytes(' 2 kib ')).toBe(2048);
    expect(parseBytes('100KB')).toBe(100_000);
    expect(parseBytes('1TiB')).toBe(1024 ** 4);
    expect(parseBytes('4096')).toBe(4096);
    expect(parseBytes('10B')).toBe(10);
    expect(parseBytes(1024)).toBe(1024);
  });

  it('throws a clear error on garbage', () => {
    for (const bad of ['', 'abc', '12XB', '-1GB', '8G', '1e9', 'GiB', '1.2.3MB', Number.NaN, -5, Infinity]) {
      expect(() => parseBytes(bad), String(bad)).toThrow(/invalid size/);
    }
  });
});
