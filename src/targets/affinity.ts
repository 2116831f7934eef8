import type { ModelEntry } from '../config/snapshot.ts';

/** What a request offers for `affinity`: its caller, its `user` field, its headers. */
export interface AffinitySource {
  /** the API key's name (null when anonymous) */
  key: string | null;
  user: unknown;
  headers: Headers;
}

/** The consistent-hash key of a model's `affinity` for this request, or null (ordinary balancing). */
export function affinityKey(model: ModelEntry, from: AffinitySource): string | null {
  const a = model.affinity;
  if (!a) return null;
  if (a === 'key') return from.key;
  if (a === 'user') return typeof from.user === 'string' && from.user !== '' ? from.user : null;
  return from.headers.get(a.slice('header:'.length)) || null;
}
