import { describe, expect, it } from 'vitest';
import { Deadlines } from './deadlines.ts';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder() {
  const fired: string[] = [];
  return { fired, target: (name: string) => ({ expire: (phase: string) => void fired.push(`${name}:${phase}`) }) };
}

describe('Deadlines', () => {
  it('fires each deadline once, in order, and never one cleared before it', async () => {
    const deadlines = new Deadlines();
    const { fired, target } = recorder();
    deadlines.set(30, target('a'), 'total');
    await wait(5);
    const b = deadlines.set(30, target('b'), 'total');
    await wait(5);
    deadlines.set(30, target('c'), 'first byte');
    deadlines.set(10, target('short'), 'first byte');
    b.clear();
    b.clear();
    await wait(15);
    expect(fired).toEqual(['short:first byte']);
    await wait(40);
    expect(fired).toEqual(['short:first byte', 'a:total', 'c:first byte']);
  });

  it('a cleared head leaves the next one its own time, and an emptied list holds no timer', async () => {
    const deadlines = new Deadlines();
    const { fired, target } = recorder();
    const first = deadlines.set(20, target('first'), 'total');
    await wait(10);
    deadlines.set(20, target('second'), 'total');
    first.clear();
    await wait(15);
    expect(fired).toEqual([]);
    await wait(20);
    expect(fired).toEqual(['second:total']);
    // nothing is left armed: a fresh deadline on the emptied list still fires
    deadlines.set(5, target('again'), 'total');
    await wait(20);
    expect(fired).toEqual(['second:total', 'again:total']);
  });

  it('one target that throws does not keep the others from expiring', async () => {
    const deadlines = new Deadlines();
    const { fired, target } = recorder();
    const errors: unknown[] = [];
    const onError = (err: unknown) => void errors.push(err);
    process.on('uncaughtException', onError);
    try {
      deadlines.set(5, { expire: () => { throw new Error('boom'); } }, 'total');
      deadlines.set(5, target('after'), 'total');
      await wait(30);
      expect(fired).toEqual(['after:total']);
      expect(errors).toHaveLength(1);
    } finally {
      process.off('uncaughtException', onError);
    }
  });
});
