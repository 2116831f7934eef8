import { describe, expect, it } from 'vitest';
import { sha256Bytes, sha256Hex } from './sha256.ts';

describe('sha256', () => {
  it('matches Web Crypto for empty, short, block-boundary, long and non-ASCII input', async () => {
    for (const text of ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'mt-' + 'x'.repeat(43), 'héllo wörld ✓ 日本語 🙂', 'z'.repeat(10_000)]) {
      const want = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
      expect(sha256Bytes(text)).toEqual(want);
      expect(sha256Hex(text)).toBe(Array.from(want, (b) => b.toString(16).padStart(2, '0')).join(''));
    }
  });
});
