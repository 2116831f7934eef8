/** The shared generation engine: faults, slots, timing, then a stream or a JSON body. */
import type { EngineJob, EngineSleep } from './engine-sleep.ts';
import type { ApiWire, Choice, Flavor, GenContext, GenRequest } from './flavor.ts';
import { isAborted, sleep } from './sleep.ts';
import type { Slot, SlotPool } from './slots.ts';
import type { RequestTicket } from './stats.ts';
import { streamResponse } from './stream-body.ts';
import { abortSteps, applyStreamFault, buildSteps } from './stream-steps.ts';
import { planTokens } from './tokens.ts';
import type { SimFault } from './types.ts';

export interface EngineEnv {
  flavor: Flavor;
  model: string;
  ttftMs: number;
  tokenDelayMs: number;
  defaultMaxTokens: number;
  /** llama.cpp slots; null = no limit (vLLM). */
  slots: SlotPool | null;
  /** vLLM sleep mode: the engine that can be put to sleep; null without sleep mode. */
  sleep: EngineSleep | null;
  now: () => number;
}

/**
 * A request's engine time: a plain delay, or (vLLM sleep mode) time spent inside the engine,
 * which holds the request while it sleeps and may abort it. `release()` exactly once at the end.
 */
export class EngineTime {
  private job: EngineJob | null = null;
  /** Engine ms spent so far. */
  elapsed = 0;

  constructor(private readonly engine: EngineSleep | null, private readonly signal: AbortSignal) {}

  /** The request enters the engine's scheduler (after the fault prelude). */
  admit(): void {
    if (this.engine && !this.job) this.job = this.engine.admit();
  }

  get held(): boolean {
    return this.job !== null;
  }

  /** Spends `ms`; resolves false when the engine aborted the request first. */
  async wait(ms: number): Promise<boolean> {
    if (!this.engine || !this.job) {
      await sleep(ms, this.signal);
      this.elapsed += ms;
      return true;
    }
    const r = await this.engine.run(this.job, ms, this.signal);
    this.elapsed += r.elapsed;
    return !r.aborted;
  }

  release(): void {
    if (this.engine && this.job) this.engine.finish(this.job);
    this.job = null;
  }
}

/** What a request needs to settle: its stats ticket and an abort signal tied to the client. */
export interface RequestScope {
  readonly signal: AbortSignal;
  readonly controller: AbortController;
  /** Settles the ticket once and detaches from the client's signal. */
  end(kind: 'complete' | 'abort'): void;
}

export function openScope(raw: Request, ticket: RequestTicket, onEnd: () => void = () => undefined): RequestScope {
  const controller = new AbortController();
  const onClientAbort = (): void => controller.abort();
  if (raw.signal.aborted) controller.abort();
  else raw.signal.addEventListener('abort', onClientAbort, { once: true });
  let done = false;
  return {
    signal: controller.signal,
    controller,
    end(kind) {
      if (done) return;
      done = true;
      raw.signal.removeEventListener('abort', onClientAbort);
      onEnd();
      if (kind === 'abort') ticket.abort();
      else ticket.complete();
    },
  };
}

/** slow_headers waits, status answers at once (in the API's error shape); null means carry on. */
export async function faultPrelude(api: Pick<ApiWire, 'statusError'>, fault: SimFault | undefined, signal: AbortSignal): Promise<Response | null> {
  if (fault?.type === 'slow_headers') await sleep(fault.ms ?? 0, signal);
  if (fault?.type === 'status') return api.statusError(fault.status ?? 500, fault.retry_after);
  return null;
}

/** A 200 whose body fails at once: on a served socket the connection is destroyed. */
export function resetResponse(flavor: Flavor): Response {
  const body = new ReadableStream<Uint8Array>({ pull: (c) => c.error(new Error('sim reset')) }, { highWaterMark: 0 });
  return new Response(body, { status: 200, headers: flavor.json(200, '').headers });
}

