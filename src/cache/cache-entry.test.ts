import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, entrySize, utf8Length, type CacheEntry } from './cache-entry.ts';

const enc = new TextEncoder();

describe('[node] cache entries as bytes', () => {
  it('a stream comes back with the same chunks, gaps and usage', () => {
    const chunks = ['data: {"a":1}\n\n', 'data: {"b":"ü€😀"}\n\n', 'data: [DONE]\n\n'].map((c) => enc.encode(c));
    const entry: CacheEntry = { kind: 'stream', chunks, gaps: [0, 12, 3], status: 200, contentType: 'text/event-stream', usage: { prompt_tokens: 3, completion_tokens: 2 }, model: 'm', storedAt: 1234 };
    const back = decodeEntry(encodeEntry(entry));
    expect(back).toEqual(entry);
  });

  it('a body comes back as it was, also from a view into a larger buffer', () => {
    const entry: CacheEntry = { kind: 'body', body: '{"x":"naïve 😀"}', status: 200, contentType: 'application/json', usage: null, model: 'm', storedAt: 1 };
    const bytes = encodeEntry(entry);
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 5);
    expect(decodeEntry(padded.subarray(5, 5 + bytes.length))).toEqual(entry);
  });

  it('bytes that are not an entry give null', () => {
    expect(decodeEntry(new Uint8Array([0, 0, 0]))).toBeNull();
    expect(decodeEntry(enc.encode('\u0000\u0000\u0000\u0004nope'))).toBeNull();
    expect(decodeEntry(new Uint8Array([0, 0, 1, 0, 1]))).toBeNull();
  });

  it('counts UTF-8 bytes without encoding', () => {
    for (const s of ['', 'abc', 'naïve', '€', '😀x']) expect(utf8Length(s)).toBe(enc.encode(s).length);
    expect(entrySize({ kind: 'body', body: 'abc', status: 200, contentType: '', usage: null, model: '', storedAt: 0 })).toBeGreaterThan(3);
  });
});
