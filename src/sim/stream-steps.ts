/**
 * A stream as a list of timed steps (one write each), built from a token plan, with faults
 * spliced in. Rendering is lazy so `created` and timings are read when the step is written.
 */
import { DONE_EVENT, type Finish, type Flavor, type GenContext } from './flavor.ts';
import type { TokenPlan } from './tokens.ts';
import type { SimFault } from './types.ts';

export interface Step {
  /** Wait before this step, in ms (Infinity: until the client aborts). */
  delay: number;
  kind: 'data' | 'error' | 'reset';
  /** The bytes of this write; '' writes nothing. */
  render: () => string;
  /** Content tokens written once this step is done. */
  tokens: number;
  phase: 'lead' | 'token' | 'tail';
  /** Close the stream after this step. */
  close: boolean;
  /** This step carries the first content token. */
  firstToken: boolean;
}

export interface StepTiming {
  ttftMs: number;
  tokenDelayMs: number;
}

export function buildSteps(flavor: Flavor, ctx: GenContext, plan: TokenPlan, timing: StepTiming): Step[] {
  const steps: Step[] = [];
  const finish: Finish = { reason: plan.finish, stopReason: plan.stopReason };
  const k = plan.pieces.length;
  let pending = timing.ttftMs;
  const push = (s: Omit<Step, 'delay' | 'close' | 'firstToken'> & Partial<Step>, nextDelay: number): void => {
    steps.push({ close: false, firstToken: false, ...s, delay: pending });
    pending = nextDelay;
  };
  const role = (): string => flavor.roleEvent(ctx) ?? '';
  const hasRole = ctx.req.endpoint === 'chat';
  const roleCarried = hasRole && flavor.roleWithFirstToken;
  if (hasRole && !roleCarried) push({ kind: 'data', render: role, tokens: 0, phase: 'lead' }, 0);

  plan.pieces.forEach((piece, i) => {
    const fin = i === k - 1 && flavor.finishOnLastToken ? finish : null;
    const render = (): string => (i === 0 && roleCarried ? role() : '') + flavor.tokenEvent(ctx, piece, fin, i + 1);
    push({ kind: 'data', render, tokens: i + 1, phase: 'token', firstToken: i === 0 }, timing.tokenDelayMs);
  });
  if (k === 0) {
    if (flavor.finishOnLastToken) {
      push({ kind: 'data', render: () => flavor.tokenEvent(ctx, '', finish, 0), tokens: 0, phase: 'token' }, 0);
    } else if (roleCarried) {
      push({ kind: 'data', render: role, tokens: 0, phase: 'lead' }, 0);
    }
  }
  // The finish/usage write follows the last token at once.
  if (steps.length > 0) pending = 0;
  push({ kind: 'data', render: () => flavor.tailEvents(ctx, finish, k) ?? '', tokens: k, phase: 'tail' }, 0);
  push({ kind: 'data', render: () => DONE_EVENT, tokens: k, phase: 'tail', close: true }, 0);
  return steps;
}

/**
 * Splices a reset/stall/midstream_error fault in after `after_tokens` content tokens (at most
 * all of them: then it lands before the finish/usage/[DONE] writes). Other faults: unchanged.
 */
export function applyStreamFault(steps: Step[], fault: SimFault | undefined, flavor: Flavor): Step[] {
  if (!fault || (fault.type !== 'reset' && fault.type !== 'stall' && fault.type !== 'midstream_error')) return steps;
  const after = fault.after_tokens ?? 0;
  const p = steps.findIndex((s) => (s.phase === 'token' && s.tokens > after) || s.phase === 'tail');
  const at = steps[p];
  if (!at) return steps;
  const out = steps.slice(0, p);
  const base = { tokens: out.at(-1)?.tokens ?? 0, phase: 'tail' as const, firstToken: false };
  if (fault.type === 'stall') {
    out.push({ ...at, delay: at.delay + (fault.ms ?? Infinity) }, ...steps.slice(p + 1));
  } else if (fault.type === 'reset') {
    out.push({ ...base, delay: at.delay, kind: 'reset', render: () => '', close: true });
  } else {
    const err = flavor.streamError();
    out.push({ ...base, delay: at.delay, kind: 'error', render: () => err.chunk, close: !err.thenDone });
    if (err.thenDone) out.push({ ...base, delay: 0, kind: 'data', render: () => DONE_EVENT, close: true });
  }
  return out;
}

/**
 * vLLM: what is left of a stream the engine aborted (a /sleep with mode=abort) after `tokens`
 * content tokens: the role chunk if it was not sent yet, a `finish_reason:"abort"` chunk with
 * empty content, the usage event if asked for, then [DONE]. An abort before the first token is
 * an empty first output, which vLLM skips ("chunked prefill case"): no finish_reason chunk then.
 */
export function abortSteps(flavor: Flavor, ctx: GenContext, tokens: number, roleSent: boolean): Step[] {
  const finish: Finish = { reason: 'abort', stopReason: null };
  const step = (render: () => string, close = false): Step => ({ delay: 0, kind: 'data', render, tokens, phase: 'tail', close, firstToken: false });
  const out: Step[] = [];
  if (!roleSent) out.push(step(() => flavor.roleEvent(ctx) ?? ''));
  if (tokens > 0) out.push(step(() => flavor.tokenEvent(ctx, '', finish, tokens)));
  out.push(step(() => flavor.tailEvents(ctx, finish, tokens) ?? ''));
  out.push(step(() => DONE_EVENT, true));
  return out;
}
