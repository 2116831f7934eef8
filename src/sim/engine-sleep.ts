/**
 * vLLM sleep mode on the engine side (`EngineCore.sleep` / `wake_up`, the scheduler's pause
 * states and the executor's sleeping tags), and the engine time of the requests it holds.
 *
 * - `/sleep` first pauses the scheduler (mode `abort`: finish every request with "abort", then
 *   PAUSED_NEW; `wait`: PAUSED_NEW and wait until the running requests are done; `keep`:
 *   PAUSED_ALL, running requests freeze), then, for level >= 1, puts the executor to sleep
 *   (tags `weights` + `kv_cache`) unless it already sleeps.
 * - `/wake_up` wakes the given tags (all without tags; nothing when any tag is not asleep, as
 *   the executor does) and then **always** resumes the scheduler, even for a partial wake-up.
 * - `is_sleeping` = scheduler paused OR any tag asleep.
 * Operations run one at a time, like utility calls on the engine core.
 */
import { AbortedError } from './sleep.ts';
import type { StatsTracker } from './stats.ts';

export type PauseMode = 'abort' | 'wait' | 'keep';
export const PAUSE_MODES: readonly string[] = ['abort', 'wait', 'keep'];
type PauseState = 'unpaused' | 'paused_new' | 'paused_all';

/** One request inside the engine. */
export interface EngineJob {
  /** It has been scheduled (is running); unscheduled jobs are waiting. */
  scheduled: boolean;
  /** Finished by the engine with finish_reason "abort" (a /sleep with mode=abort). */
  aborted: boolean;
}

/** Engine time spent by `run`: `aborted` when the engine aborted the job first. */
export interface RunResult {
  aborted: boolean;
  /** Engine ms that passed (time frozen or waiting is not counted). */
  elapsed: number;
}

const delay = (ms: number): Promise<void> => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

export class EngineSleep {
  private pause: PauseState = 'unpaused';
  private readonly tags = new Set<string>();
  private readonly jobs = new Set<EngineJob>();
  /** Woken by pause, resume and abort. */
  private readonly waiters = new Set<() => void>();
  /** Woken when a job finishes (mode=wait). */
  private readonly finishWaiters = new Set<() => void>();
  private ops: Promise<unknown> = Promise.resolve();
  private stats: StatsTracker | null = null;

  constructor(private readonly timing: { sleepMs: number; wakeMs: number }) {}

  /** Where the sleep/wake/abort counters go (set once the tracker exists). */
  attach(stats: StatsTracker): void {
    this.stats = stats;
  }

  isSleeping(): boolean {
    return this.pause !== 'unpaused' || this.tags.size > 0;
  }

  /** A new request enters the scheduler: it runs at once unless the scheduler is paused. */
  admit(): EngineJob {
    const job: EngineJob = { scheduled: this.pause === 'unpaused', aborted: false };
    this.jobs.add(job);
    return job;
  }

  /** The request is done (answered, failed, or the client left). */
  finish(job: EngineJob): void {
    if (this.jobs.delete(job)) this.notify(this.finishWaiters);
  }

  /**
   * Spends `ms` of engine time for `job`: waits while the scheduler holds it (queued while
   * paused, or frozen by mode=keep), and stops early when the engine aborts it. Rejects with
   * AbortedError when `signal` (the client) aborts.
   */
  async run(job: EngineJob, ms: number, signal: AbortSignal): Promise<RunResult> {
    let remaining = ms;
    for (;;) {
      if (job.aborted) return { aborted: true, elapsed: ms - remaining };
      if (!this.canRun(job)) {
        await this.change(this.waiters, Infinity, signal);
        continue;
      }
      job.scheduled = true;
      if (remaining <= 0) return { aborted: false, elapsed: ms };
      const started = performance.now();
      if (await this.change(this.waiters, remaining, signal)) remaining = 0;
      else remaining = Math.max(0, remaining - (performance.now() - started));
    }
  }

  /** `POST /sleep` once the query is valid: resolves when the engine sleeps. */
  sleep(level: number, mode: PauseMode): Promise<void> {
    return this.serial(async () => {
      if (mode === 'abort') {
        let n = 0;
        for (const job of this.jobs) {
          if (!job.aborted) {
            job.aborted = true;
            n++;
          }
        }
        if (n > 0) this.stats?.count('abortedBySleep', n);
      }
      this.pause = mode === 'keep' ? 'paused_all' : 'paused_new';
      this.notify();
      if (mode === 'wait') {
        // (Created here, not at module scope: workerd forbids that at startup.)
        const never = new AbortController().signal;
        while ([...this.jobs].some((j) => j.scheduled && !j.aborted)) await this.change(this.finishWaiters, Infinity, never);
      }
      // Level 0 only pauses scheduling; an executor that already sleeps just logs a warning.
      if (level > 0 && this.tags.size === 0) {
        await delay(this.timing.sleepMs);
        this.tags.add('weights');
        this.tags.add('kv_cache');
      }
      this.stats?.count('sleeps');
    });
  }

  /** `POST /wake_up`: `tags` null or empty wakes everything. Resolves when done. */
  wakeUp(tags: readonly string[] | null): Promise<void> {
    return this.serial(async () => {
      if (this.tags.size > 0) {
        const wake = tags && tags.length > 0 ? tags : [...this.tags];
        if (wake.every((t) => this.tags.has(t))) {
          await delay(this.timing.wakeMs);
          for (const t of wake) this.tags.delete(t);
        }
      }
      // EngineCore.wake_up resumes scheduling after any wake-up, partial or not.
      this.pause = 'unpaused';
      for (const job of this.jobs) job.scheduled = true;
      this.notify();
      this.stats?.count('wakeUps');
    });
  }

  private canRun(job: EngineJob): boolean {
    return this.pause === 'unpaused' || (this.pause === 'paused_new' && job.scheduled);
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const p = this.ops.then(fn);
    this.ops = p.catch(() => undefined);
    return p;
  }

  private notify(set = this.waiters): void {
    const waiters = [...set];
    set.clear();
    for (const w of waiters) w();
  }

  /** Resolves true after `ms` (never, for Infinity), false when `set` is notified, whichever is first. */
  private change(set: Set<() => void>, ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.reject(new AbortedError());
    return new Promise<boolean>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        set.delete(onChange);
      };
      const onAbort = (): void => {
        done();
        reject(new AbortedError());
      };
      const onChange = (): void => {
        done();
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      set.add(onChange);
      if (Number.isFinite(ms)) {
        timer = setTimeout(() => {
          done();
          resolve(true);
        }, ms);
      }
    });
  }
}
