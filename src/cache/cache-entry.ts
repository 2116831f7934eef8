/** Tokens of the request an entry answered: a hit counts them again (metrics, tpm). */
export interface CachedUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

interface EntryBase {
  status: number;
  contentType: string;
  usage: CachedUsage | null;
  /** The model that answered. */
  model: string;
  /** Wall-clock ms when it was stored (the Age header). */
  storedAt: number;
}

/**
 * One cached answer: a body, or a stream as the SSE chunks the backend sent (their
 * boundaries kept) with the gaps between them for paced replay.
 */
export type CacheEntry =
  | (EntryBase & { kind: 'body'; body: string })
  | (EntryBase & { kind: 'stream'; chunks: readonly Uint8Array[]; gaps: readonly number[] });

/** Room the fields besides the payload take, roughly (what a store counts per entry). */
const OVERHEAD = 256;

/** Bytes an entry takes in a store: its payload plus a fixed allowance. */
export function entrySize(entry: CacheEntry): number {
  if (entry.kind === 'body') return OVERHEAD + utf8Length(entry.body);
  let n = OVERHEAD + entry.chunks.length * 8;
  for (const c of entry.chunks) n += c.length;
  return n;
}

export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

interface Header {
  v: 1;
  kind: CacheEntry['kind'];
  status: number;
  contentType: string;
  usage: CachedUsage | null;
  model: string;
  storedAt: number;
  sizes?: number[];
  gaps?: readonly number[];
}

const encoder = new TextEncoder();

/**
 * An entry as bytes for stores outside the process (Redis, the Workers Cache API): a 4-byte
 * header length, the header as JSON, then the body or the chunks back to back.
 */
export function encodeEntry(entry: CacheEntry): Uint8Array<ArrayBuffer> {
  const { kind, status, contentType, usage, model, storedAt } = entry;
  const header: Header = { v: 1, kind, status, contentType, usage, model, storedAt };
  const parts = entry.kind === 'body' ? [encoder.encode(entry.body)] : entry.chunks;
  if (entry.kind === 'stream') {
    header.sizes = entry.chunks.map((c) => c.length);
    header.gaps = entry.gaps;
  }
  const head = encoder.encode(JSON.stringify(header));
  const total = 4 + head.length + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, head.length);
  out.set(head, 4);
  let at = 4 + head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The entry in `bytes`, or null when they are not one (another version, truncated). */
export function decodeEntry(bytes: Uint8Array): CacheEntry | null {
  if (bytes.length < 4) return null;
  const headLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (4 + headLength > bytes.length) return null;
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headLength))) as Header;
  } catch {
    return null;
  }
  if (header.v !== 1) return null;
  // a plain view (a Node Buffer's slice would be one too): slice below copies
  const payload = new Uint8Array(bytes.buffer, bytes.byteOffset + 4 + headLength, bytes.length - 4 - headLength);
  const base = { status: header.status, contentType: header.contentType, usage: header.usage, model: header.model, storedAt: header.storedAt };
  if (header.kind === 'body') return { ...base, kind: 'body', body: new TextDecoder().decode(payload) };
  const sizes = header.sizes ?? [];
  if (sizes.reduce((n, s) => n + s, 0) !== payload.length) return null;
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const s of sizes) {
    // a copy per chunk: each is enqueued on its own and may be transferred
    chunks.push(payload.slice(at, at + s));
    at += s;
  }
  return { ...base, kind: 'stream', chunks, gaps: header.gaps ?? sizes.map(() => 0) };
}
