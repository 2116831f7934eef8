import type { KeyConfig } from '../config/auth-schema.ts';
import { sha256Bytes } from '../crypto/sha256.ts';
import { compileGlobs } from './model-globs.ts';
import type { Principal } from './principal.ts';

interface StoredKey {
  digest: Uint8Array;
  principal: Principal;
}

/** Matched keys remembered per ring at most (a ring holds as many keys as the config lists). */
const MAX_MATCHED = 10_000;

export interface KeyRing {
  /**
   * The principal for a presented key, or null. Compares against every key in constant time.
   * Synchronous: hashing a key here takes microseconds, Web Crypto's promise came back a
   * turn of a busy event loop later.
   */
  verify(presented: string): Principal | null;
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(sha256Bytes(text));
}

export function createKeyRing(keys: readonly KeyConfig[]): KeyRing {
  const stored = keys.map(
    (k): StoredKey => ({
      digest: k.key_sha256 ? fromHex(k.key_sha256) : sha256Bytes(k.key ?? ''),
      principal: Object.freeze({
        name: k.name,
        label: k.name,
        kind: 'key' as const,
        mayUse: compileGlobs(k.models),
        limits: { rpm: k.rpm, tpm: k.tpm, max_concurrent: k.max_concurrent },
        priority: k.priority,
        ...(k.cache === false ? { noCache: true as const } : {}),
      }),
    }),
  );
  // Keys that matched, so a caller's key is hashed once per config rather than per request
  // (hashing was ~2% of a proxied request's CPU). Only matches are kept, so a flood of wrong
  // keys cannot grow it; a reload builds a new ring and forgets them all.
  const matched = new Map<string, Principal>();
  return {
    verify(presented) {
      const known = matched.get(presented);
      if (known) return known;
      const digest = sha256Bytes(presented);
      let found: Principal | null = null;
      // no early exit: every key is compared, so timing says nothing about which one matched
      for (const k of stored) if (equalDigests(k.digest, digest)) found = k.principal;
      if (found) {
        if (matched.size >= MAX_MATCHED) matched.clear();
        matched.set(presented, found);
      }
      return found;
    },
  };
}

function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A new random key (`mt-` + 43 base64url characters, 256 bits) and its SHA-256 for the config. */
export async function generateKey(): Promise<{ key: string; sha256: string }> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const key = `mt-${btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
  return { key, sha256: await sha256Hex(key) };
}
