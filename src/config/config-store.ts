import { diffSnapshots, type ConfigDiff } from './config-diff.ts';
import type { ConfigSnapshot } from './snapshot.ts';

export type ConfigListener = (next: ConfigSnapshot, prev: ConfigSnapshot, diff: ConfigDiff) => void;

/**
 * Holds the current snapshot. `swap` replaces it atomically: requests already
 * running keep the snapshot they read at their start; subscribers (the per-model
 * runtime) get the diff and reconcile their live state with it.
 */
export interface ConfigStore {
  current(): ConfigSnapshot;
  swap(next: ConfigSnapshot): ConfigDiff;
  subscribe(listener: ConfigListener): () => void;
}

export function createConfigStore(initial: ConfigSnapshot): ConfigStore {
  let snapshot = initial;
  const listeners = new Set<ConfigListener>();
  return {
    current: () => snapshot,
    swap(next) {
      const prev = snapshot;
      const diff = diffSnapshots(prev, next);
      snapshot = next;
      for (const l of listeners) l(next, prev, diff);
      return diff;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
