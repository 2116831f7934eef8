import type { BalanceMode } from '../config/schema.ts';
import type { TargetState } from './target-state.ts';

export interface PickRequest {
  /** Targets this request already tried: others are preferred; they are reused only when nothing else is left. */
  tried: ReadonlySet<TargetState> | null;
  /** A consistent-hash key (user, API key, header): the same key goes to the same target while it can take it. */
  affinity: string | null;
}

/** Round-robin position, per model: lives in the runtime so a reload does not reset it. */
export interface RoundRobin {
  current: Map<TargetState, number>;
}

/**
 * Picks a target among those that take traffic and have room. Returns null when none
 * has room (the caller queues) — the caller checks beforehand that some are available.
 */
export function pickTarget(
  states: readonly TargetState[],
  usable: (s: TargetState) => boolean,
  mode: BalanceMode,
  req: PickRequest,
  rr: RoundRobin,
  random: () => number,
): TargetState | null {
  if (states.length === 1) {
    const only = states[0]!;
    return usable(only) ? only : null;
  }
  let candidates = states.filter((s) => usable(s) && !req.tried?.has(s));
  if (candidates.length === 0 && req.tried) candidates = states.filter(usable);
  if (candidates.length === 0) return null;
  if (candidates.length === 1) return candidates[0]!;
  if (req.affinity !== null) return byRendezvous(candidates, req.affinity);
  if (mode === 'round_robin') return smoothWeighted(candidates, rr);
  if (mode === 'weighted_random') return weightedRandom(candidates, random);
  return leastOutstanding(candidates, random);
}

/** Fewest requests in flight per unit of weight; ties broken at random so equal targets share evenly. */
function leastOutstanding(candidates: readonly TargetState[], random: () => number): TargetState {
  let best: TargetState[] = [];
  let bestLoad = Infinity;
  for (const s of candidates) {
    const load = s.inFlight / s.target.weight;
    if (load < bestLoad) {
      bestLoad = load;
      best = [s];
    } else if (load === bestLoad) best.push(s);
  }
  return best.length === 1 ? best[0]! : best[Math.floor(random() * best.length)]!;
}

function weightedRandom(candidates: readonly TargetState[], random: () => number): TargetState {
  let total = 0;
  for (const s of candidates) total += s.target.weight;
  let r = random() * total;
  for (const s of candidates) {
    r -= s.target.weight;
    if (r < 0) return s;
  }
  return candidates[candidates.length - 1]!;
}

/** nginx's smooth weighted round-robin: exact shares, evenly interleaved. */
export function smoothWeighted<T>(candidates: readonly T[], rr: { current: Map<T, number> }, weightOf: (c: T) => number = (c) => (c as TargetState).target.weight): T {
  let total = 0;
  let best: T | null = null;
  let bestValue = -Infinity;
  for (const c of candidates) {
    const w = weightOf(c);
    const v = (rr.current.get(c) ?? 0) + w;
    rr.current.set(c, v);
    total += w;
    if (v > bestValue) {
      bestValue = v;
      best = c;
    }
  }
  rr.current.set(best as T, bestValue - total);
  return best as T;
}

/**
 * Weighted rendezvous hashing: each key ranks the targets the same way on every gateway
 * replica; removing a target moves only the keys that were on it. Keeps a conversation
 * on the replica whose prompt cache holds it.
 */
function byRendezvous(candidates: readonly TargetState[], key: string): TargetState {
  let best = candidates[0]!;
  let bestScore = -Infinity;
  for (const s of candidates) {
    const score = rendezvousScore(key, s.target.id, s.target.weight);
    if (score > bestScore) {
      bestScore = score;
      best = s;
    }
  }
  return best;
}

export function rendezvousScore(key: string, id: string, weight: number): number {
  // a uniform (0,1) from the hash, then -w/ln(u): the weighted variant of highest-random-weight
  const u = (fnv1a(`${key}\u0000${id}`) + 0.5) / 4294967296;
  return -weight / Math.log(u);
}

/** 32-bit FNV-1a over UTF-16 code units, with a final avalanche so near keys spread. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
