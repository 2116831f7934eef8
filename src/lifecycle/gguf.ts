/**
 * Reads the header of a GGUF model file (llama.cpp's format): its metadata and tensor shapes,
 * never the tensor data, so that a model's memory can be estimated before a server is started.
 * Layout (little-endian, versions 2 and 3): https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 */
import type { FileReader } from '../deps.ts';

export type GgufScalar = number | bigint | boolean | string;

/** An array too long to keep (see {@link MAX_KEPT_ARRAY_LENGTH}): its items were skipped, only its shape is kept. */
export interface GgufSkippedArray {
  readonly skipped: true;
  /** GGUF value type of the items (see {@link GGUF_VALUE_TYPE}). */
  readonly itemType: number;
  readonly length: number;
}

/** 64-bit integers are numbers when they fit in a double exactly, else bigints. */
export type GgufValue = GgufScalar | readonly GgufValue[] | GgufSkippedArray;

export interface GgufTensorInfo {
  name: string;
  /** Element counts, innermost dimension first (ggml's `ne`). */
  dims: number[];
  /** ggml type id (see {@link GGML_TYPE}). */
  type: number;
  /** Size of the tensor's data in the file. */
  bytes: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  /** Sum of the tensors' bytes: what the weights take once loaded. */
  tensorBytes: number;
  /** File offset where the (aligned) tensor data starts. */
  dataOffset: number;
}

/** A file that is not a GGUF file we can read; `offset` is where reading stopped, when known. */
export class GgufError extends Error {
  readonly offset: number | undefined;

  constructor(message: string, offset?: number) {
    super(message);
    this.name = 'GgufError';
    this.offset = offset;
  }
}

/** Arrays up to this length are kept in the metadata; longer ones (token lists) are skipped. */
export const MAX_KEPT_ARRAY_LENGTH = 64;
/**
 * Arrays under the architecture's own keys (`llama.attention.head_count_kv`) hold one value per
 * layer, and deep models have more than 64 layers; they are kept up to this length. (Files written
 * by llama.cpp's tools put `general.architecture` first, so its keys are known when they come.)
 */
export const MAX_KEPT_LAYER_ARRAY_LENGTH = 4096;

export const GGUF_VALUE_TYPE = {
  UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7,
  STRING: 8, ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12,
} as const;

// Fixed widths of the scalar value types, indexed by GGUF value type (strings/arrays vary).
const SCALAR_WIDTH: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

export const GGML_TYPE = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q8_1: 9, Q2_K: 10, Q3_K: 11, Q4_K: 12,
  Q5_K: 13, Q6_K: 14, Q8_K: 15, IQ2_XXS: 16, IQ2_XS: 17, IQ3_XXS: 18, IQ1_S: 19, IQ4_NL: 20, IQ3_S: 21,
  IQ2_S: 22, IQ4_XS: 23, I8: 24, I16: 25, I32: 26, I64: 27, F64: 28, IQ1_M: 29, BF16: 30, TQ1_0: 34,
  TQ2_0: 35, MXFP4: 39, NVFP4: 40, Q1_0: 41,
} as const;

// [elements per block, bytes per block], from ggml.c's type_traits and the block structs'
// static_asserts in ggml-common.h (QK_K = 256, ggml_half = 2 bytes).
const TYPE_TRAITS: Readonly<Record<number, readonly [number, number]>> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 36],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  16: [256, 66], 17: [256, 74], 18: [256, 98], 19: [256, 50], 20: [32, 18], 21: [256, 110], 22: [256, 82],
  23: [256, 136], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 29: [256, 56], 30: [1, 2],
  34: [256, 54], 35: [256, 66], 39: [32, 17], 40: [64, 36], 41: [128, 18],
};

/**
 * Bytes of `elements` values of a ggml type laid out in rows of `rowLength`, or undefined for an
 * unknown type. Each row is a whole number of blocks, as ggml stores it.
 */
export function ggmlBytes(type: number, elements: number, rowLength = elements): number | undefined {
  const traits = TYPE_TRAITS[type];
  if (!traits || rowLength === 0) return traits ? 0 : undefined;
  const [blockSize, typeSize] = traits;
  return (elements / rowLength) * Math.ceil(rowLength / blockSize) * typeSize;
}

