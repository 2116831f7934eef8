/**
 * Coalesces calls made close together into one call with all of them: under load, one
 * round trip to a remote store then carries many requests, each still answered on its
 * own. A batch stays open until `schedule` runs the flush (Node: setImmediate, the end
 * of this turn of the event loop, after every socket that was ready has been read), so
 * nothing waits on a timer and a lone call goes out at once.
 */
export interface Batcher<T, R> {
  call(item: T): Promise<R>;
  /** Sends what is waiting now and resolves once every batch sent so far is answered (for shutdown). */
  drain(): Promise<void>;
}

export function createBatcher<T, R>(run: (items: T[]) => Promise<R[]>, schedule: (flush: () => void) => void, maxBatch = 512): Batcher<T, R> {
  const inFlight = new Set<Promise<unknown>>();
  let items: T[] = [];
  let waiting: { resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  const flush = () => {
    if (items.length === 0) return;
    const batch = waiting;
    const sent = items;
    items = [];
    waiting = [];
    let results: Promise<R[]>;
    try {
      results = run(sent);
    } catch (err) {
      results = Promise.reject(err);
    }
    const answered = results.then(
      (out) => {
        for (let i = 0; i < batch.length; i++) {
          if (i < out.length) batch[i]!.resolve(out[i]!);
          else batch[i]!.reject(new Error(`batch answered ${out.length} of ${batch.length} calls`));
        }
      },
      (err: unknown) => {
        for (const w of batch) w.reject(err);
      },
    );
    inFlight.add(answered);
    void answered.finally(() => inFlight.delete(answered));
  };
  return {
    call: (item) =>
      new Promise<R>((resolve, reject) => {
        items.push(item);
        waiting.push({ resolve, reject });
        if (items.length === 1) schedule(flush);
        else if (items.length >= maxBatch) flush();
      }),
    async drain() {
      flush();
      await Promise.all(inFlight);
    },
  };
}
