import type { TargetState } from '../targets/target-state.ts';
import type { AttemptOutcome, Target } from '../targets/target.ts';

/** One attempt's hold on a target: a slot on it and on its model until released. */
export interface Lease {
  readonly state: TargetState;
  readonly target: Target;
  /** The target answered well (headers of a 2xx/4xx): closes a half-open breaker at once. */
  succeeded(): void;
  /** Ends the attempt: frees both slots and reports the outcome. Later calls do nothing. */
  release(outcome: AttemptOutcome): void;
}

/** What a lease reports its end to: the model runtime that granted it. */
export interface LeaseOwner {
  leaseEnded(state: TargetState, outcome: AttemptOutcome, verdict: boolean, grantedAt: number): void;
}

/** A class, not closures: one of these per request, and every closure costs a name under tsx. */
export class TargetLease implements Lease {
  readonly target: Target;
  private verdict = false;
  private released = false;

  constructor(
    private readonly owner: LeaseOwner,
    readonly state: TargetState,
    private readonly grantedAt: number,
  ) {
    this.target = state.target;
  }

  succeeded(): void {
    if (this.verdict) return;
    this.verdict = true;
    this.state.breaker.success();
  }

  release(outcome: AttemptOutcome): void {
    if (this.released) return;
    this.released = true;
    this.owner.leaseEnded(this.state, outcome, this.verdict, this.grantedAt);
  }
}
