import type { Scheduler } from '../deps.ts';

/**
 * The Scheduler on the web-standard timers (Node, Bun, Deno). `unref` (where the
 * runtime has it) keeps background work from holding the process open on its own.
 *
 * @example
 * const scheduler = createTimerScheduler((t) => (t as { unref?: () => void }).unref?.());
 */
export function createTimerScheduler(unref: (timer: unknown) => void = () => undefined): Scheduler {
  const cancels = new Set<() => void>();
  let stopped = false;
  const track = (clear: () => void) => {
    cancels.add(clear);
    return () => {
      cancels.delete(clear);
      clear();
    };
  };
  return {
    every(ms, task) {
      if (stopped) return () => undefined;
      const id = setInterval(task, ms);
      unref(id);
      return track(() => clearInterval(id));
    },
    after(ms, task) {
      if (stopped) return () => undefined;
      const clear = () => clearTimeout(id);
      const id = setTimeout(() => {
        cancels.delete(clear);
        task();
      }, ms);
      unref(id);
      return track(clear);
    },
    stop() {
      stopped = true;
      for (const clear of cancels) clear();
      cancels.clear();
    },
  };
}
