import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

describe('[node] response cache benchmark (npm run bench:cache)', () => {
  it('[node] measures hits, misses, the gateway without cache, a bare proxy and the backend in one run, and writes them', async () => {
    const args = ['--import', 'tsx', 'bench/cache.ts', '--duration', '600ms', '--warmup', '200ms', '--concurrency', '4', '--tokens', '4', '--ttft', '40ms', '--token-delay', '5ms'];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    expect(await new Promise((r) => child.once('exit', r)), out.split('\n').slice(-30).join('\n')).toBe(0);
    const file = /^wrote (.+)$/m.exec(out)?.[1];
    const { rows } = JSON.parse(readFileSync(file!, 'utf8')) as { rows: { phase: string; target: string; requestsPerSec: number; errors: number; latencyP50: number }[] };
    rmSync(file!);
    const targets = ['direct', 'bare-proxy', 'gateway (no cache)', 'gateway cache miss', 'gateway cache hit', 'gateway cache hit (redis)'];
    expect(rows.map((r) => `${r.phase}/${r.target}`)).toEqual(['json', 'stream'].flatMap((p) => targets.map((t) => `${p}/${t}`)));
    for (const r of rows) expect(r.errors, `${r.phase}/${r.target}`).toBe(0);
    for (const phase of ['json', 'stream']) {
      const p50 = (target: string) => rows.find((r) => r.phase === phase && r.target === target)!.latencyP50;
      // a miss waits 40 ms for its first token at least; a hit for no backend
      expect(p50('gateway cache hit')).toBeLessThan(p50('gateway cache miss'));
    }
  }, 60_000);
});
