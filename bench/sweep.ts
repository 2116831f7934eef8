/**
 * Concurrency sweep against any OpenAI-compatible server (vLLM, llama.cpp's llama-server, the
 * gateway, the simulator): for each model and each concurrency level, closed-loop load for a
 * fixed time, then latency, TTFT, inter-token latency and token throughput. Writes
 * results.csv, results.json and plot.svg. See docs/benchmarks.md.
 *
 *   npm run bench -- --url http://gpu-1:8000 --model a,b --concurrency 1,4,16,64 --duration 20s --stream
 *   npm run bench                                    # simulators + a gateway, started here
 *   npm run bench -- --mode overhead [flags]         # the gateway overhead benchmark (bench/overhead.ts)
 */
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fileStamp, gitState, machine, RESULTS_DIR, ROOT } from './environment.ts';
import { runLoad, type LoadProgress } from './load-generator.ts';
import { runOverhead } from './overhead.ts';
import { runGroup, type ProcessGroup, type ServerProcess } from './processes.ts';
import { progressLine } from './progress.ts';
import { nth, parseSweepArgs, DEFAULT_SIM_MODELS, SWEEP_USAGE, type SweepOptions } from './sweep-args.ts';
import { formatSweepTable, levelRow, writeSweepFiles, type LevelRow } from './sweep-report.ts';
import { startGateway, writeGatewayConfig } from './topology.ts';

const CLI = 'adapters/node/cli.ts';
const PAUSE_BETWEEN_MS = 500;
const SHORT_PROMPT = 'Write a haiku about reverse proxies.';

/** Common words, one token each (with their leading space) in the usual BPE vocabularies. */
const WORDS = (
  'the of and to in is it that for was on are with as his they be at one have this from or had by word but what some we can out other ' +
  'were all there when up use your how said an each she which do their time if will way about many then them write would like so these ' +
  'her long make thing see him two has look more day could go come did number sound no most people my over know water than call first ' +
  'who may down side been now find any new work part take get place made live where after back little only round man year came show ' +
  'every good me give our under name very through just form great think say help low line differ turn cause much mean before move right'
).split(' ');

/** A prompt of `words` words, different from the start for every `seq`, so no prefix cache serves it. */
export function promptOf(words: number, seq: number): string {
  // mulberry32, seeded by the request's number
  let a = Math.imul(seq + 1, 0x9e3779b1);
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  const out = [`#${seq}`];
  for (let i = 1; i < words; i++) out.push(WORDS[next() % WORDS.length] as string);
  return out.join(' ');
}

/** `http://h:8000`, `…/v1` or a full endpoint URL → the endpoint, and which API it is. */
export function resolveEndpoint(raw: string, api: SweepOptions['api']): { url: string; api: SweepOptions['api']; base: string } {
  const u = raw.replace(/\/+$/, '');
  const m = /^(.*)\/(chat\/completions|completions)$/.exec(u);
  if (m) return { url: u, api: m[2] === 'completions' ? 'completions' : 'chat', base: m[1] as string };
  const base = /\/v1$/.test(u) ? u : `${u}/v1`;
  return { url: `${base}${api === 'chat' ? '/chat/completions' : '/completions'}`, api, base };
}

function requestBody(opts: SweepOptions, api: SweepOptions['api'], model: string, seq: number): string {
  const content = opts.promptTokens === null ? SHORT_PROMPT : promptOf(opts.promptTokens, seq);
  const body: Record<string, unknown> = api === 'chat' ? { model, messages: [{ role: 'user', content }] } : { model, prompt: content };
  body.max_tokens = opts.maxTokens;
  if (opts.stream) {
    body.stream = true;
    if (opts.streamUsage) body.stream_options = { include_usage: true };
  }
  return JSON.stringify({ ...body, ...opts.extra });
}

