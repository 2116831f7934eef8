import type { UpstreamFetch } from '../deps.ts';
import type { EndpointName } from '../proxy/endpoints.ts';

/**
 * One replica of a model, as requests and probes reach it. Built from config by
 * build-targets.ts (the only module that knows about the in-process simulator);
 * nothing else needs to know whether a target is a socket or a function call.
 */
export interface Target {
  /** Stable across reloads while the replica's address is unchanged: live state is keyed by it. */
  readonly id: string;
  /** Log- and error-safe: kind and host, never credentials or paths. */
  readonly label: string;
  readonly baseUrl: string;
  /** The upstream URL of each endpoint, computed once. */
  readonly urls: Readonly<Record<EndpointName, string>>;
  readonly healthUrl: string;
  readonly transport: UpstreamFetch;
  /** The model's headers with the target's own on top. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeouts: { readonly connect: number; readonly first_byte: number; readonly total: number };
  readonly maxConcurrent: number | undefined;
  readonly weight: number;
}

/** How one attempt on a target ended, reported to its breaker. */
export type AttemptOutcome =
  | 'ok'
  /** connection refused, reset before the response, DNS */
  | 'connect'
  /** 5xx (and 401/403: the target rejects the gateway) */
  | 'status'
  /** overloaded (429): not a fault of the target */
  | 'busy'
  | 'timeout'
  /** died after the response began */
  | 'stream'
  /** the client left or the request's own deadline passed: says nothing about the target */
  | 'cancelled';

export function isFailure(outcome: AttemptOutcome): boolean {
  return outcome === 'connect' || outcome === 'status' || outcome === 'timeout' || outcome === 'stream';
}
