import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../../src/index.ts';
import type { PrimaryMessage, WorkerMessage } from './cluster-messages.ts';
import { freePort } from './process-launcher.ts';
import { createShutdownStory } from './shutdown-story.ts';

const RESTART_DELAY_MS = 1_000;
/** A worker that does not answer within this (busy, or dying) is left out of the answer. */
const ASK_WAIT_MS = 5_000;

/**
 * The primary of `serve --workers N`: forks N copies of this command sharing the port (Node's
 * cluster hands each connection to one), and is the only process that takes signals: SIGTERM,
 * SIGINT and SIGHUP go to every worker as messages, so a terminal's Ctrl-C, which signals the
 * whole process group, is not counted twice. It restarts a worker that dies unasked, relays what
 * workers tell each other, and exits with the worst exit code once all have stopped.
 */
export async function runPrimary(workers: number, logger: Logger): Promise<void> {
  // worker 1's private listener, where the others hand it launched models' requests
  const ownerPort = await freePort();
  const byNumber = new Map<number, Worker>();
  let stopping = false;
  let lastSignal: 'SIGTERM' | 'SIGINT' | null = null;
  let announced = false;
  const ready = new Set<number>();
  let exitCode = 0;
  const pending = new Map<string, { parts: { worker: number; text: string }[]; from: Worker; expected: number; timer: NodeJS.Timeout }>();

  const story = createShutdownStory(logger, () => [...byNumber.values()].filter((w) => w.isConnected()).length);
  const exit = () => {
    story.allExited();
    // the story's last line is written before the process goes
    setImmediate(() => process.exit(exitCode));
  };
  const send = (w: Worker | undefined, msg: PrimaryMessage) => {
    if (w?.isConnected()) w.send(msg);
  };
  const finish = (id: string) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    send(p.from, { type: 'answers', id, parts: p.parts.sort((a, b) => a.worker - b.worker) });
  };

  const fork = (n: number) => {
    const w = cluster.fork({ MODELTAINER_WORKER: String(n), MODELTAINER_WORKERS: String(workers), MODELTAINER_OWNER_PORT: String(ownerPort) });
    byNumber.set(n, w);
    w.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'ask') {
        // an op goes to the others (the asker applied it already); metrics come from everyone
        const to = [...byNumber].filter(([m, x]) => x.isConnected() && (msg.ask.kind === 'metrics' || m !== n));
        pending.set(msg.id, { parts: [], from: w, expected: to.length, timer: setTimeout(() => finish(msg.id), ASK_WAIT_MS) });
        for (const [, other] of to) send(other, { type: 'asked', id: msg.id, ask: msg.ask });
        if (to.length === 0) finish(msg.id);
      } else if (msg.type === 'ready') {
        ready.add(n);
        // a signal that came while this worker was starting
        if (stopping && lastSignal) send(w, { type: 'signal', signal: lastSignal });
        if (!announced && ready.size >= workers) {
          announced = true;
          logger.log('info', { ...msg.record, workers });
        }
      } else if (msg.type === 'shutdown-log') {
        story.report(n, msg.level, msg.record);
      } else if (msg.type === 'answer') {
        const p = pending.get(msg.id);
        if (!p) return;
        p.parts.push({ worker: n, text: msg.text });
        if (p.parts.length >= p.expected) finish(msg.id);
      }
    });
    w.on('exit', (code, signal) => {
      if (byNumber.get(n) === w) byNumber.delete(n);
      ready.delete(n);
      const failed = code !== 0 || signal !== null;
      if (failed) exitCode = Math.max(exitCode, code ?? 1);
      if (stopping) {
        if (byNumber.size === 0) exit();
        return;
      }
      logger.log('error', { msg: 'worker exited; starting it again', worker: n, code, signal, restart_in_ms: RESTART_DELAY_MS });
      setTimeout(() => {
        if (!stopping) fork(n);
      }, RESTART_DELAY_MS);
    });
  };

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (signal !== 'SIGHUP') {
        stopping = true;
        lastSignal = signal;
      }
      for (const [m, w] of byNumber) if (ready.has(m)) send(w, { type: 'signal', signal });
      if (stopping && byNumber.size === 0) exit();
    });
  }
  logger.log('info', { msg: 'starting workers', workers, owner_port: ownerPort });
  for (let n = 1; n <= workers; n++) fork(n);
}
