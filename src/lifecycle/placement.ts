import { formatBytes } from '../config/byte-size.ts';
import type { ServerState } from './managed-server.ts';

/** A launched model's server as placement sees it. */
export interface ServerView {
  name: string;
  state: ServerState;
  device: string | null;
  /** bytes it holds on its device now: 0 when off or asleep */
  memory: number;
  /** requests in flight or waiting for it */
  busy: boolean;
  lastUsed: number;
  readyAt: number;
  /** the exclusive groups it is in */
  groups: readonly string[];
}

export interface Candidate {
  name: string;
  need: number;
  /** `device:` in its config, or the device it sleeps on */
  pinned: string | null;
  groups: readonly string[];
  /** since when requests wait for it */
  waitingSince: number;
}

export interface Device {
  /** null: not a GPU id (memory_budget, or no budget) */
  id: string | null;
  memory: number;
}

export type Decision =
  | { kind: 'start'; device: string | null }
  /** stop these first (drain them); start once they are off */
  | { kind: 'evict'; device: string | null; victims: string[] }
  /** blocked by servers that are busy (until the swap window opens) */
  | { kind: 'wait'; until: number }
  | { kind: 'never'; why: string };

/**
 * Where a model's server can run, and what has to stop first. A device fits when its memory
 * minus what its servers hold covers the model's need; to make room, idle servers go first,
 * least recently used first, then busy ones. Exclusive group mates always go;
 * `max_loaded_models` counts every server that runs (asleep too). Busy servers are only made
 * to drain when the candidate has waited `swapWindow` and each of them has served at least
 * that long since it became ready: at most one swap per window, and nobody starves.
 */
export function place(c: Candidate, servers: readonly ServerView[], devices: readonly Device[], maxLoaded: number, swapWindow: number, now: number): Decision {
  const others = servers.filter((s) => s.name !== c.name && s.state !== 'off' && s.state !== 'failed');
  const fitting = devices.filter((d) => (c.pinned === null || d.id === c.pinned) && c.need <= d.memory);
  if (fitting.length === 0) return { kind: 'never', why: tooBig(c, devices) };
  const conflicts = others.filter((s) => s.groups.some((g) => c.groups.includes(g)));

  let best: { device: string | null; victims: ServerView[]; busy: number; free: number } | null = null;
  for (const d of fitting) {
    const victims = new Set(conflicts);
    const onDevice = others.filter((s) => s.device === d.id && !victims.has(s));
    let used = onDevice.reduce((n, s) => n + s.memory, 0);
    const forMemory: ServerView[] = [];
    for (const s of evictionOrder(onDevice)) {
      if (d.memory - used >= c.need) break;
      forMemory.push(s);
      used -= s.memory;
    }
    // keep any of those the others' room already covers (a small old model before a big recent one)
    for (const s of [...forMemory].reverse()) {
      if (d.memory - used - s.memory >= c.need) {
        forMemory.splice(forMemory.indexOf(s), 1);
        used += s.memory;
      }
    }
    for (const s of forMemory) victims.add(s);
    if (maxLoaded > 0) {
      const remaining = evictionOrder(others.filter((s) => !victims.has(s)));
      while (remaining.length > 0 && others.length - victims.size + 1 > maxLoaded) victims.add(remaining.shift()!);
    }
    const list = [...victims];
    const busy = list.filter((s) => s.busy).length;
    const free = d.memory - used;
    if (!best || busy < best.busy || (busy === best.busy && (list.length < best.victims.length || (list.length === best.victims.length && free > best.free)))) {
      best = { device: d.id, victims: list, busy, free };
    }
  }
  const { device, victims } = best!;
  if (victims.length === 0) return { kind: 'start', device };
  const busy = victims.filter((s) => s.busy && s.state !== 'draining' && s.state !== 'stopping');
  if (busy.length > 0) {
    const opensAt = Math.max(c.waitingSince + swapWindow, ...busy.map((s) => s.readyAt + swapWindow));
    if (now < opensAt) return { kind: 'wait', until: opensAt };
  }
  return { kind: 'evict', device, victims: victims.map((s) => s.name) };
}

/** Idle before busy; among each, the least recently used first. */
function evictionOrder(servers: readonly ServerView[]): ServerView[] {
  return [...servers].sort((a, b) => Number(a.busy) - Number(b.busy) || a.lastUsed - b.lastUsed);
}

function tooBig(c: Candidate, devices: readonly Device[]): string {
  if (c.pinned !== null) {
    const d = devices.find((x) => x.id === c.pinned);
    return `it needs ${formatBytes(c.need)} and device ${c.pinned} has ${d ? formatBytes(d.memory) : 'no such device'}`;
  }
  const largest = devices.reduce((a, b) => (b.memory > a.memory ? b : a));
  return largest.id === null
    ? `it needs ${formatBytes(c.need)} and lifecycle.memory_budget is ${formatBytes(largest.memory)}`
    : `it needs ${formatBytes(c.need)} and the largest device (${largest.id}) has ${formatBytes(largest.memory)}`;
}
