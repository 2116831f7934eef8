/** Core pinning (taskset) and per-process CPU time (/proc), both Linux-only and optional. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuPlan {
  /** taskset CPU list for the proxy under test (bare proxy, gateway). */
  proxy: string;
  /** taskset CPU list for the simulators and the load generator (this process). */
  rest: string;
}

export interface PinningInfo {
  pinned: boolean;
  plan: CpuPlan | null;
  /** Why not pinned, when not. */
  reason?: string;
  cpusAvailable: number[];
}

/** The CPUs this process may run on, from `taskset -pc`; null when taskset is missing. */
function allowedCpus(): number[] | null {
  const out = spawnSync('taskset', ['-pc', String(process.pid)], { encoding: 'utf8' });
  if (out.status !== 0 || typeof out.stdout !== 'string') return null;
  const list = out.stdout.split(':').pop()?.trim() ?? '';
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || !Number.isInteger(a)) continue;
    for (let c = a; c <= (b ?? a); c++) cpus.push(c);
  }
  return cpus;
}

/**
 * The proxy under test gets the first allowed CPU to itself; the simulators and the
 * load generator share the others. This process (all its threads) is moved there now.
 */
export function planPinning(wanted: boolean): PinningInfo {
  const cpus = allowedCpus();
  if (!wanted) return { pinned: false, plan: null, reason: '--no-pin', cpusAvailable: cpus ?? [] };
  if (!cpus) return { pinned: false, plan: null, reason: 'taskset not available', cpusAvailable: [] };
  if (cpus.length < 2) return { pinned: false, plan: null, reason: `only ${cpus.length} CPU allowed`, cpusAvailable: cpus };
  const plan: CpuPlan = { proxy: String(cpus[0]), rest: cpus.slice(1).join(',') };
  const self = spawnSync('taskset', ['-a', '-pc', plan.rest, String(process.pid)], { encoding: 'utf8' });
  if (self.status !== 0) return { pinned: false, plan: null, reason: `taskset failed: ${self.stderr.trim()}`, cpusAvailable: cpus };
  return { pinned: true, plan, cpusAvailable: cpus };
}

/** Prefixes a command with `taskset -c CPUS` when a CPU list is given. */
export function pinned(cpus: string | null, command: string, args: string[]): [string, string[]] {
  return cpus === null ? [command, args] : ['taskset', ['-c', cpus, command, ...args]];
}

const CLK_TCK = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(out.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** User + system CPU milliseconds used so far by a process (all threads); null where /proc is missing. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLK_TCK : null;
  } catch {
    return null;
  }
}

export interface SystemCpu {
  /** Busy CPU ms of the whole machine (all cores): user, nice, system, irq, softirq. */
  busy: number;
  /** CPU ms the hypervisor gave to other guests while this one wanted to run. */
  steal: number;
}

/** Whole-machine CPU counters so far, from /proc/stat; null where missing. */
export function systemCpu(): SystemCpu | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu  user nice system idle iowait irq softirq steal ...
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0);
    if (!Number.isFinite(busy)) return null;
    return { busy: (busy * 1000) / CLK_TCK, steal: ((steal ?? 0) * 1000) / CLK_TCK };
  } catch {
    return null;
  }
}

/** Every live descendant of a process (children, their children, …), from /proc/<pid>/task/<tid>/children; [] where missing. */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift() as number;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of children.split(' ').map(Number).filter((n) => Number.isInteger(n) && n > 0)) {
        if (!out.includes(c)) {
          out.push(c);
          queue.push(c);
        }
      }
    }
  }
  return out;
}

/** Reaped children's CPU ms (cutime + cstime) of a process; null where /proc is missing. */
function reapedChildrenCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLK_TCK : null;
  } catch {
    return null;
  }
}

/**
 * CPU ms of a process and all its descendants (a primary and its workers): its own, its live
 * descendants', and that of children it has already reaped. Descendants that exit between two
 * readings without being reaped by a process of the tree are missed.
 */
export function processTreeCpuMs(pid: number): number | null {
  const own = processCpuMs(pid);
  if (own === null) return null;
  let total = own + (reapedChildrenCpuMs(pid) ?? 0);
  for (const d of descendants(pid)) total += (processCpuMs(d) ?? 0) + (reapedChildrenCpuMs(d) ?? 0);
  return total;
}
