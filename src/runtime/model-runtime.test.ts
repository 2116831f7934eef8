import { describe, expect, it } from 'vitest';
import { clientClosed } from '../errors/errors.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { parseConfig } from '../config/parse-config.ts';
import type { ModelEntry } from '../config/snapshot.ts';
import type { LogRecord } from '../deps.ts';
import { ModelRuntime, type AcquireRequest, type Lease } from './model-runtime.ts';

function entry(yaml: string): ModelEntry {
  return parseConfig(`version: 1\nmodels:\n  - name: m\n    backend: llamacpp\n${yaml}`).models[0]!;
}

function setup(yaml: string) {
  let now = 0;
  const logs: LogRecord[] = [];
  const idle: ModelRuntime[] = [];
  const rt = new ModelRuntime(
    entry(yaml),
    { clock: { now: () => now, wall: () => now }, logger: { log: (_l, r) => logs.push(r) }, http: () => Promise.reject(new Error('unused')), random: () => 0.5 },
    (r) => idle.push(r),
  );
  let seq = 0;
  const req = (priority = 0, signal = new AbortController().signal): AcquireRequest => ({
    priority,
    affinity: null,
    tried: null,
    scope: { signal, errorFor: (s) => (s.aborted ? clientClosed() : null) },
    queue: true,
    seq: ++seq,
  });
  return { rt, req, logs, idle, tick: (ms: number) => (now += ms) };
}

const TWO = `    targets:\n      - { url: "http://a:1", max_concurrent: 1 }\n      - { url: "http://b:1", max_concurrent: 1 }\n    max_queue: 3\n    queue_timeout: 200ms\n`;

