/**
 * A fixed number of requests, closed loop: `concurrency` workers over one keep-alive undici
 * pool (one connection each), each sending its next request once the previous answer has been
 * read to its end, until `total` have been sent. Every `every` finished requests (answered or
 * failed), `onCheckpoint` runs while the load goes on. For soaks (bench/soak.ts); the timed
 * load of the other benchmarks is bench/load-generator.ts.
 */
import { Agent, request } from 'undici';

export interface CountSpec {
  url: string;
  body: string;
  concurrency: number;
  total: number;
  every: number;
  headers?: Record<string, string>;
  /** Per-request header and body timeout. */
  timeoutMs?: number;
  onCheckpoint?: (p: CountProgress) => void | Promise<void>;
  /** Called when no request has finished for this long (then the run is aborted). */
  stallMs?: number;
}

export interface CountProgress {
  /** Requests finished so far (answered or failed). */
  finished: number;
  errorCount: number;
  /** Since the load began. */
  elapsedMs: number;
}

export interface CountResult {
  finished: number;
  completed: number;
  errorCount: number;
  /** By kind: `status_<n>`, `bad_body`, or an error code. */
  errors: Record<string, number>;
  errorSample: string | null;
  elapsedMs: number;
  stalled: boolean;
}

export async function runCount(spec: CountSpec): Promise<CountResult> {
  const timeoutMs = spec.timeoutMs ?? 10_000;
  const headers = { ...spec.headers, 'content-type': 'application/json' };
  const agent = new Agent({ connections: spec.concurrency, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const result: CountResult = { finished: 0, completed: 0, errorCount: 0, errors: {}, errorSample: null, elapsedMs: 0, stalled: false };
  const started = performance.now();
  let sent = 0;
  let lastFinish = started;
  let checkpoints = Promise.resolve();
  const fail = (kind: string, detail: string) => {
    result.errorCount++;
    result.errors[kind] = (result.errors[kind] ?? 0) + 1;
    result.errorSample ??= `${kind}: ${detail.slice(0, 300)}`;
  };

  const once = async () => {
    try {
      const res = await request(spec.url, { method: 'POST', headers, body: spec.body, dispatcher: agent });
      const text = await res.body.text();
      if (res.statusCode !== 200) fail(`status_${res.statusCode}`, text);
      else if (!text.trimEnd().endsWith('}')) fail('bad_body', text.slice(-200));
      else result.completed++;
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      fail(typeof code === 'string' ? code : err instanceof Error ? err.name : 'unknown', err instanceof Error ? err.message : String(err));
    }
    result.finished++;
    lastFinish = performance.now();
    if (spec.onCheckpoint && result.finished % spec.every === 0) {
      const p = { finished: result.finished, errorCount: result.errorCount, elapsedMs: lastFinish - started };
      // in order, one at a time, without holding up the workers
      checkpoints = checkpoints.then(() => spec.onCheckpoint?.(p));
    }
  };

  const stallMs = spec.stallMs ?? 60_000;
  const watchdog = setInterval(() => {
    if (performance.now() - lastFinish > stallMs) {
      result.stalled = true;
      void agent.destroy();
    }
  }, 1_000);
  const worker = async () => {
    while (sent < spec.total && !result.stalled) {
      sent++;
      await once();
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
    await checkpoints;
  } finally {
    clearInterval(watchdog);
    result.elapsedMs = performance.now() - started;
    await agent.close().catch(() => undefined);
  }
  return result;
}
