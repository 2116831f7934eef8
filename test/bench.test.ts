import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BASELINE_TARGET, DEFAULT_TARGETS, parseBenchArgs, USAGE, type TargetName } from '../bench/args.ts';
import { resolveRevision } from '../bench/baseline.ts';
import type { TargetResult } from '../bench/measure.ts';
import { compare } from '../bench/report.ts';
import { CSV_COLUMNS } from '../bench/sweep-report.ts';
import { gatewayConfigText, gatewayVariants, SHADOW_MODEL, variantModels } from '../bench/topology.ts';
import { parseConfig } from '../src/index.ts';

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

describe('[node] overhead benchmark flags and configs (npm run bench:overhead)', () => {
  it('--baseline REV adds gateway-baseline right after gateway; without it the target is refused', () => {
    const plain = parseBenchArgs([]);
    expect(plain?.baseline).toBeNull();
    expect(plain?.targets).toEqual([...DEFAULT_TARGETS]);
    expect(plain?.targets).not.toContain(BASELINE_TARGET);
    const every = parseBenchArgs(['--targets', 'all']);
    expect(every?.targets).toEqual(expect.arrayContaining(['gateway-shadow-slow', 'gateway-shadow-failing', ...DEFAULT_TARGETS]));
    expect(every?.targets).not.toContain(BASELINE_TARGET);

    const all = parseBenchArgs(['--baseline', 'HEAD~3']);
    expect(all?.baseline).toBe('HEAD~3');
    expect(all?.targets.slice(all.targets.indexOf('gateway'), all.targets.indexOf('gateway') + 2)).toEqual(['gateway', BASELINE_TARGET]);
    expect(parseBenchArgs(['--baseline', 'db6ef62', '--targets', 'gateway,gateway-shadow-slow'])?.targets).toEqual(['gateway', BASELINE_TARGET, 'gateway-shadow-slow']);
    expect(parseBenchArgs(['--baseline=db6ef62', '--targets', 'gateway-baseline,gateway'])?.targets).toEqual([BASELINE_TARGET, 'gateway']);
    expect(parseBenchArgs(['--baseline', 'v1', '--targets', 'direct'])?.targets).toEqual(['direct', BASELINE_TARGET]);

    expect(() => parseBenchArgs(['--targets', 'gateway,gateway-baseline'])).toThrow(/gateway-baseline.*--baseline/);
    expect(() => parseBenchArgs(['--baseline', ''])).toThrow(/--baseline/);
    expect(() => parseBenchArgs(['--baseline', '--all'])).toThrow();
    expect(USAGE).toContain('--baseline REV');
    for (const t of ['gateway-baseline', 'gateway-shadow-slow', 'gateway-shadow-failing']) expect(USAGE).toContain(t);
  });

  it('resolves --baseline to a full sha, and says clearly when it cannot', () => {
    const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
    if (git.status !== 0) return; // not a git checkout (e.g. an exported tree)
    expect(resolveRevision('HEAD')).toBe(git.stdout.trim());
    expect(() => resolveRevision('no-such-revision-anywhere')).toThrow(/--baseline no-such-revision-anywhere: not a commit/);
  });

  it('the shadow variants copy both models to a shadow model: slow simulator, or a backend refusing connections', () => {
    const variants = gatewayVariants('0'.repeat(64), null, 'p:', { slowUrl: 'http://127.0.0.1:40001', deadPort: 40002 });
    const models = [
      { name: 'bench', url: 'http://127.0.0.1:40003' },
      { name: 'bench-stream', url: 'http://127.0.0.1:40004' },
    ];
    const configOf = (target: string) => {
      const v = variants.find((x) => x.target === target);
      if (!v) throw new Error(`no variant ${target}`);
      return gatewayConfigText(variantModels(v, models), v.extra);
    };
    const shadowLine = `shadow: { model: ${SHADOW_MODEL}, sample: 1 }`;
    for (const [target, backend, url] of [
      ['gateway-shadow-slow', 'vllm', 'http://127.0.0.1:40001'],
      ['gateway-shadow-failing', 'openai', 'http://127.0.0.1:40002/v1'],
    ] as const) {
      const text = configOf(target);
      expect(text.split(shadowLine).length - 1, text).toBe(2);
      const snapshot = parseConfig(text, { file: `${target}.yaml` });
      expect(snapshot.models.map((m) => m.name)).toEqual(['bench', 'bench-stream', SHADOW_MODEL]);
      for (const name of ['bench', 'bench-stream']) expect(snapshot.byName.get(name)?.shadow).toEqual({ model: SHADOW_MODEL, sample: 1, max_concurrent: 8 });
      const shadow = snapshot.byName.get(SHADOW_MODEL);
      expect(shadow?.backend).toBe(backend);
      expect(shadow?.backend_url).toBe(url);
      if (target === 'gateway-shadow-failing') expect(shadow?.retry?.attempts).toBe(1);
    }
    // the plain gateway and the baseline: the same config, no shadow
    expect(configOf('gateway-baseline')).toBe(configOf('gateway'));
    expect(configOf('gateway')).not.toContain('shadow');
    expect(variants.find((v) => v.target === 'gateway-baseline')?.baseline).toBe(true);
  });

  it('compares the baseline and the shadow targets with the plain gateway, with paired ratios over rounds', () => {
    const result = (target: TargetName, round: number, p50: number): TargetResult =>
      ({
        phase: 'non-stream', target, url: '', concurrency: 1, requestsPerSec: 100, completed: 100, errorCount: 0, errors: {}, warmupErrors: 0, late: 0, sent: 100, round,
        latency: { count: 100, mean: p50, p50, p90: p50, p99: p50, max: p50 },
        ttfb: { count: 100, mean: p50, p50, p90: p50, p99: p50, max: p50 },
        cpu: { proxy: { percent: 50, usPerRequest: 300 }, simulator: null, loadGenerator: { percent: 10, usPerRequest: 1 }, sidecar: null, otherPercent: 0, stealPercent: 0 },
      });
    const all = [1, 2].flatMap((round) => [result('gateway', round, 10), result('gateway-baseline', round, 20), result('gateway-shadow-slow', round, 15), result('gateway-shadow-failing', round, 12)]);
    const pairs = compare(all.filter((r) => r.round === 1), all).map((c) => [`${c.a} / ${c.b}`, c.metrics['p50 ms']?.paired?.median]);
    expect(pairs).toEqual([
      ['gateway / gateway-baseline', 0.5],
      ['gateway-shadow-slow / gateway', 1.5],
      ['gateway-shadow-failing / gateway', 1.2],
    ]);
  });
});

describe('[node] hot-path benchmark (npm run bench:hot-path)', () => {
  it('measures the gateway’s own CPU per request for the working tree and a baseline revision, side by side', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/hot-path.ts', '--baseline', 'HEAD', '--blocks', '2', '--requests', '50', '--concurrency', '4'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/now: +[\d.]+ µs CPU\/request/);
    expect(run.stdout).toMatch(/HEAD \([0-9a-f]{7} .*\): [\d.]+ µs CPU\/request/);
    expect(run.stdout).toMatch(/now \/ before, paired by block: median ×[\d.]+/);
  }, 60_000);
});