const DEFAULT_ALIGNMENT = 32;
const MAX_DIMS = 4;
const decoder = new TextDecoder();

/** A forward-only cursor over a file, reading it a chunk at a time through the FileReader port. */
class Cursor {
  pos = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;
  private view = new DataView(this.buf.buffer);

  constructor(private readonly reader: FileReader, private readonly path: string, private readonly chunkSize: number) {}

  /** Makes `n` bytes from `pos` available in the buffer; returns their index in it. */
  private async need(n: number): Promise<number> {
    const end = this.pos + n;
    if (end <= this.bufStart + this.buf.length) return this.pos - this.bufStart;
    // Keep only the unread tail, then read at least a chunk so small fields rarely cost a read.
    const tail = this.pos >= this.bufStart + this.buf.length ? new Uint8Array(0) : this.buf.subarray(this.pos - this.bufStart);
    const parts: Uint8Array[] = [tail];
    let have = tail.length;
    while (have < n) {
      const got = await this.reader.read(this.path, this.pos + have, Math.max(this.chunkSize, n - have));
      if (got.length === 0) throw new GgufError(`GGUF file ${this.path} is truncated at offset ${this.pos}`, this.pos);
      parts.push(got);
      have += got.length;
    }
    this.buf = concat(parts, have);
    this.bufStart = this.pos;
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return 0;
  }

  skip(n: number): void {
    this.pos += n;
  }

  async bytes(n: number): Promise<Uint8Array> {
    const at = await this.need(n);
    this.pos += n;
    return this.buf.subarray(at, at + n);
  }

  async u32(): Promise<number> {
    const at = await this.need(4);
    this.pos += 4;
    return this.view.getUint32(at, true);
  }

  /** A u64 used as a size or count: must fit in a double exactly. */
  async size(what: string): Promise<number> {
    const at = this.pos;
    const v = await this.scalar(GGUF_VALUE_TYPE.UINT64);
    if (typeof v !== 'number') throw new GgufError(`GGUF ${what} at offset ${at} is implausibly large (${v})`, at);
    return v;
  }

  async string(): Promise<string> {
    return decoder.decode(await this.bytes(await this.size('string length')));
  }

