import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher.ts';

/** A schedule the test runs by hand: the batch stays open until flush(). */
function manualSchedule() {
  const queued: (() => void)[] = [];
  return { schedule: (f: () => void) => queued.push(f), flush: () => queued.splice(0).forEach((f) => f()) };
}

describe('batcher', () => {
  it('sends the calls made before the flush as one batch and answers each with its own result', async () => {
    const batches: number[][] = [];
    const { schedule, flush } = manualSchedule();
    const double = createBatcher<number, number>(async (items) => (batches.push(items), items.map((n) => n * 2)), schedule).call;
    const answers = Promise.all([double(1), double(2), double(3)]);
    flush();
    expect(await answers).toEqual([2, 4, 6]);
    const later = double(4);
    flush();
    expect(await later).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('rejects every call of a batch that failed, and the next batch still works', async () => {
    const { schedule, flush } = manualSchedule();
    let fail = true;
    const run = createBatcher<number, number>(async (items) => {
      if (fail) throw new Error('store down');
      return items;
    }, schedule).call;
    const failed = [run(1), run(2)].map((p) => p.then(() => 'ok', (e: Error) => e.message));
    flush();
    expect(await Promise.all(failed)).toEqual(['store down', 'store down']);
    fail = false;
    const ok = run(3);
    flush();
    expect(await ok).toBe(3);
  });

  it('flushes a full batch at once and rejects calls a short answer left out', async () => {
    const { schedule, flush } = manualSchedule();
    const sizes: number[] = [];
    const run = createBatcher<number, number>(async (items) => (sizes.push(items.length), items.slice(0, 1)), schedule, 2).call;
    const calls = [run(1), run(2), run(3)].map((p) => p.then(String, (e: Error) => e.message));
    flush();
    expect(await Promise.all(calls)).toEqual(['1', 'batch answered 1 of 2 calls', '3']);
    expect(sizes).toEqual([2, 1]);
  });

  it('drain sends what waits and resolves once it is answered', async () => {
    const sent: number[] = [];
    const batcher = createBatcher<number, void>(async (items) => {
      await new Promise((r) => setTimeout(r, 10));
      sent.push(...items);
      return items.map(() => undefined);
    }, () => undefined); // never scheduled: only drain sends
    void batcher.call(1);
    void batcher.call(2);
    await batcher.drain();
    expect(sent).toEqual([1, 2]);
  });
});
