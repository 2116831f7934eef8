import type { LogLevel, LogRecord, PeerOp } from '../../src/index.ts';

/** A question a worker puts to the others through the primary: every worker's metrics, or an op each applies before answering. */
export type Ask = { kind: 'metrics' } | { kind: 'op'; op: PeerOp };

/** What a worker sends the primary. */
export type WorkerMessage =
  | { type: 'ask'; id: string; ask: Ask }
  | { type: 'answer'; id: string; text: string }
  /** the worker serves and takes signals; its listening line */
  | { type: 'ready'; record: LogRecord }
  /** a line of the worker's shutdown, which the primary tells once for all */
  | { type: 'shutdown-log'; level: LogLevel; record: LogRecord };

/** What the primary sends a worker. */
export type PrimaryMessage =
  | { type: 'asked'; id: string; ask: Ask }
  | { type: 'answers'; id: string; parts: { worker: number; text: string }[] }
  | { type: 'signal'; signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP' };
