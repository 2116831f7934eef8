/**
 * Writes GGUF file images for tests: metadata, tensor infos, alignment padding and zero-filled
 * tensor data, laid out as llama.cpp's gguf writer does. Test support only; not shipped code.
 */
import { GGUF_VALUE_TYPE, ggmlBytes } from './gguf.ts';

export type GgufItemType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'string' | 'u64' | 'i64' | 'f64';
type Item = number | bigint | boolean | string;

/** A value with its GGUF type spelled out (a JS number alone does not say u32, i64 or f32). */
export interface TypedValue {
  type: GgufItemType;
  value: Item;
}

export interface TypedArray {
  type: 'array';
  itemType: GgufItemType;
  values: readonly Item[];
}

/** Untyped values are inferred: string, boolean, bigint → u64, integer → u32 (i32 if negative), other numbers → f32, string[] → array of strings. */
export type WriteValue = Item | readonly string[] | TypedValue | TypedArray;

export interface GgufTensorSpec {
  name: string;
  /** Element counts, innermost first. */
  dims: readonly number[];
  /** ggml type id (GGML_TYPE). */
  type: number;
}

export interface GgufImageSpec {
  /** Written in order; put `general.architecture` first, as real files do. */
  metadata: Readonly<Record<string, WriteValue>>;
  tensors?: readonly GgufTensorSpec[];
  version?: number;
}

/** A value of an explicit GGUF type. */
export function typed(type: GgufItemType, value: Item): TypedValue {
  return { type, value };
}

/** An array of an explicit GGUF item type. */
export function arrayOf(itemType: GgufItemType, values: readonly Item[]): TypedArray {
  return { type: 'array', itemType, values };
}

const TYPE_IDS: Readonly<Record<GgufItemType, number>> = {
  u8: GGUF_VALUE_TYPE.UINT8, i8: GGUF_VALUE_TYPE.INT8, u16: GGUF_VALUE_TYPE.UINT16, i16: GGUF_VALUE_TYPE.INT16,
  u32: GGUF_VALUE_TYPE.UINT32, i32: GGUF_VALUE_TYPE.INT32, f32: GGUF_VALUE_TYPE.FLOAT32, bool: GGUF_VALUE_TYPE.BOOL,
  string: GGUF_VALUE_TYPE.STRING, u64: GGUF_VALUE_TYPE.UINT64, i64: GGUF_VALUE_TYPE.INT64, f64: GGUF_VALUE_TYPE.FLOAT64,
};

const WIDTHS: Readonly<Record<Exclude<GgufItemType, 'string'>, number>> = {
  u8: 1, i8: 1, bool: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, u64: 8, i64: 8, f64: 8,
};

/** Appends little-endian fields to a growing byte image. */
class ByteSink {
  private bytes = new Uint8Array(1024);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  private room(n: number): number {
    if (this.length + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  raw(data: Uint8Array): void {
    const at = this.room(data.length); // before touching bytes: room() may replace them
    this.bytes.set(data, at);
  }

  zeros(n: number): void {
    const at = this.room(n);
    this.bytes.fill(0, at, this.length);
  }

  u32(v: number): void {
    this.item('u32', v);
  }

  u64(v: number | bigint): void {
    this.item('u64', v);
  }

  string(s: string): void {
    const data = new TextEncoder().encode(s);
    this.u64(data.length);
    this.raw(data);
  }

  item(type: GgufItemType, v: Item): void {
    if (type === 'string') return this.string(String(v));
    const at = this.room(WIDTHS[type]); // before reading this.view: room() may replace it
    const view = this.view;
    const n = Number(v);
    switch (type) {
      case 'bool': return view.setUint8(at, v ? 1 : 0);
      case 'u8': return view.setUint8(at, n);
      case 'i8': return view.setInt8(at, n);
      case 'u16': return view.setUint16(at, n, true);
      case 'i16': return view.setInt16(at, n, true);
      case 'u32': return view.setUint32(at, n, true);
      case 'i32': return view.setInt32(at, n, true);
      case 'f32': return view.setFloat32(at, n, true);
      case 'u64': return view.setBigUint64(at, BigInt(v), true);
      case 'i64': return view.setBigInt64(at, BigInt(v), true);
      case 'f64': return view.setFloat64(at, n, true);
    }
  }

  image(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

function toTyped(v: WriteValue): TypedValue | TypedArray {
  if (typeof v === 'object' && !Array.isArray(v)) return v as TypedValue | TypedArray;
  if (Array.isArray(v)) return arrayOf('string', v as readonly string[]);
  if (typeof v === 'string') return typed('string', v);
  if (typeof v === 'boolean') return typed('bool', v);
  if (typeof v === 'bigint') return typed('u64', v);
  const n = v as number;
  return typed(Number.isInteger(n) ? (n < 0 ? 'i32' : 'u32') : 'f32', n);
}

/**
 * Builds a complete GGUF file image (version 3 unless given). Tensor data is zero-filled and each
 * tensor starts on `general.alignment` (default 32), as llama.cpp requires.
 *
 * @example
 * const image = writeGguf({ metadata: { 'general.architecture': 'llama' }, tensors: [{ name: 'w', dims: [32], type: GGML_TYPE.F32 }] });
 */
export function writeGguf(spec: GgufImageSpec): Uint8Array {
  const tensors = spec.tensors ?? [];
  const entries = Object.entries(spec.metadata);
  const alignmentValue = spec.metadata['general.alignment'];
  const alignment = alignmentValue === undefined ? 32 : Number((toTyped(alignmentValue) as TypedValue).value);
  const out = new ByteSink();
  out.raw(new TextEncoder().encode('GGUF'));
  out.u32(spec.version ?? 3);
  out.u64(tensors.length);
  out.u64(entries.length);
  for (const [key, raw] of entries) {
    out.string(key);
    const v = toTyped(raw);
    if (v.type === 'array') {
      out.u32(GGUF_VALUE_TYPE.ARRAY);
      out.u32(TYPE_IDS[v.itemType]);
      out.u64(v.values.length);
      for (const item of v.values) out.item(v.itemType, item);
    } else {
      out.u32(TYPE_IDS[v.type]);
      out.item(v.type, v.value);
    }
  }
  const pad = (n: number) => Math.ceil(n / alignment) * alignment;
  let offset = 0;
  for (const t of tensors) {
    const bytes = ggmlBytes(t.type, t.dims.reduce((a, b) => a * b, 1), t.dims[0] ?? 1);
    if (bytes === undefined) throw new Error(`writeGguf: unknown ggml type ${t.type} for ${t.name}`);
    out.string(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(t.type);
    out.u64(offset);
    offset = pad(offset + bytes);
  }
  out.zeros(pad(out.length) - out.length);
  out.zeros(offset);
  return out.image();
}
