import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileReader } from '../deps.ts';
import { GGML_TYPE, GGUF_VALUE_TYPE, GgufError, ggmlBytes, readGgufHeader } from './gguf.ts';
import { arrayOf, typed, writeGguf, type GgufImageSpec } from './gguf-writer.test-support.ts';

interface ReadCall {
  offset: number;
  length: number;
  got: number;
}

/** The FileReader port over node:fs, recording every read. */
function fsReader(calls: ReadCall[] = []): FileReader {
  return {
    async read(path, offset, length) {
      const file = await open(path, 'r');
      try {
        const buf = new Uint8Array(length);
        const { bytesRead } = await file.read(buf, 0, length, offset);
        calls.push({ offset, length, got: bytesRead });
        return buf.subarray(0, bytesRead);
      } finally {
        await file.close();
      }
    },
  };
}

let dir = '';
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gguf-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileOf(image: Uint8Array): Promise<string> {
  const path = join(dir, `model-${n++}.gguf`);
  await writeFile(path, image);
  return path;
}

async function rejection(path: string, options?: { chunkSize?: number }): Promise<GgufError> {
  const err: unknown = await readGgufHeader(fsReader(), path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GgufError);
  return err as GgufError;
}

const TOKENS = Array.from({ length: 1000 }, (_, i) => `<tok${i}>`);

const LLAMA: GgufImageSpec = {
  metadata: {
    'general.architecture': 'llama',
    'general.name': 'tiny',
    'llama.block_count': 2,
    'llama.context_length': 2048,
    'llama.embedding_length': 64,
    'llama.attention.head_count': 4,
    'llama.attention.head_count_kv': 4,
    'llama.rope.freq_base': typed('f32', 10000),
    'tokenizer.ggml.model': 'llama',
    'tokenizer.ggml.tokens': TOKENS,
    'tokenizer.ggml.scores': arrayOf('f32', TOKENS.map((_, i) => -i)),
    'tokenizer.ggml.token_type': arrayOf('i32', TOKENS.map(() => 1)),
    'tokenizer.ggml.bos_token_id': 1,
  },
  tensors: [
    { name: 'token_embd.weight', dims: [64, 1000], type: GGML_TYPE.Q8_0 },
    { name: 'blk.0.attn_q.weight', dims: [64, 64], type: GGML_TYPE.Q4_0 },
    { name: 'blk.0.ffn_up.weight', dims: [64, 128], type: GGML_TYPE.F16 },
    { name: 'output_norm.weight', dims: [64], type: GGML_TYPE.F32 },
  ],
};

