/**
 * Footprint of the Node gateway: start-up time (spawn to the `listening` line), resident
 * memory when idle, and after a load of chat requests, for the TypeScript sources run
 * through the tsx loader (`npm start`) and for the compiled bundle (`npm run build`, then
 * `node dist/modeltainer.mjs`, as the image runs it). Alternating runs in one session;
 * the medians go in docs/benchmarks.md.
 *
 *   npm run build && npx tsx bench/footprint.ts [--runs 5] [--requests 1000]
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { rssMB } from './memory.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const VARIANTS = [
  { name: 'tsx loader (npm start)', args: ['--import', 'tsx', 'adapters/node/cli.ts', 'serve'] },
  { name: 'bundle (dist/modeltainer.mjs)', args: ['dist/modeltainer.mjs', 'serve'] },
];

interface Sample {
  startMs: number;
  idleMB: number;
  loadedMB: number;
}

const rss = (pid: number) => Math.round(rssMB(pid) ?? NaN);

async function once(args: string[], requests: number): Promise<Sample> {
  const started = performance.now();
  const child = spawn(process.execPath, [...args, '--port', '0', '--host', '127.0.0.1', '--config', 'config/models.yaml'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'info' } });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const m = /"msg":"listening","url":"([^"]+)"/.exec(line);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before listening`)));
    });
    const startMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 2000));
    const idleMB = rss(child.pid!);
    const body = JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });
    let sent = 0;
    const worker = async () => {
      while (sent++ < requests) {
        const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await new Promise((r) => setTimeout(r, 1000));
    return { startMs, idleMB, loadedMB: rss(child.pid!) };
  } finally {
    child.kill('SIGKILL');
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, requests: { type: 'string', default: '1000' } } });
const runs = Number(values.runs);
const requests = Number(values.requests);
const samples = new Map<string, Sample[]>(VARIANTS.map((v) => [v.name, []]));
for (let i = 0; i < runs; i++) {
  for (const v of i % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) samples.get(v.name)!.push(await once(v.args, requests));
}
console.log(`| Node gateway, demo config (${runs} runs, median) | start-up | idle RSS | RSS after ${requests} requests |\n|---|---|---|---|`);
for (const [name, s] of samples) {
  console.log(`| ${name} | ${Math.round(median(s.map((x) => x.startMs)))} ms | ${median(s.map((x) => x.idleMB))} MB | ${median(s.map((x) => x.loadedMB))} MB |`);
}