async function listModels(base: string, key: string | null): Promise<string[]> {
  const res = await fetch(`${base}/models`, { headers: key ? { authorization: `Bearer ${key}` } : {}, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${base}/models: ${res.status}`);
  const body = (await res.json()) as { data?: Array<{ id?: unknown }> };
  return (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
}

interface SelfStarted {
  gateway: ServerProcess;
  simulators: Array<{ model: string; url: string; args: string[] }>;
  config: string;
}

/** One simulator per model and a gateway routing each model to its simulator. */
async function startLocal(group: ProcessGroup, opts: SweepOptions, models: string[], tempDir: string): Promise<SelfStarted> {
  const specs = models.map((model, i) => {
    const flavor = nth(opts.sim.flavor, i);
    const args = ['--flavor', flavor, '--port', '0', '--ttft-ms', String(nth(opts.sim.ttftMs, i)), '--token-delay-ms', String(nth(opts.sim.tokenDelayMs, i))];
    if (flavor === 'llamacpp') args.push('--alias', model, '--parallel', String(nth(opts.sim.parallel, i)));
    else args.push('--served-model-name', model);
    return { model, flavor, args };
  });
  const sims = await Promise.all(
    specs.map((s, i) => group.start({ name: `sim-${i}`, nodeArgs: ['--import', 'tsx', CLI, 'sim', ...s.args], cpus: null, ready: { kind: 'stdout-url' } })),
  );
  const config = writeGatewayConfig(
    join(tempDir, 'models.yaml'),
    specs.map((s, i) => ({ name: s.model, url: (sims[i] as ServerProcess).url, backend: s.flavor })),
  );
  const gateway = await startGateway(group, 'gateway', config, null, 'warn', null);
  return { gateway, simulators: specs.map((s, i) => ({ model: s.model, url: (sims[i] as ServerProcess).url, args: s.args })), config };
}

const ms = (n: number) => (Number.isFinite(n) ? `${n >= 100 ? n.toFixed(0) : n.toFixed(1)} ms` : '-');

function progressText(label: string, opts: SweepOptions, p: LoadProgress): string {
  const sec = (t: number) => `${Math.floor(t / 1000)}s`;
  if (!p.measuring) return `${label}  warm-up ${sec(p.elapsedMs)}/${sec(opts.warmupMs)}`;
  const elapsed = `${sec(p.elapsedMs)}/${sec(opts.durationMs)}`;
  const qps = p.elapsedMs > 0 ? (p.completed * 1000) / p.elapsedMs : 0;
  return `${label}  ${elapsed}  done ${p.completed}  ${qps.toFixed(qps >= 100 ? 0 : 2)} req/s  p50 ${ms(p.latencyP50Ms)}  errors ${p.errorCount}`;
}

function doneText(label: string, row: LevelRow): string {
  const tokens = Number.isFinite(row.output_tokens_per_s) ? `  ${row.output_tokens_per_s.toFixed(0)} tok/s` : '';
  const ttft = Number.isFinite(row.ttft_p50_ms) && row.ttft_p50_ms !== row.latency_p50_ms ? `  TTFT p50 ${ms(row.ttft_p50_ms)}` : '';
  const errors = row.errors ? `  errors ${row.errors} ${JSON.stringify(row.errors_by_kind)}` : '  errors 0';
  return `${label}  ${row.requests} requests  ${row.qps} req/s  p50 ${ms(row.latency_p50_ms)}  p95 ${ms(row.latency_p95_ms)}${ttft}${tokens}${errors}`;
}

function describe(opts: SweepOptions, prompt: string): string {
  return [
    opts.stream ? 'stream' : 'non-stream',
    `max_tokens ${opts.maxTokens}`,
    prompt,
    `${opts.durationMs / 1000} s per level`,
  ].join(' · ');
}

export async function runSweep(argv: string[]): Promise<number> {
  const opts = parseSweepArgs(argv);
  if (!opts) {
    console.log(SWEEP_USAGE);
    return 0;
  }
  const startedAt = new Date();
  const outDir = opts.out ?? join(RESULTS_DIR, fileStamp(startedAt));
  const { group, tempDir } = runGroup(ROOT, 'modeltainer-sweep-', `stopping${opts.url ? '' : ' the servers'}; results so far are in ${outDir}`);

  try {
    let local: SelfStarted | null = null;
    let models = opts.models;
    let endpoint: ReturnType<typeof resolveEndpoint>;
    if (opts.url) {
      endpoint = resolveEndpoint(opts.url, opts.api);
      if (!models) {
        const listed = await listModels(endpoint.base, opts.key).catch((err: unknown) => {
          throw new Error(`no --model given and the server's model list is unavailable (${err instanceof Error ? err.message : String(err)})`);
        });
        if (!listed[0]) throw new Error(`no --model given and GET ${endpoint.base}/models lists none`);
        models = [listed[0]];
      }
    } else {
      models ??= DEFAULT_SIM_MODELS;
      console.error(`no --url: starting ${models.length} simulator(s) and a gateway`);
      local = await startLocal(group, opts, models, tempDir);
      endpoint = resolveEndpoint(local.gateway.url, opts.api);
    }

    const levels = models.length * opts.concurrency.length;
    const minutes = (levels * (opts.warmupMs + opts.durationMs + PAUSE_BETWEEN_MS)) / 60_000;
    console.error(`sweeping ${endpoint.url}: ${models.join(', ')} × concurrency ${opts.concurrency.join(', ')} (${levels} levels, about ${minutes.toFixed(1)} min)`);

    const prompt = opts.promptTokens === null ? 'short prompt' : `~${opts.promptTokens}-word prompts`;
    const subtitle = describe(opts, prompt);
    const example = JSON.parse(requestBody(opts, endpoint.api, models[0] as string, 0)) as Record<string, unknown>;
    const record: Record<string, unknown> = {
      startedAt: startedAt.toISOString(),
      settings: {
        url: endpoint.url,
        api: endpoint.api,
        models,
        concurrency: opts.concurrency,
        durationMs: opts.durationMs,
        warmupMs: opts.warmupMs,
        stream: opts.stream,
        streamUsage: opts.stream && opts.streamUsage,
        promptTokens: opts.promptTokens,
        maxTokens: opts.maxTokens,
        extra: opts.extra,
        timeoutMs: opts.timeoutMs,
        key: opts.key ? 'sent (not recorded)' : null,
        window: 'requests that ended in the window count; those still running when it closed are aborted',
        exampleRequest: JSON.stringify(example).length > 600 ? `${JSON.stringify(example).slice(0, 600)}…` : example,
        ...(local ? { selfStarted: { simulators: local.simulators, gateway: local.gateway.url } } : {}),
      },
      environment: { ...machine(), git: gitState(), argv: process.argv.slice(2).map((a) => (a.startsWith('--key=') ? '--key=<key>' : opts.key && a === opts.key ? '<key>' : a)) },
    };

    const progress = progressLine();
    const rows: LevelRow[] = [];
    const headers = opts.key ? { authorization: `Bearer ${opts.key}` } : undefined;
    let seq = 0;
    let n = 0;
    for (const model of models) {
      for (const concurrency of opts.concurrency) {
        n++;
        const label = `[${n}/${levels}] ${model} c=${concurrency}`;
        progress.update(`${label}  starting`);
        const load = await runLoad({
          url: endpoint.url,
          body: () => requestBody(opts, endpoint.api, model, seq++),
          stream: opts.stream,
          concurrency,
          warmupMs: opts.warmupMs,
          durationMs: opts.durationMs,
          timeoutMs: opts.timeoutMs,
          ...(headers ? { headers } : {}),
          tokens: true,
          window: 'finished',
          onProgress: (p) => progress.update(progressText(label, opts, p)),
        });
        const row = levelRow(model, concurrency, load);
        rows.push(row);
        progress.done(doneText(label, row));
        writeSweepFiles(outDir, { ...record, finishedAt: null }, rows, subtitle);
        await new Promise((r) => setTimeout(r, PAUSE_BETWEEN_MS));
      }
    }
    const files = writeSweepFiles(outDir, { ...record, finishedAt: new Date().toISOString() }, rows, subtitle);

    console.log(`\n${formatSweepTable(rows)}\n`);
    for (const row of rows) {
      for (const [kind, sample] of Object.entries(row.error_samples)) console.log(`errors ${row.model} c=${row.concurrency} ${kind} (${row.errors_by_kind[kind]}): ${sample}`);
    }
    const show = (f: string) => {
      const rel = relative(process.cwd(), f);
      return rel.startsWith('..') ? f : rel;
    };
    console.log(`wrote ${show(files.csv)}\n      ${show(files.json)}\n      ${show(files.svg)}`);
    const completed = rows.reduce((sum, r) => sum + r.requests, 0);
    if (completed === 0) {
      console.error('error: no request succeeded');
      return 1;
    }
    return 0;
  } finally {
    await group.stopAll();
  }
}

/** `--mode overhead` hands the other flags to the overhead benchmark; anything else is the sweep. */
export async function main(argv: string[]): Promise<number> {
  const at = argv.findIndex((a) => a === '--mode' || a.startsWith('--mode='));
  if (at < 0) return runSweep(argv);
  const inline = argv[at]?.startsWith('--mode=');
  const mode = inline ? argv[at]?.slice('--mode='.length) : argv[at + 1];
  const rest = [...argv.slice(0, at), ...argv.slice(at + (inline ? 1 : 2))];
  if (mode === 'overhead') return runOverhead(rest);
  if (mode === 'sweep') return runSweep(rest);
  throw new Error(`unknown --mode '${mode ?? ''}' (expected sweep or overhead)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
