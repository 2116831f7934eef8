import type { Result, Router } from 'hono/router';
import { TrieRouter } from 'hono/router/trie-router';

/** Paths remembered at most; later new paths are matched but not kept (the hot ones come first). */
const MAX_PATHS = 1_000;
/** Longer paths are never kept: only a client's made-up path is that long. */
const MAX_PATH_LENGTH = 256;

/**
 * Hono's router with each method and path's answer kept. The gateway's routes are beyond
 * RegExpRouter (a path prefix before every API path: `/:prefix/v1/*` next to `/upstream/*`),
 * so Hono falls back to TrieRouter, which gathers and sorts every matching handler and
 * middleware again on each request: about 3 KB and a sort per proxied request. Once the
 * routes are added a path's answer never changes, and Hono only reads it.
 */
export class CachedRouter<T> implements Router<T> {
  readonly name: string;
  private readonly byMethod = new Map<string, Map<string, Result<T>>>();
  private kept = 0;

  constructor(private readonly inner: Router<T> = new TrieRouter<T>()) {
    this.name = `CachedRouter(${inner.name})`;
  }

  add(method: string, path: string, handler: T): void {
    this.byMethod.clear();
    this.kept = 0;
    this.inner.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    let byPath = this.byMethod.get(method);
    const known = byPath?.get(path);
    if (known) return known;
    const result = this.inner.match(method, path);
    if (this.kept < MAX_PATHS && path.length <= MAX_PATH_LENGTH) {
      if (!byPath) this.byMethod.set(method, (byPath = new Map()));
      byPath.set(path, result);
      this.kept++;
    }
    return result;
  }
}
