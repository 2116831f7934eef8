import { EventBus } from '../lifecycle/events.ts';
import type { RequestLog } from './request-log.ts';

/** One finished request as the status page shows it: no prompt text, no key, no header. */
export interface RequestEvent {
  type: 'request';
  request_id: string;
  method: string;
  path: string;
  model: string | null;
  status: number;
  stream: boolean;
  ttft_ms: number | null;
  duration_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  error_code: string | null;
  /** wall-clock milliseconds of its end */
  at: number;
}

const CAPACITY = 2_000;
const MAX_AGE_MS = 15 * 60_000;

/**
 * The last requests (at most 2,000, at most 15 minutes old) for the status page's log and
 * charts, and a bus that tells open pages of each new one. A fixed ring: recording a
 * request allocates its event and nothing else.
 */
export class RecentRequests {
  readonly bus = new EventBus<RequestEvent>();
  private readonly ring: (RequestEvent | undefined)[] = new Array<RequestEvent | undefined>(CAPACITY);
  private next = 0;

  record(log: RequestLog, wallMs: number): void {
    const e: RequestEvent = {
      type: 'request',
      request_id: log.request_id,
      method: log.method,
      path: log.path,
      model: log.model ?? null,
      status: log.status ?? 0,
      stream: log.stream ?? false,
      ttft_ms: log.ttft_ms ?? log.ttfb_ms ?? null,
      duration_ms: log.duration_ms ?? null,
      prompt_tokens: log.prompt_tokens ?? null,
      completion_tokens: log.completion_tokens ?? null,
      error_code: log.error_code ?? null,
      at: wallMs,
    };
    this.ring[this.next] = e;
    this.next = (this.next + 1) % CAPACITY;
    if (this.bus.size > 0) this.bus.emit(e);
  }

  /** Oldest first, none older than 15 minutes before `nowWall`. */
  list(nowWall: number): RequestEvent[] {
    const out: RequestEvent[] = [];
    for (let i = 0; i < CAPACITY; i++) {
      const e = this.ring[(this.next + i) % CAPACITY];
      if (e && nowWall - e.at <= MAX_AGE_MS) out.push(e);
    }
    return out;
  }
}
