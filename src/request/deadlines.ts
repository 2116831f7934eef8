/**
 * Deadlines for many requests on few timers. Every request has a total deadline and each
 * attempt a first-byte one. Deadlines of one length expire in the order they were set, so
 * each length keeps a list in that order and one platform timer for its head; a deadline
 * cleared early unlinks itself and lets go of its target.
 *
 * Why not a setTimeout each: a cleared Node Timeout still holds its arguments (here the
 * request's scope, and through it the whole request). Some of those Timeouts reach the old
 * generation, and a dead old object's pointers count as roots in every young collection
 * until the next full one, so finished requests were copied and promoted again and again:
 * measured under load, GC paused 40–48 µs per proxied request with them and 9–13 µs with
 * these (cleared entries drop their target for the same reason).
 */
export class Deadlines {
  private readonly lists = new Map<number, DeadlineList>();

  /** Calls `target.expire(phase)` once `ms` have passed, unless cleared first. */
  set(ms: number, target: DeadlineTarget, phase: 'first byte' | 'total'): Deadline {
    let list = this.lists.get(ms);
    if (!list) this.lists.set(ms, (list = new DeadlineList(ms)));
    const d = new Deadline(list, performance.now() + ms, target, phase);
    list.append(d);
    return d;
  }
}

export interface DeadlineTarget {
  expire(phase: 'first byte' | 'total'): void;
}

export class Deadline {
  prev: Deadline | null = null;
  next: Deadline | null = null;

  constructor(
    private readonly list: DeadlineList,
    readonly at: number,
    public target: DeadlineTarget | null,
    readonly phase: 'first byte' | 'total',
  ) {}

  /** Idempotent; after it the target is never called (a deadline without a target is no longer in its list). */
  clear(): void {
    if (this.target) this.list.remove(this);
  }
}

/** A timer fires no earlier than asked, but its clock and performance.now() may differ by a fraction of a millisecond. */
const SLACK_MS = 1;

class DeadlineList {
  private head: Deadline | null = null;
  private tail: Deadline | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly ms: number) {}

  append(d: Deadline): void {
    d.prev = this.tail;
    if (this.tail) this.tail.next = d;
    else this.head = d;
    this.tail = d;
    if (this.timer === undefined) this.arm(this.ms);
  }

  remove(d: Deadline): void {
    d.target = null;
    if (d.prev) d.prev.next = d.next;
    else this.head = d.next;
    if (d.next) d.next.prev = d.prev;
    else this.tail = d.prev;
    d.prev = d.next = null;
    // an empty list holds no timer (nothing keeps a process alive for a deadline no one has);
    // a removed head leaves the timer be: it fires early for the new head and re-arms once
    if (!this.head && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private arm(delay: number): void {
    this.timer = setTimeout(fireList, Math.max(0, delay), this);
  }

  /** @internal the timer's callback */
  fire(): void {
    this.timer = undefined;
    const now = performance.now();
    let d = this.head;
    while (d && d.at <= now + SLACK_MS) {
      const target = d.target;
      this.remove(d);
      // a target that throws must not stop the others' deadlines
      try {
        target?.expire(d.phase);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
      d = this.head;
    }
    if (d && this.timer === undefined) this.arm(d.at - now);
  }
}

function fireList(list: DeadlineList): void {
  list.fire();
}
