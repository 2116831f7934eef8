/**
 * The gateway's own work per request, without sockets: `app.fetch(Request)` against an
 * upstream stub that answers at once, in this process, for the working tree and (with
 * --baseline REV) another revision side by side. Blocks alternate A B B A, so a machine
 * that speeds up or slows down favours neither; each block's CPU time (process.cpuUsage)
 * per request gives one paired ratio. Far less noisy than bench:overhead on a shared VM
 * (no kernel network stack, no other processes), and it measures exactly src/.
 *
 *   npm run bench:hot-path -- --baseline db6ef62 [--blocks 40] [--requests 2000] [--concurrency 16]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { commitSubject, exportRevision, resolveRevision } from './baseline.ts';
import { ROOT } from './environment.ts';
import { percentile, round } from './stats.ts';

interface Gateway {
  label: string;
  fetch(req: Request): Response | Promise<Response>;
}

const CONFIG = 'version: 1\nmodels:\n  - name: bench\n    backend: vllm\n    backend_url: http://backend.invalid:8000\n';
const REQUEST = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Write a haiku about reverse proxies.' }], max_tokens: 16 });
const ANSWER = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'bench',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Packets pass through me' }, finish_reason: 'length' }],
  usage: { prompt_tokens: 12, completion_tokens: 16, total_tokens: 28 },
});

/** The upstream every tree gets: a JSON answer at once, the shape a fast backend gives. */
const upstream = async () => ({
  status: 200,
  headers: { get: (name: string) => (name === 'content-type' ? 'application/json' : null) },
  body: null,
  text: async () => ANSWER,
});

async function load(label: string, root: string): Promise<Gateway> {
  const mod = (await import(pathToFileURL(join(root, 'src/index.ts')).href)) as {
    createApp(deps: unknown): { fetch(req: Request): Response | Promise<Response> };
    createConfigStore(s: unknown): unknown;
    parseConfig(text: string): unknown;
  };
  const app = mod.createApp({ config: mod.createConfigStore(mod.parseConfig(CONFIG)), upstream, logger: { log: () => undefined } });
  return { label, fetch: (req) => app.fetch(req) };
}

/** CPU µs per request over `n` requests, `concurrency` in flight. */
async function block(gw: Gateway, n: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const res = await gw.fetch(new Request('http://gateway/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: REQUEST }));
        if (res.status !== 200) throw new Error(`${gw.label}: HTTP ${res.status}: ${await res.text()}`);
        await res.text();
      }
    }),
  );
  const used = process.cpuUsage(started);
  return (used.user + used.system) / n;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      baseline: { type: 'string' },
      blocks: { type: 'string', default: '40' },
      requests: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '16' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || !values.baseline) {
    console.log('npm run bench:hot-path -- --baseline REV [--blocks 40] [--requests 2000] [--concurrency 16]');
    return values.help ? 0 : 2;
  }
  const commit = resolveRevision(values.baseline);
  const dir = mkdtempSync(join(tmpdir(), 'modeltainer-hot-path-'));
  try {
    await exportRevision(commit, join(dir, 'tree'));
    const now = await load('now', ROOT);
    const before = await load(`${values.baseline} (${commit.slice(0, 7)} ${commitSubject(commit)})`, join(dir, 'tree'));
    const n = Number(values.requests);
    const concurrency = Number(values.concurrency);
    const blocks = Number(values.blocks);
    // warm-up: JIT both trees before anything is counted
    for (let i = 0; i < 3; i++) for (const gw of [now, before]) await block(gw, n, concurrency);
    const a: number[] = [];
    const b: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < blocks; i++) {
      // A B B A within each pair of blocks
      const order = i % 2 === 0 ? [now, before] : [before, now];
      const got = new Map<Gateway, number>();
      for (const gw of order) got.set(gw, await block(gw, n, concurrency));
      a.push(got.get(now)!);
      b.push(got.get(before)!);
      ratios.push(got.get(now)! / got.get(before)!);
    }
    const med = (xs: number[]) => percentile([...xs].sort((x, y) => x - y), 50);
    const q = (xs: number[], p: number) => percentile([...xs].sort((x, y) => x - y), p);
    console.log(`gateway work per request (app.fetch, stub upstream), ${blocks} blocks of ${n} requests, ${concurrency} in flight`);
    // noise on a shared machine only ever adds time: the fastest blocks are the closest to the code's own cost
    console.log(`  now:      ${round(med(a), 1)} µs CPU/request (median block), ${round(q(a, 10), 1)} (10th percentile), ${round(Math.min(...a), 1)} (fastest)`);
    console.log(`  ${before.label}: ${round(med(b), 1)} µs CPU/request (median block), ${round(q(b, 10), 1)} (10th percentile), ${round(Math.min(...b), 1)} (fastest)`);
    console.log(`  now / before, 10th percentiles ×${round(q(a, 10) / q(b, 10), 3)}, fastest blocks ×${round(Math.min(...a) / Math.min(...b), 3)}`);
    console.log(`  now / before, paired by block: median ×${round(med(ratios), 3)}, middle half ×${round(q(ratios, 25), 3)}–×${round(q(ratios, 75), 3)}, range ×${round(Math.min(...ratios), 3)}–×${round(Math.max(...ratios), 3)}`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
