/** Something waiting for capacity: higher priority first, then first come first served. */
export interface Waiting {
  readonly priority: number;
  readonly seq: number;
  readonly since: number;
}

/**
 * The waiting line of one model, in service order. Small (bounded by `max_queue`), so a
 * sorted array beats a heap: in-order walks and removal of a client that left are simple.
 */
export class WaitQueue<W extends Waiting> {
  private readonly items: W[] = [];

  get length(): number {
    return this.items.length;
  }

  push(w: W): void {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.items[mid]!, w)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, w);
  }

  remove(w: W): boolean {
    const i = this.items.indexOf(w);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  /** In service order; safe against removal of the item being visited. */
  *inOrder(): Generator<W> {
    for (const w of [...this.items]) yield w;
  }

  /** Waiters per priority, and when the longest-waiting one arrived. */
  summary(): { byPriority: Map<number, number>; oldestSince: number | null } {
    const byPriority = new Map<number, number>();
    let oldestSince: number | null = null;
    for (const w of this.items) {
      byPriority.set(w.priority, (byPriority.get(w.priority) ?? 0) + 1);
      if (oldestSince === null || w.since < oldestSince) oldestSince = w.since;
    }
    return { byPriority, oldestSince };
  }
}

function before(a: Waiting, b: Waiting): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq);
}
