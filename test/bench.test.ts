import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../bench/sweep-report.ts';

const root = new URL('../', import.meta.url);
const out = mkdtempSync(join(tmpdir(), 'mt-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/sweep.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Tags balance, one root <svg>, attributes quoted, no stray `<` or `&` in text: enough to catch broken hand-written SVG. */
function checkWellFormed(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  const text = xml.replace(/<\?xml[^>]*\?>/, '');
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/gi;
  for (const m of text.matchAll(token)) {
    if (!m[2]) throw new Error(`stray '${m[0]}' at ${m.index}: ${text.slice(m.index, m.index + 60)}`);
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}> at ${m.index}`);
    } else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

describe('[node] benchmark sweep (npm run bench)', () => {
  it('sweeps two models × two levels against the simulators it starts, and writes CSV, JSON and SVG', async () => {
    const res = await run([
      '--model', 'model-a,model-b',
      '--concurrency', '1,2',
      '--duration', '1s',
      '--warmup', '200ms',
      '--stream',
      '--max-tokens', '6',
      '--sim-ttft-ms', '5',
      '--sim-token-delay-ms', '2',
      '--out', out,
    ]);
    expect(res.code, res.stderr).toBe(0);
    const files = ['results.csv', 'results.json', 'plot.svg'].map((f) => join(out, f));
    for (const f of files) expect(existsSync(f), f).toBe(true);
    for (const f of files) expect(res.stdout).toContain(f);
    // progress went to stderr, one line per level at least
    expect(res.stderr).toMatch(/\[1\/4\] model-a c=1/);
    expect(res.stderr).toMatch(/\[4\/4\] model-b c=2/);

    const [header, ...lines] = readFileSync(files[0] as string, 'utf8').trimEnd().split('\n');
    expect(header?.split(',')).toEqual([...CSV_COLUMNS]);
    expect(header).toBe(
      'model,concurrency,duration_s,requests,errors,qps,latency_p50_ms,latency_p95_ms,latency_p99_ms,ttft_p50_ms,ttft_p95_ms,itl_p50_ms,itl_p95_ms,output_tokens_per_s,tokens_per_s_per_request_p50',
    );
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [CSV_COLUMNS[i], v])));
    expect(rows.map((r) => `${r.model}@${r.concurrency}`)).toEqual(['model-a@1', 'model-a@2', 'model-b@1', 'model-b@2']);
    for (const row of rows) {
      for (const c of CSV_COLUMNS.slice(1)) {
        expect(row[c], `${c} of ${row.model}@${row.concurrency}`).toMatch(/^\d+(\.\d+)?(e-?\d+)?$/);
      }
      expect(Number(row.errors)).toBe(0);
      expect(Number(row.requests)).toBeGreaterThan(0);
      expect(Number(row.output_tokens_per_s)).toBeGreaterThan(0);
      // TTFT comes before the end of the stream
      expect(Number(row.ttft_p50_ms)).toBeLessThan(Number(row.latency_p50_ms));
    }

    const json = JSON.parse(readFileSync(files[1] as string, 'utf8')) as { columns: string[]; results: unknown[]; settings: { stream: boolean; models: string[] } };
    expect(json.columns).toEqual([...CSV_COLUMNS]);
    expect(json.results).toHaveLength(4);
    expect(json.settings).toMatchObject({ stream: true, models: ['model-a', 'model-b'] });

    const svg = readFileSync(files[2] as string, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    checkWellFormed(svg);
    expect(svg).toContain('model-a');
    expect(svg).toContain('model-b');
    expect(svg.match(/<polyline /g)?.length).toBe(4); // two charts × two models
  }, 30_000);
});

describe('[node] limiter benchmark (npm run bench:limiter)', () => {
  it('measures CPU per request without a limiter, with the memory store and with the Redis store in both modes', async () => {
    // a child process: the benchmark pins itself to cores
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/limiter.ts', '--requests', '2000', '--concurrency', '1,8', '--rounds', '2'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    const file = /^wrote (.+)$/m.exec(out)?.[1];
    expect(file).toBeDefined();
    const { results } = JSON.parse(readFileSync(file as string, 'utf8')) as { results: { store: string; concurrency: number; cpuUsPerRequest: number[] }[] };
    rmSync(file as string);
    expect(results.map((r) => `${r.store}/${r.concurrency}`)).toEqual(['none/1', 'memory/1', 'redis/1', 'redis-exact/1', 'none/8', 'memory/8', 'redis/8', 'redis-exact/8']);
    for (const r of results) {
      expect(r.cpuUsPerRequest).toHaveLength(2);
      for (const v of r.cpuUsPerRequest) expect(v).toBeGreaterThan(0);
    }
    expect(out).toContain('the limiter alone');
  }, 60_000);
});
