import { describe, expect, it } from 'vitest';
import { createKeyRing, sha256Hex } from './api-keys.ts';

describe('createKeyRing', () => {
  it('finds a key by its plain text or its SHA-256, again and again, and nothing else', async () => {
    const ring = createKeyRing([
      { name: 'alice', key: 'alice-key', models: ['*'] },
      { name: 'bob', key_sha256: await sha256Hex('bob-key'), models: ['*'] },
    ] as never); // only the fields the ring reads: the schema fills the rest from defaults
    for (let i = 0; i < 3; i++) {
      expect(ring.verify('alice-key')?.name).toBe('alice');
      expect(ring.verify('bob-key')?.name).toBe('bob');
      expect(ring.verify('alice-key ')).toBeNull();
      expect(ring.verify('bob-kez')).toBeNull();
    }
    for (let i = 0; i < 20_000; i++) expect(ring.verify(`guess-${i}`)).toBeNull();
    expect(ring.verify('alice-key')?.name).toBe('alice');
  });
});
