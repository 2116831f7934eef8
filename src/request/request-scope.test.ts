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

  it("an attempt tells its callbacks once, without an AbortSignal; one asked for later is born aborted; one removed hears nothing", async () => {
    const client = new AbortController();
    const scope = new RequestScope(client.signal);
    scope.begin(10_000, 'm');
    const attempt = scope.attempt(10_000, 'target-a');
    const heard: string[] = [];
    const removed = () => heard.push('removed');
    attempt.onAbort(() => heard.push('a'));
    attempt.onAbort(removed);
    attempt.offAbort(removed);
    expect(attempt.aborted).toBe(false);
    client.abort();
    scope.abort({ kind: 'timeout', phase: 'total', ms: 1, label: 'm' });
    expect(heard).toEqual(['a']);
    expect(attempt.aborted).toBe(true);
    expect(attempt.error()?.status).toBe(499);
    expect(attempt.firstByteTimedOut).toBe(false);
    expect(attempt.signal.aborted).toBe(true);
    expect(scope.errorFor(attempt.signal)?.status).toBe(499);
    attempt.onAbort(() => heard.push('late'));
    expect(heard).toEqual(['a', 'late']);
    scope.end();
  });

  it('a first-byte cut is told to that attempt only; the next attempt starts uncut', async () => {
    const scope = new RequestScope(new AbortController().signal);
    scope.begin(10_000, 'm');
    const first = scope.attempt(5, 'target-a');
    let told = 0;
    first.onAbort(() => told++);
    await new Promise((r) => setTimeout(r, 20));
    expect(told).toBe(1);
    expect(first.firstByteTimedOut).toBe(true);
    expect(first.error()?.message).toBe('Backend target-a timed out (first byte after 5 ms).');
    const second = scope.attempt(10_000, 'target-b');
    expect(second.aborted).toBe(false);
    second.release();
    scope.end();
  });
});