export async function generate(env: EngineEnv, req: GenRequest, raw: Request, fault: SimFault | undefined, ticket: RequestTicket): Promise<Response> {
  const { flavor } = env;
  const wire = flavor.wire(req.endpoint);
  let slot: Slot | null = null;
  let time: EngineTime | null = null;
  const scope = openScope(raw, ticket, () => {
    if (slot && env.slots) env.slots.release(slot);
    time?.release();
  });
  try {
    const early = await faultPrelude(wire, fault, scope.signal);
    if (early) {
      scope.end('complete');
      return early;
    }
    const engineTime = new EngineTime(env.sleep, scope.signal);
    time = engineTime;
    engineTime.admit();
    if (env.slots) slot = await env.slots.acquire(scope.signal, req.promptTokens);
    const fixedCreated = Math.floor(env.now() / 1000);
    const ctx: GenContext = {
      req, id: wire.newId(req), model: env.model, startedAt: performance.now(), firstTokenAt: null,
      created: flavor.createdPerChunk ? () => Math.floor(env.now() / 1000) : () => fixedCreated,
    };
    const count = req.maxTokens ?? env.defaultMaxTokens;
    const atCount = req.maxTokens !== null ? 'length' : wire.naturalFinish;
    const plans = Array.from({ length: req.stream ? 1 : req.n }, (_, i) => planTokens(req.seedText, i, count, atCount, req.stop));
    const held = slot;
    if (held) held.nRemain = plans[0]?.pieces.length ?? 0;
    if (!req.stream) return await nonStream(env, wire, ctx, plans, fault, scope, engineTime);
    const plan = plans[0] ?? { pieces: [], finish: atCount, stopReason: null };
    const steps = applyStreamFault(buildSteps(flavor, wire, ctx, plan, env), fault, wire);
    let leadSent = !steps.some((s) => s.phase === 'lead');
    const lastTokens = plan.pieces.length;
    let tokensOut = 0;
    return await streamResponse(flavor, wire, steps, {
      controller: scope.controller,
      onStep(step) {
        if (step.firstToken) ctx.firstTokenAt = performance.now();
        if (step.phase === 'lead') leadSent = true;
        // Generation is over with the last token: the request leaves the engine (a later /sleep
        // neither aborts nor waits for it), even if the client has not read the rest yet.
        if (step.phase === 'tail' || (step.phase === 'token' && step.tokens >= lastTokens)) engineTime.release();
        tokensOut = step.tokens;
        if (held) {
          held.nRemain -= step.tokens - held.nDecoded;
          held.nDecoded = step.tokens;
        }
      },
      end: (kind) => scope.end(kind),
      ...(engineTime.held
        ? { engineWait: async (ms: number) => ((await engineTime.wait(ms)) ? null : abortSteps(wire, ctx, tokensOut, leadSent)) }
        : {}),
    });
  } catch (err) {
    scope.end(isAborted(err) ? 'abort' : 'complete');
    if (isAborted(err)) return new Response(null, { status: 499 });
    throw err;
  }
}

async function nonStream(
  env: EngineEnv,
  wire: ApiWire,
  ctx: GenContext,
  plans: ReturnType<typeof planTokens>[],
  fault: SimFault | undefined,
  scope: RequestScope,
  time: EngineTime,
): Promise<Response> {
  const k = Math.max(0, ...plans.map((p) => p.pieces.length));
  // The first token is ready after ttftMs, each further one tokenDelayMs later.
  const timeTo = (tokens: number): number => env.ttftMs + Math.max(0, tokens - 1) * env.tokenDelayMs;
  const midFault = fault && (fault.type === 'reset' || fault.type === 'stall' || fault.type === 'midstream_error') ? fault : undefined;
  const at = midFault ? Math.min(midFault.after_tokens ?? 0, k) : k;
  let aborted = !(await time.wait(timeTo(at)));
  if (!aborted) {
    ctx.firstTokenAt = ctx.startedAt + env.ttftMs;
    if (midFault?.type === 'reset' || midFault?.type === 'midstream_error') {
      scope.end('complete');
      return midFault.type === 'reset' ? resetResponse(env.flavor) : wire.generationError();
    }
    if (midFault?.type === 'stall') await sleep(midFault.ms ?? Infinity, scope.signal);
    aborted = !(await time.wait(timeTo(k) - timeTo(at)));
  }
  // Aborted by the engine (vLLM /sleep): the tokens made in the engine time spent (none if it
  // never ran), finish_reason "abort".
  const made = !aborted ? k : time.elapsed <= 0 || time.elapsed < env.ttftMs ? 0
    : env.tokenDelayMs > 0 ? Math.min(k, 1 + Math.floor((time.elapsed - env.ttftMs) / env.tokenDelayMs)) : k;
  const choices: Choice[] = plans.map((p) => {
    const done = p.pieces.length <= made;
    const pieces = done ? p.pieces : p.pieces.slice(0, made);
    return { text: pieces.join(''), tokens: pieces.length, finish: done ? { reason: p.finish, stopReason: p.stopReason } : { reason: 'abort', stopReason: null } };
  });
  const body = wire.body(ctx, choices);
  scope.end('complete');
  return env.flavor.json(200, body);
}
