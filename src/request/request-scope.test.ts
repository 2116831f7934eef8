import { describe, expect, it } from 'vitest';
import { RequestScope } from './request-scope.ts';

describe('RequestScope', () => {
  it('a first-byte timeout cuts its attempt only; the next attempt and waits get a fresh signal', async () => {
    const scope = new RequestScope(new AbortController().signal);
    scope.begin(10_000, 'm');
    const first = scope.attempt(5, 'target-a');
    await new Promise((r) => setTimeout(r, 20));
    expect(first.signal.aborted).toBe(true);
    expect(RequestScope.firstByteTimeout(first.signal)).toBe(true);
    expect(scope.errorFor(first.signal)?.message).toBe('Backend target-a timed out (first byte after 5 ms).');
    expect(scope.signal.aborted).toBe(false);
    const second = scope.attempt(1000, 'target-b');
    expect(second.signal.aborted).toBe(false);
    second.release();
    scope.end();
  });

  it('the client leaving aborts the current signal with a 499; end runs every subscriber once', () => {
    const client = new AbortController();
    const scope = new RequestScope(client.signal);
    scope.begin(10_000, 'm');
    const ended: number[] = [];
    scope.onEnd(() => ended.push(1));
    scope.onEnd(() => ended.push(2));
    client.abort();
    expect(scope.errorFor(scope.signal)?.status).toBe(499);
    scope.end();
    scope.end();
    scope.onEnd(() => ended.push(3));
    expect(ended).toEqual([1, 2, 3]);
  });

  it('the total deadline covers everything after begin', async () => {
    const scope = new RequestScope(new AbortController().signal);
    scope.begin(10, 'slow-model');
    await new Promise((r) => setTimeout(r, 30));
    expect(scope.errorFor(scope.signal)).toMatchObject({ status: 504, message: 'Backend slow-model timed out (total after 10 ms).' });
    scope.end();
  });
});
