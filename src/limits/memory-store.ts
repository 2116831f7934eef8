import type { Admitted, CounterStore, LimitCheck } from './counter-store.ts';

interface Counter {
  window: number;
  total: number;
}

/** The single-node default: synchronous, so admission costs no promise. Old windows are dropped as new ones start. */
export function createMemoryStore(): CounterStore & { add(entries: readonly (readonly [string, number])[], window: number): number[] } {
  const counters = new Map<string, Counter>();
  const slots = new Map<string, number>();

  const counter = (key: string, window: number): Counter => {
    let c = counters.get(key);
    if (!c) counters.set(key, (c = { window, total: 0 }));
    else if (c.window !== window) {
      c.window = window;
      c.total = 0;
    }
    return c;
  };
  const release = (key: string) => {
    const held = (slots.get(key) ?? 1) - 1;
    if (held <= 0) slots.delete(key);
    else slots.set(key, held);
  };
  let swept = 0;
  const sweep = (window: number) => {
    swept = window;
    for (const [k, c] of counters) if (c.window < window) counters.delete(k);
  };

  return {
    admit(checks: readonly LimitCheck[], window: number): Admitted {
      if (counters.size > 10_000 && swept !== window) sweep(window);
      const values: number[] = [];
      for (let i = 0; i < checks.length; i++) {
        const { kind, key, limit } = checks[i]!;
        let ok: boolean;
        if (kind === 'requests') {
          const c = counter(key, window);
          values.push(++c.total);
          ok = c.total <= limit;
        } else if (kind === 'tokens') {
          const total = counter(key, window).total;
          values.push(total);
          ok = total < limit;
        } else {
          const held = slots.get(key) ?? 0;
          ok = held < limit;
          if (ok) slots.set(key, held + 1);
          values.push(ok ? held + 1 : held);
        }
        if (!ok) {
          for (let j = 0; j < i; j++) if (checks[j]!.kind === 'concurrent') release(checks[j]!.key);
          return { failed: i, values };
        }
      }
      return { failed: -1, values };
    },
    add(entries, window) {
      return entries.map(([key, amount]) => (counter(key, window).total += amount));
    },
    settle(tokenKeys, tokens, window, slotKeys) {
      if (tokens > 0) for (const key of tokenKeys) counter(key, window).total += tokens;
      for (const key of slotKeys) release(key);
    },
  };
}