describe('readGgufHeader', () => {
  it('reads a llama header: metadata, skipped token arrays, tensor shapes and sizes', async () => {
    const image = writeGguf(LLAMA);
    const header = await readGgufHeader(fsReader(), await fileOf(image));
    expect(header.version).toBe(3);
    expect(header.metadata.get('general.architecture')).toBe('llama');
    expect(header.metadata.get('llama.block_count')).toBe(2);
    expect(header.metadata.get('llama.rope.freq_base')).toBe(10000);
    expect(header.metadata.get('tokenizer.ggml.tokens')).toEqual({ skipped: true, itemType: GGUF_VALUE_TYPE.STRING, length: 1000 });
    expect(header.metadata.get('tokenizer.ggml.scores')).toEqual({ skipped: true, itemType: GGUF_VALUE_TYPE.FLOAT32, length: 1000 });
    // The key after the skipped arrays was read from the right place.
    expect(header.metadata.get('tokenizer.ggml.bos_token_id')).toBe(1);
    expect(header.tensors).toEqual([
      { name: 'token_embd.weight', dims: [64, 1000], type: GGML_TYPE.Q8_0, bytes: (64_000 / 32) * 34 },
      { name: 'blk.0.attn_q.weight', dims: [64, 64], type: GGML_TYPE.Q4_0, bytes: (4096 / 32) * 18 },
      { name: 'blk.0.ffn_up.weight', dims: [64, 128], type: GGML_TYPE.F16, bytes: 8192 * 2 },
      { name: 'output_norm.weight', dims: [64], type: GGML_TYPE.F32, bytes: 64 * 4 },
    ]);
    expect(header.tensorBytes).toBe(68_000 + 2304 + 16_384 + 256);
    expect(header.dataOffset % 32).toBe(0);
    expect(image.length).toBe(header.dataOffset + 68_000 + 2304 + 16_384 + 256);
  });

  it('reads version 2 files, which have the same layout', async () => {
    const header = await readGgufHeader(fsReader(), await fileOf(writeGguf({ ...LLAMA, version: 2 })));
    expect(header.version).toBe(2);
    expect(header.tensors).toHaveLength(4);
  });

  it('reads every GGUF value type, keeping short arrays and 64-bit integers beyond 2^53 as bigints', async () => {
    const header = await readGgufHeader(fsReader(), await fileOf(writeGguf({
      metadata: {
        u8: typed('u8', 200), i8: typed('i8', -100), u16: typed('u16', 60_000), i16: typed('i16', -30_000),
        u32: typed('u32', 4_000_000_000), i32: typed('i32', -2_000_000_000), f32: typed('f32', 0.5), bool: true,
        str: 'héllo', u64: typed('u64', 2n ** 60n), i64: typed('i64', -5n), f64: typed('f64', 0.1),
        small: arrayOf('i32', [1, -2, 3]), words: ['a', 'b'], 'at-limit': arrayOf('u8', new Array<number>(64).fill(7)),
        'over-limit': arrayOf('u64', new Array<number>(65).fill(1)), after: 'still in step',
      },
    })));
    const m = Object.fromEntries(header.metadata);
    expect(m).toMatchObject({
      u8: 200, i8: -100, u16: 60_000, i16: -30_000, u32: 4_000_000_000, i32: -2_000_000_000, f32: 0.5, bool: true,
      str: 'héllo', u64: 2n ** 60n, i64: -5, f64: 0.1, small: [1, -2, 3], words: ['a', 'b'],
      'over-limit': { skipped: true, itemType: GGUF_VALUE_TYPE.UINT64, length: 65 }, after: 'still in step',
    });
    expect(m['at-limit']).toHaveLength(64);
    expect(header.tensors).toEqual([]);
  });

  it('keeps per-layer arrays of the architecture longer than 64 (deep models)', async () => {
    const perLayer = Array.from({ length: 80 }, (_, i) => (i % 2 ? 8 : 0));
    const header = await readGgufHeader(fsReader(), await fileOf(writeGguf({
      metadata: { 'general.architecture': 'deci', 'deci.attention.head_count_kv': arrayOf('i32', perLayer) },
    })));
    expect(header.metadata.get('deci.attention.head_count_kv')).toEqual(perLayer);
  });

  it('reads in chunks through the port when the metadata spans many reads', async () => {
    const path = await fileOf(writeGguf(LLAMA));
    const calls: ReadCall[] = [];
    const chunked = await readGgufHeader(fsReader(calls), path, { chunkSize: 64 });
    expect(chunked).toEqual(await readGgufHeader(fsReader(), path));
    expect(calls.length).toBeGreaterThan(50);
    expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(64);
    // Reads move forward; the last is the one-byte check at the end of the tensor data.
    const last = calls.at(-1);
    expect(last).toEqual({ offset: chunked.dataOffset + chunked.tensorBytes - 1, length: 1, got: 1 });
    for (const c of calls.slice(0, -1)) expect(c.offset).toBeLessThan(chunked.dataOffset);
  });

  it('reads a string longer than the chunk size', async () => {
    const long = 'x'.repeat(1000);
    const header = await readGgufHeader(fsReader(), await fileOf(writeGguf({ metadata: { 'tokenizer.chat_template': long } })), { chunkSize: 16 });
    expect(header.metadata.get('tokenizer.chat_template')).toBe(long);
  });

  it('rejects a file that is not GGUF, naming offset 0', async () => {
    const err = await rejection(await fileOf(new TextEncoder().encode('{"not": "a model"}')));
    expect(err.message).toMatch(/is not a GGUF file/);
    expect(err.offset).toBe(0);
    expect((await rejection(await fileOf(new Uint8Array(0)))).message).toMatch(/is not a GGUF file/);
  });

  it('rejects a file truncated in the counts, the metadata or the tensor data, with the offset', async () => {
    const image = writeGguf(LLAMA);
    const inCounts = await rejection(await fileOf(image.slice(0, 10)));
    expect(inCounts.message).toMatch(/truncated at offset 8$/);
    expect(inCounts.offset).toBe(8);

    const inTokens = await rejection(await fileOf(image.slice(0, 2000)), { chunkSize: 256 });
    expect(inTokens.message).toMatch(/truncated at offset \d+/);
    expect(inTokens.offset).toBeGreaterThan(1900);
    expect(inTokens.offset).toBeLessThanOrEqual(2000);

    const inData = await rejection(await fileOf(image.slice(0, image.length - 1)));
    expect(inData.message).toMatch(new RegExp(`truncated: its tensor data ends at offset ${image.length}`));
  });

  it('rejects unsupported versions, hinting at big-endian files', async () => {
    const image = writeGguf(LLAMA);
    new DataView(image.buffer).setUint32(4, 1, true);
    expect((await rejection(await fileOf(image))).message).toMatch(/unsupported GGUF version 1 .*supported are 2 and 3/);
    new DataView(image.buffer).setUint32(4, 3, false);
    expect((await rejection(await fileOf(image))).message).toMatch(/unsupported GGUF version 50331648 \(a big-endian file\?\)/);
  });

  it('rejects an unknown tensor type, naming the tensor and the type', async () => {
    const image = writeGguf({ metadata: {}, tensors: [{ name: 'odd.weight', dims: [32], type: GGML_TYPE.F32 }] });
    // The tensor info: u64 name length, name, u32 n_dims, u64 dims[1], then the u32 type.
    const typeAt = 24 + 8 + 'odd.weight'.length + 4 + 8;
    new DataView(image.buffer).setUint32(typeAt, 99, true);
    const err = await rejection(await fileOf(image));
    expect(err.message).toMatch(/tensor odd\.weight at offset 24 has unknown tensor type 99/);
    expect(err.offset).toBe(24);
  });

  it('rejects an unknown metadata value type', async () => {
    const image = writeGguf({ metadata: { k: 1 } });
    new DataView(image.buffer).setUint32(24 + 8 + 1, 77, true);
    expect((await rejection(await fileOf(image))).message).toMatch(/key k at offset 33 has unknown value type 77/);
  });
});

describe('ggmlBytes', () => {
  it('follows ggml type_traits block and type sizes', () => {
    const perBlock: [number, number, number][] = [
      [GGML_TYPE.Q4_K, 256, 144], [GGML_TYPE.Q6_K, 256, 210], [GGML_TYPE.Q5_K, 256, 176], [GGML_TYPE.Q2_K, 256, 84],
      [GGML_TYPE.Q3_K, 256, 110], [GGML_TYPE.IQ4_XS, 256, 136], [GGML_TYPE.TQ1_0, 256, 54], [GGML_TYPE.MXFP4, 32, 17],
      [GGML_TYPE.BF16, 1, 2], [GGML_TYPE.IQ2_XXS, 256, 66], [GGML_TYPE.IQ1_M, 256, 56], [GGML_TYPE.Q5_1, 32, 24],
    ];
    for (const [type, block, size] of perBlock) expect(ggmlBytes(type, block * 10)).toBe(size * 10);
    expect(ggmlBytes(4, 32)).toBeUndefined(); // Q4_2: removed from ggml
  });
});