  async scalar(type: number): Promise<GgufScalar> {
    const width = SCALAR_WIDTH[type] ?? 0;
    const at = await this.need(width);
    this.pos += width;
    const v = this.view;
    switch (type) {
      case 0: return v.getUint8(at);
      case 1: return v.getInt8(at);
      case 2: return v.getUint16(at, true);
      case 3: return v.getInt16(at, true);
      case 4: return v.getUint32(at, true);
      case 5: return v.getInt32(at, true);
      case 6: return v.getFloat32(at, true);
      case 7: return v.getUint8(at) !== 0;
      case 10: return narrow(v.getBigUint64(at, true));
      case 11: return narrow(v.getBigInt64(at, true));
      default: return v.getFloat64(at, true);
    }
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function isKnownValueType(type: number): boolean {
  return SCALAR_WIDTH[type] !== undefined || type === GGUF_VALUE_TYPE.STRING || type === GGUF_VALUE_TYPE.ARRAY;
}

/**
 * Reads one value of a known `type`, keeping arrays up to `maxArray` items; with `keep` false
 * only advances past it.
 */
async function readValue(c: Cursor, type: number, keep: boolean, maxArray: number): Promise<GgufValue> {
  if (type === GGUF_VALUE_TYPE.STRING) {
    if (keep) return c.string();
    c.skip(await c.size('string length'));
    return '';
  }
  if (type !== GGUF_VALUE_TYPE.ARRAY) return c.scalar(type);
  const at = c.pos;
  const itemType = await c.u32();
  const length = await c.size('array length');
  if (!isKnownValueType(itemType)) throw new GgufError(`GGUF array at offset ${at} has unknown item type ${itemType}`, at);
  const keepItems = keep && length <= maxArray;
  const width = SCALAR_WIDTH[itemType];
  if (!keepItems && width !== undefined) {
    c.skip(length * width); // fixed-width items: jump over them without reading
  } else {
    const items: GgufValue[] = [];
    for (let i = 0; i < length; i++) {
      const item = await readValue(c, itemType, keepItems, maxArray);
      if (keepItems) items.push(item);
    }
    if (keepItems) return items;
  }
  return { skipped: true, itemType, length };
}

/**
 * Parses the header of the GGUF file at `path`: version, metadata and tensor infos. Reads it in
 * chunks (1 MiB by default) and never reads tensor data, except one byte at the end of the data
 * to catch a partly downloaded file. Rejects with a {@link GgufError} for anything else than a
 * complete GGUF v2/v3 file, and with the reader's error when the file cannot be read.
 *
 * @example
 * const header = await readGgufHeader(files, '/models/llama-3-8b.Q4_K_M.gguf');
 * header.metadata.get('general.architecture'); // 'llama'
 * header.tensorBytes; // bytes the weights take once loaded
 */
export async function readGgufHeader(reader: FileReader, path: string, options: { chunkSize?: number } = {}): Promise<GgufHeader> {
  const c = new Cursor(reader, path, options.chunkSize ?? 1024 * 1024);
  const magic = await c.bytes(4).catch((e: unknown) => {
    throw e instanceof GgufError ? new GgufError(`${path} is not a GGUF file (shorter than its magic)`, 0) : e;
  });
  if (decoder.decode(magic) !== 'GGUF') throw new GgufError(`${path} is not a GGUF file (no "GGUF" magic at offset 0)`, 0);
  const version = await c.u32();
  if (version !== 2 && version !== 3) {
    const swapped = ((version & 0xff) << 24) | ((version >>> 8 & 0xff) << 16) | ((version >>> 16 & 0xff) << 8) | (version >>> 24);
    const hint = swapped === 2 || swapped === 3 ? ' (a big-endian file?)' : version === 1 ? ' (GGUF v1: convert it again with a current llama.cpp)' : '';
    throw new GgufError(`${path}: unsupported GGUF version ${version}${hint}; supported are 2 and 3`, 4);
  }
  const tensorCount = await c.size('tensor count');
  const kvCount = await c.size('metadata count');

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = await c.string();
    const at = c.pos;
    const type = await c.u32();
    if (!isKnownValueType(type)) throw new GgufError(`GGUF key ${key} at offset ${at} has unknown value type ${type}`, at);
    const arch = metadata.get('general.architecture');
    const perLayer = typeof arch === 'string' && key.startsWith(`${arch}.`);
    metadata.set(key, await readValue(c, type, true, perLayer ? MAX_KEPT_LAYER_ARRAY_LENGTH : MAX_KEPT_ARRAY_LENGTH));
  }

  const tensors: GgufTensorInfo[] = [];
  let dataEnd = 0;
  for (let i = 0; i < tensorCount; i++) {
    const at = c.pos;
    const name = await c.string();
    const nDims = await c.u32();
    if (nDims > MAX_DIMS) throw new GgufError(`GGUF tensor ${name} at offset ${at} has ${nDims} dimensions (at most ${MAX_DIMS})`, at);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(await c.size(`dimension of tensor ${name}`));
    const type = await c.u32();
    const offset = await c.size(`offset of tensor ${name}`);
    const bytes = ggmlBytes(type, dims.reduce((a, b) => a * b, 1), dims[0] ?? 1);
    if (bytes === undefined) throw new GgufError(`GGUF tensor ${name} at offset ${at} has unknown tensor type ${type}`, at);
    tensors.push({ name, dims, type, bytes });
    dataEnd = Math.max(dataEnd, offset + bytes);
  }

  const alignment = metadata.get('general.alignment') ?? DEFAULT_ALIGNMENT;
  if (typeof alignment !== 'number' || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new GgufError(`${path}: general.alignment must be a power of two, got ${String(alignment)}`);
  }
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  if (dataEnd > 0 && (await reader.read(path, dataOffset + dataEnd - 1, 1)).length === 0) {
    throw new GgufError(`GGUF file ${path} is truncated: its tensor data ends at offset ${dataOffset + dataEnd}`, dataOffset + dataEnd);
  }
  const tensorBytes = tensors.reduce((sum, t) => sum + t.bytes, 0);
  return { version, metadata, tensors, tensorBytes, dataOffset };
}
