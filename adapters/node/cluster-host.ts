import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { ClusterPeers, PeerOp } from '../../src/index.ts';
import type { ClusterHost, Signal } from '../../src/serving/host.ts';
import type { Ask, PrimaryMessage, WorkerMessage } from './cluster-messages.ts';
import { runPrimary } from './cluster-primary.ts';

type PeerGateway = { applyPeerOp(op: PeerOp): Promise<void>; renderMetrics(): Promise<string> };

async function answer(gateway: PeerGateway | null, a: Ask): Promise<string> {
  if (!gateway) return '';
  if (a.kind === 'metrics') return gateway.renderMetrics();
  await gateway.applyPeerOp(a.op);
  return '';
}

/** Which worker this process is, from the environment the primary forks it with; null outside a cluster. */
const WORKER_ENV = ((): { worker: number; ownerPort: number } | null => {
  const worker = Number(process.env.MODELTAINER_WORKER);
  const ownerPort = Number(process.env.MODELTAINER_OWNER_PORT);
  return process.send && worker >= 1 && ownerPort > 0 ? { worker, ownerPort } : null;
})();

/** Node's multi-process serving: the primary (cluster-primary.ts), or this worker's side of it. */
export function createClusterHost(): ClusterHost {
  const env = WORKER_ENV;
  const waiting = new Map<string, (parts: { worker: number; text: string }[]) => void>();
  let gateway: PeerGateway | null = null;
  const send = (msg: WorkerMessage) => process.send?.(msg);
  if (env) {
    process.on('message', (msg: PrimaryMessage) => {
      if (msg.type === 'asked') void answer(gateway, msg.ask).then((text) => send({ type: 'answer', id: msg.id, text }));
      else if (msg.type === 'answers') {
        waiting.get(msg.id)?.(msg.parts);
        waiting.delete(msg.id);
      }
    });
  }
  let seq = 0;
  const ask = (a: Ask) =>
    new Promise<{ worker: number; text: string }[]>((resolve) => {
      const id = `${env?.worker}-${++seq}`;
      waiting.set(id, resolve);
      send({ type: 'ask', id, ask: a });
    });
  const peers: ClusterPeers | null = env && {
    worker: env.worker,
    ownerUrl: env.worker === 1 ? null : `http://127.0.0.1:${env.ownerPort}`,
    broadcast: async (op) => void (await ask({ kind: 'op', op })),
    collectMetrics: () => ask({ kind: 'metrics' }),
  };
  return {
    cores: usableCores(),
    production: process.env.NODE_ENV === 'production',
    peers,
    ownerPort: env?.worker === 1 ? env.ownerPort : null,
    runPrimary: (workers, logger) => void runPrimary(workers, logger),
    ready: (record) => send({ type: 'ready', record }),
    shutdownLogger: env ? { log: (level, record) => send({ type: 'shutdown-log', level, record }) } : null,
    attach: (g) => void (gateway = g),
  };
}

/**
 * In a worker, signals come from the primary as messages (it alone takes the real ones:
 * a terminal's Ctrl-C reaches the whole process group, and must count once).
 */
export function onWorkerSignal(signal: Signal, handler: () => void): boolean {
  if (!WORKER_ENV) return false;
  if (signal !== 'SIGHUP') process.on(signal, () => undefined);
  process.on('message', (msg: PrimaryMessage) => {
    if (msg.type === 'signal' && msg.signal === signal) handler();
  });
  return true;
}

/**
 * Cores this process may use: the CPU affinity (Slurm's binding, taskset), and also a container's
 * CPU quota (a Kubernetes limit, `docker run --cpus`), which affinity does not show: a pod limited
 * to 2 CPUs on a 64-core node gets 2 workers, not 64.
 */
function usableCores(): number {
  const cores = availableParallelism();
  const quota = cgroupCpuQuota();
  return quota === null ? cores : Math.max(1, Math.min(cores, Math.ceil(quota)));
}

/** CPUs allowed by the cgroup's quota (v2 `cpu.max`, or v1's cfs files); null without a quota. */
function cgroupCpuQuota(): number | null {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8').trim();
    } catch {
      return null;
    }
  };
  const v2 = read('/sys/fs/cgroup/cpu.max')?.split(/\s+/);
  if (v2 && v2[0] !== 'max' && Number(v2[1]) > 0) return Number(v2[0]) / Number(v2[1]);
  const quota = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
  const period = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
  return quota > 0 && period > 0 ? quota / period : null;
}
