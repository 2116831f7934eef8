/** parseSimArgs: llama-server's (or `vllm serve`'s) command line, plus sim-only flags. */
import { pyInt } from './py-repr.ts';
import type { SimFlavor, SimOptions } from './types.ts';
import { LLAMA_IGNORED_FLAGS, LLAMA_IGNORED_SWITCHES, OPTIONAL_VALUE_FLAGS, VLLM_IGNORED_FLAGS, VLLM_IGNORED_SWITCHES } from './args-known.ts';

export type SimArgs = SimOptions & {
  host: string;
  port: number;
  /** `--exit-after-ms N`: the CLI process exits with code 1 after N ms (a simulated crash). */
  exitAfterMs?: number;
  /** `--log-requests`: the CLI prints one JSON line (level debug) per request. */
  logRequests?: boolean;
};

/** The environment variables the simulator reads (the CLI passes its own environment). */
export interface SimEnv {
  /** vLLM: `1` (any non-zero integer; parsed with int()) registers the dev-mode routes, /sleep among them. */
  readonly VLLM_SERVER_DEV_MODE?: string | undefined;
}

interface State {
  flavor: SimFlavor;
  out: SimOptions;
  host: string;
  port: number | null;
  modelPath: string | null;
  alias: string | null;
  enableSleepMode: boolean;
  /** vLLM `--runner`, and `--convert` (or the older `--task`). */
  runner: string | null;
  convert: string | null;
  exitAfterMs: number | null;
  logRequests: boolean;
}

function int(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new Error(`invalid value for ${flag}: '${raw}' (expected an integer between ${min} and ${max})`);
  }
  return n;
}

/** Flags taking a value, by name; each returns nothing and updates the state. */
function valueHandler(st: State, flag: string): ((v: string) => void) | null {
  const llama = st.flavor === 'llamacpp';
  switch (flag) {
    case '--flavor': return () => undefined; // read up front
    case '--host': return (v) => { st.host = v; };
    case '--port': return (v) => { st.port = int(flag, v, 0, 65535); };
    case '--api-key': return (v) => { st.out.apiKey = v; };
    case '--ttft-ms': return (v) => { st.out.ttftMs = int(flag, v, 0); };
    case '--token-delay-ms': return (v) => { st.out.tokenDelayMs = int(flag, v, 0); };
    case '--max-tokens': return (v) => { st.out.defaultMaxTokens = int(flag, v, 0); };
    case '--load-ms': return (v) => { st.out.loadMs = int(flag, v, 0); };
    case '--sleep-ms': return (v) => { st.out.sleepMs = int(flag, v, 0); };
    case '--wake-ms': return (v) => { st.out.wakeMs = int(flag, v, 0); };
    case '--exit-after-ms': return (v) => { st.exitAfterMs = int(flag, v, 0); };
    case '--model': return (v) => { st.modelPath = v; };
  }
  if (llama) {
    switch (flag) {
      case '-m': return (v) => { st.modelPath = v; };
      case '-a': case '--alias': return (v) => { st.alias = v.split(',')[0]?.trim() || v; };
      case '-c': case '--ctx-size': return (v) => {
        const n = int(flag, v, 0);
        if (n > 0) st.out.ctxSize = n; // 0 = "from the model": keep the default
      };
      case '-np': case '--parallel': return (v) => {
        const n = int(flag, v, -1);
        if (n > 0) st.out.parallel = n; // -1 = auto, 0 is not allowed
        else if (n === 0) throw new Error(`invalid value for ${flag}: '0' (expected a positive integer, or -1 for auto)`);
      };
    }
    return LLAMA_IGNORED_FLAGS.has(flag) ? () => undefined : null;
  }
  switch (flag) {
    case '--served-model-name': return (v) => { st.alias = v; };
    case '--max-model-len': return (v) => { st.out.ctxSize = int(flag, v, 1); };
    // The model kind: `--runner pooling` (an embedding model unless converted), `--convert
    // embed|classify`, or the older `--task embed|score|classify`.
    case '--runner': return (v) => { st.runner = v; };
    case '--task': case '--convert': return (v) => { st.convert = v; };
  }
  return VLLM_IGNORED_FLAGS.has(flag) ? () => undefined : null;
}