describe('ModelRuntime: capacity and the queue', () => {
  it('grants at once while a target has room, then queues by priority and serves as slots free', async () => {
    const { rt, req } = setup(TWO);
    const a = rt.acquire(req()) as Lease;
    const b = rt.acquire(req()) as Lease;
    expect(a).not.toBeInstanceOf(Promise);
    expect(new Set([a.target.id, b.target.id]).size).toBe(2);
    const order: string[] = [];
    const low = (rt.acquire(req(-10)) as Promise<Lease>).then((l) => (order.push('low'), l));
    const high = (rt.acquire(req(10)) as Promise<Lease>).then((l) => (order.push('high'), l));
    expect(rt.queued).toBe(2);
    a.release('ok');
    const h = await high;
    expect(h.target.id).toBe(a.target.id);
    b.release('ok');
    (await low).release('ok');
    h.release('ok');
    expect(order).toEqual(['high', 'low']);
    expect(rt.inFlight).toBe(0);
  });

  it('a full queue answers 429 queue_full with Retry-After; a wait past queue_timeout 503 queue_timeout', async () => {
    const { rt, req } = setup(TWO);
    rt.acquire(req());
    rt.acquire(req());
    const waiting = [rt.acquire(req()), rt.acquire(req()), rt.acquire(req())] as Promise<Lease>[];
    let full: unknown;
    try {
      rt.acquire(req());
    } catch (e) {
      full = e;
    }
    expect(full).toBeInstanceOf(GatewayError);
    expect((full as GatewayError).status).toBe(429);
    expect((full as GatewayError).code).toBe('queue_full');
    expect(Number((full as GatewayError).headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const timedOut = await Promise.allSettled(waiting);
    for (const t of timedOut) expect(t.status === 'rejected' && (t.reason as GatewayError).code).toBe('queue_timeout');
    expect(rt.queued).toBe(0);
  });

  it('a waiter whose client leaves is out of the queue at once', async () => {
    const { rt, req } = setup(TWO);
    rt.acquire(req());
    rt.acquire(req());
    const ctl = new AbortController();
    const p = rt.acquire(req(0, ctl.signal)) as Promise<Lease>;
    expect(rt.queued).toBe(1);
    ctl.abort();
    await expect(p).rejects.toMatchObject({ status: 499 });
    expect(rt.queued).toBe(0);
  });

  it('model-wide max_concurrent caps all targets together', () => {
    const { rt, req } = setup(`    targets: [{ url: "http://a:1" }, { url: "http://b:1" }]\n    max_concurrent: 1\n`);
    expect(rt.acquire(req())).not.toBeInstanceOf(Promise);
    expect(rt.acquire(req())).toBeInstanceOf(Promise);
  });
});

describe('ModelRuntime: health and ejection', () => {
  it('ejects a target after eject_after failures; with none left, waiters and new requests get 503 at once', async () => {
    const { rt, req, logs } = setup(`    targets: [{ url: "http://a:1", max_concurrent: 1 }]\n    health: { eject_after: 2, cooldown: 1s }\n`);
    (rt.acquire(req()) as Lease).release('connect');
    const held = rt.acquire(req()) as Lease;
    const waiter = rt.acquire(req()) as Promise<Lease>;
    held.release('status');
    await expect(waiter).rejects.toMatchObject({ status: 503, code: 'backend_unavailable' });
    expect(() => rt.acquire(req())).toThrow(/no backend taking traffic: llamacpp:a:1 ejected/);
    expect(logs.some((l) => l.msg === 'target ejected')).toBe(true);
  });

  it('an ejected target gets one trial after the cooldown and is back after it succeeds', () => {
    const { rt, req, tick } = setup(`    targets: [{ url: "http://a:1" }]\n    health: { eject_after: 1, cooldown: 1s }\n`);
    (rt.acquire(req()) as Lease).release('timeout');
    expect(() => rt.acquire(req())).toThrow();
    tick(1000);
    const trial = rt.acquire(req()) as Lease;
    expect(() => rt.acquire(req())).toThrow(); // only one trial
    trial.release('ok');
    expect(rt.acquire(req())).not.toBeInstanceOf(Promise);
  });

  it('a probe that finds a target down stops its traffic; up again restores it', () => {
    const { rt, req } = setup(`    targets: [{ url: "http://a:1" }, { url: "http://b:1" }]\n`);
    rt.healthSeen(rt.states[0]!, 'down');
    for (let i = 0; i < 5; i++) expect((rt.acquire(req()) as Lease).target.id).toBe('http://b:1');
    rt.healthSeen(rt.states[0]!, 'up');
    expect((rt.acquire(req()) as Lease).target.id).toBe('http://a:1');
  });
});

describe('ModelRuntime: reconciling a new entry', () => {
  it('keeps the state of targets that stay, starts new ones fresh, drains removed ones', () => {
    const { rt, req } = setup(`    targets: [{ url: "http://a:1" }, { url: "http://b:1" }]\n    health: { eject_after: 1 }\n`);
    const [a, b] = rt.states;
    (rt.acquire(req()) as Lease).release('connect'); // one of them ejected
    const ejected = a!.breaker.state === 'open' ? a! : b!;
    const held = rt.acquire(req()) as Lease;
    rt.update(entry(`    targets: [{ url: "http://a:1", weight: 2 }, { url: "http://c:1" }]\n    system_prompt: changed\n    health: { eject_after: 1 }\n`));
    const byId = new Map(rt.states.map((s) => [s.target.id, s]));
    expect(byId.get('http://a:1')).toBe(a);
    expect(byId.get('http://a:1')!.target.weight).toBe(2);
    expect(byId.get('http://c:1')!.sent).toBe(0);
    expect(byId.has('http://b:1')).toBe(false);
    if (ejected === a) expect(a!.breaker.state).toBe('open');
    if (held.state === b) {
      expect(rt.draining).toContain(b);
      held.release('ok');
      expect(rt.draining).not.toContain(b);
    } else {
      expect(held.state.inFlight).toBe(1);
      held.release('ok');
    }
  });

  it('a retired model tells its owner once the last request is done', () => {
    const { rt, req, idle } = setup(`    backend_url: http://a:1\n`);
    const lease = rt.acquire(req()) as Lease;
    rt.retire();
    expect(idle).toEqual([]);
    lease.release('ok');
    expect(idle).toEqual([rt]);
  });
});
