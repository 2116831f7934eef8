/**
 * A stream as a list of timed steps, built from a token plan, with faults spliced in. A step
 * renders the events of one engine output; the flavour decides whether they share a write.
 * Rendering is lazy so `created`, timings and sequence numbers are read when the step is written.
 */
import type { ApiWire, Finish, Flavor, GenContext } from './flavor.ts';
import type { TokenPlan } from './tokens.ts';
import type { SimFault } from './types.ts';

export interface Step {
  /** Wait before this step, in ms (Infinity: until the client aborts). */
  delay: number;
  kind: 'data' | 'error' | 'reset';
  /** The events of this step; none writes nothing. */
  render: () => string[];
  /** Content tokens written once this step is done. */
  tokens: number;
  /** 'preamble': written before the engine runs (vLLM Responses), never held by it. */
  phase: 'preamble' | 'lead' | 'token' | 'tail';
  /** Close the stream after this step. */
  close: boolean;
  /** This step carries the first content token. */
  firstToken: boolean;
}

export interface StepTiming {
  ttftMs: number;
  tokenDelayMs: number;
}

export function buildSteps(flavor: Flavor, wire: ApiWire, ctx: GenContext, plan: TokenPlan, timing: StepTiming): Step[] {
  const steps: Step[] = [];
  const finish: Finish = { reason: plan.finish, stopReason: plan.stopReason };
  const k = plan.pieces.length;
  let pending = timing.ttftMs;
  const push = (s: Omit<Step, 'delay' | 'close' | 'firstToken'> & Partial<Step>, nextDelay: number): void => {
    steps.push({ close: false, firstToken: false, ...s, delay: pending });
    pending = nextDelay;
  };
  const { preamble, lead } = wire;
  if (preamble) steps.push({ delay: 0, kind: 'data', render: () => preamble(ctx), tokens: 0, phase: 'preamble', close: false, firstToken: false });
  const leadCarried = lead !== undefined && flavor.leadWithFirstToken;
  if (lead && !leadCarried) push({ kind: 'data', render: () => lead(ctx), tokens: 0, phase: 'lead' }, 0);

  plan.pieces.forEach((piece, i) => {
    const fin = i === k - 1 && wire.finishOnLastToken ? finish : null;
    const render = (): string[] => [...(i === 0 && leadCarried ? lead(ctx) : []), ...wire.token(ctx, piece, fin, i + 1)];
    push({ kind: 'data', render, tokens: i + 1, phase: 'token', firstToken: i === 0 }, timing.tokenDelayMs);
  });
  if (k === 0) {
    if (wire.finishOnLastToken) {
      push({ kind: 'data', render: () => wire.token(ctx, '', finish, 0), tokens: 0, phase: 'token' }, 0);
    } else if (leadCarried) {
      push({ kind: 'data', render: () => lead(ctx), tokens: 0, phase: 'lead' }, 0);
    }
  }
  // The finish/usage write follows the last token at once.
  if (steps.some((s) => s.phase !== 'preamble')) pending = 0;
  push({ kind: 'data', render: () => wire.tail(ctx, finish, k), tokens: k, phase: 'tail' }, 0);
  push({ kind: 'data', render: () => wire.end(ctx), tokens: k, phase: 'tail', close: true }, 0);
  return steps;
}

/**
 * Splices a reset/stall/midstream_error fault in after `after_tokens` content tokens (at most
 * all of them: then it lands before the finish/usage/end writes). Other faults: unchanged.
 */
export function applyStreamFault(steps: Step[], fault: SimFault | undefined, wire: ApiWire): Step[] {
  if (!fault || (fault.type !== 'reset' && fault.type !== 'stall' && fault.type !== 'midstream_error')) return steps;
  const after = fault.after_tokens ?? 0;
  const p = steps.findIndex((s) => (s.phase === 'token' && s.tokens > after) || s.phase === 'tail');
  const at = steps[p];
  if (!at) return steps;
  const out = steps.slice(0, p);
  const base = { tokens: out.at(-1)?.tokens ?? 0, phase: 'tail' as const, firstToken: false, close: true };
  if (fault.type === 'stall') {
    out.push({ ...at, delay: at.delay + (fault.ms ?? Infinity) }, ...steps.slice(p + 1));
    return out;
  }
  const err = fault.type === 'reset' ? { kind: 'reset' as const } : wire.streamError();
  if (err.kind === 'reset') out.push({ ...base, delay: at.delay, kind: 'reset', render: () => [] });
  else out.push({ ...base, delay: at.delay, kind: 'error', render: () => err.events });
  return out;
}

/**
 * vLLM: what is left of a stream the engine aborted (a /sleep with mode=abort) after `tokens`
 * content tokens: the lead if it was not sent yet, a `finish_reason:"abort"` token with empty
 * content, the tail, then the end. An abort before the first token is an empty first output,
 * which vLLM skips ("chunked prefill case"): no finish_reason token then.
 */
export function abortSteps(wire: ApiWire, ctx: GenContext, tokens: number, leadSent: boolean): Step[] {
  const finish: Finish = { reason: 'abort', stopReason: null };
  const step = (render: () => string[], close = false): Step => ({ delay: 0, kind: 'data', render, tokens, phase: 'tail', close, firstToken: false });
  const out: Step[] = [];
  const { lead } = wire;
  if (!leadSent && lead) out.push(step(() => lead(ctx)));
  if (tokens > 0) out.push(step(() => wire.token(ctx, '', finish, tokens)));
  out.push(step(() => wire.tail(ctx, finish, tokens)));
  out.push(step(() => wire.end(ctx), true));
  return out;
}