/** vLLM: a classify/score conversion is a score (rerank) model; other pooling models embed. */
function applyModelKind(st: State): void {
  if (st.convert === 'classify' || st.convert === 'score') st.out.rerank = true;
  else if (['pooling', 'embed', 'embedding', 'embeddings'].includes(st.convert ?? '') || st.runner === 'pooling') st.out.embeddings = true;
}

/** `int(os.getenv("VLLM_SERVER_DEV_MODE", "0"))`: vLLM fails to start on anything else. */
function devMode(env: SimEnv): boolean {
  const raw = env.VLLM_SERVER_DEV_MODE ?? '0';
  const n = pyInt(raw);
  if (n === null) throw new Error(`invalid VLLM_SERVER_DEV_MODE: '${raw}' (vLLM parses it with int(): use 1)`);
  return n !== 0;
}

function isSwitch(flavor: SimFlavor, flag: string): boolean {
  if (flag === '--embeddings' || flag === '--embedding') return true;
  return flavor === 'llamacpp' ? LLAMA_IGNORED_SWITCHES.has(flag) : VLLM_IGNORED_SWITCHES.has(flag);
}

function readFlavor(argv: readonly string[]): SimFlavor {
  let flavor: string = 'llamacpp';
  argv.forEach((arg, i) => {
    if (arg === '--flavor') flavor = argv[i + 1] ?? '';
    else if (arg.startsWith('--flavor=')) flavor = arg.slice('--flavor='.length);
  });
  if (flavor !== 'llamacpp' && flavor !== 'vllm') throw new Error(`invalid value for --flavor: '${flavor}' (expected llamacpp or vllm)`);
  return flavor;
}

/**
 * `env` is read for vLLM's `VLLM_SERVER_DEV_MODE`: sleep mode (`sleepMode`) needs both
 * `--enable-sleep-mode` and a non-zero dev mode, like the /sleep routes of a real server.
 */
export function parseSimArgs(argv: string[], env: SimEnv = {}): SimArgs {
  const flavor = readFlavor(argv);
  const st: State = {
    flavor, out: { flavor }, host: '127.0.0.1', port: null, modelPath: null, alias: null,
    enableSleepMode: false, runner: null, convert: null, exitAfterMs: null, logRequests: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-') || arg === '-') {
      if (flavor === 'vllm' && st.modelPath === null) st.modelPath = arg; // `vllm serve MODEL`
      else throw new Error(`unexpected argument '${arg}'`);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (flag === '--embeddings' || flag === '--embedding') {
      st.out.embeddings = true;
      continue;
    }
    if ((flag === '--reranking' || flag === '--rerank') && flavor === 'llamacpp') {
      st.out.rerank = true;
      continue;
    }
    if (flag === '--log-requests') {
      st.logRequests = true;
      continue;
    }
    if (flag === '--enable-sleep-mode' && flavor === 'vllm') {
      st.enableSleepMode = true;
      continue;
    }
    if (isSwitch(flavor, flag)) continue;
    if (OPTIONAL_VALUE_FLAGS.has(flag)) {
      if (inline === undefined && /^(on|off|auto)$/.test(argv[i + 1] ?? '')) i++;
      continue;
    }
    const handler = valueHandler(st, flag);
    if (!handler) throw new Error(`unknown argument '${flag}' for the ${flavor} simulator`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`missing value for ${flag}`);
    handler(value);
  }
  applyModelKind(st);
  const model = st.alias ?? st.modelPath;
  if (model !== null) st.out.model = model;
  if (flavor === 'vllm' && devMode(env) && st.enableSleepMode) st.out.sleepMode = true;
  const args: SimArgs = { ...st.out, host: st.host, port: st.port ?? (flavor === 'vllm' ? 8000 : 8080) };
  if (st.exitAfterMs !== null) args.exitAfterMs = st.exitAfterMs;
  if (st.logRequests) args.logRequests = true;
  return args;
}
