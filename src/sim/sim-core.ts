/** State shared by a simulator's routes, and the common path of every generation request. */
import type { EngineEnv } from './engine.ts';
import type { EngineSleep } from './engine-sleep.ts';
import { parseFault, type FaultQueue } from './faults.ts';
import type { Parsed } from './flavor.ts';
import { takeSimFault } from './request-fields.ts';
import type { RequestTicket, StatsTracker } from './stats.ts';
import type { SimFault, SimOptions } from './types.ts';

export type ResolvedOptions = Required<Omit<SimOptions, 'apiKey' | 'faults'>> & Pick<SimOptions, 'apiKey'>;

export interface SimCore {
  readonly options: ResolvedOptions;
  readonly env: EngineEnv;
  readonly stats: StatsTracker;
  readonly faults: FaultQueue;
  /** Date.now() value at which loading ends. */
  readonly readyAt: number;
  /** vLLM sleep mode (`options.sleepMode`): the engine's sleep state; null otherwise. */
  readonly engineSleep: EngineSleep | null;
}

export interface GenerationSpec<T> {
  /** Checks that need only the request (vLLM's content type). */
  precheck?(raw: Request): Response | null;
  parse(text: string): Parsed<Record<string, unknown>>;
  /** Validates the body (already stripped of `sim_fault`). */
  validate(body: Record<string, unknown>, raw: Request): Parsed<T>;
  /** The answer to an invalid `sim_fault`. */
  invalidFault(message: string): Response;
  run(value: T, fault: SimFault | undefined, ticket: RequestTicket): Promise<Response>;
}

/**
 * Counts the request, parses and validates it, then picks its fault: the body's `sim_fault`
 * if present (the queue is left alone), else the next queued fault (consumed only by
 * requests that pass validation).
 */
export async function handleGeneration<T>(core: SimCore, raw: Request, spec: GenerationSpec<T>): Promise<Response> {
  const ticket = core.stats.begin();
  try {
    const early = spec.precheck?.(raw);
    if (early) {
      ticket.complete();
      return early;
    }
    const parsed = spec.parse(await raw.text());
    if (!parsed.ok) {
      ticket.complete();
      return parsed.response;
    }
    const bodyFault = takeSimFault(parsed.value);
    let fault: SimFault | undefined;
    if (bodyFault !== undefined && bodyFault !== null) {
      try {
        fault = parseFault(bodyFault);
      } catch (err) {
        ticket.complete();
        return spec.invalidFault(`sim_fault: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const valid = spec.validate(parsed.value, raw);
    if (!valid.ok) {
      ticket.complete();
      return valid.response;
    }
    return await spec.run(valid.value, fault ?? core.faults.next(), ticket);
  } catch (err) {
    if (!ticket.settled) ticket.complete();
    throw err;
  }
}
