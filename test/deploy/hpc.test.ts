// hpc/*.sbatch end to end, without a cluster: fake sbatch/srun/apptainer/nvidia-smi (test/deploy/hpc-shims/,
// first on PATH) run the job script as Slurm would and the simulator in place of vLLM / llama-server; a real
// gateway takes the registration, the heartbeats and the deregistration.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/index.ts';
import { eventually, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHIMS = fileURLToPath(new URL('./hpc-shims', import.meta.url));
const ADMIN_KEY = 'hpc-test-admin-key-0123456789abcdef';
const SIM_FLAGS = '--ttft-ms 5 --token-delay-ms 5 --max-tokens 8';

interface Registration {
  id: string;
  model: string;
  url: string;
  ttl_ms: number;
  expires_at: string;
}

let gw: GatewayProcess;
let dir: string;
const jobPids: number[] = [];

/** The job's processes are gone: no /proc entry, or only a zombie its new parent has not reaped yet. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function shimEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLURM_|MODELTAINER_|CUDA_VISIBLE_DEVICES$)/.test(k)));
  return {
    ...clean,
    PATH: `${SHIMS}:${process.env.PATH ?? ''}`,
    HPC_SHIM_DIR: dir,
    TMPDIR: dir, // the job's state directory: a SIGKILLed job leaves it behind
    HPC_SHIM_SIM_FLAGS: SIM_FLAGS,
    MODELTAINER_URL: gw.url,
    MODELTAINER_ADMIN_KEY: ADMIN_KEY,
    MODELTAINER_BACKEND_HOST: '127.0.0.1',
    MODELTAINER_HEALTH_POLL: '0.2',
    MODELTAINER_URL_FILE: join(dir, 'gateway-url'), // never the real ~/.modeltainer/url
    ...env,
  };
}

/** `sbatch --parsable ARGS` through the shim, from the repository root; the job's id and pid. */
function sbatch(args: string[], env: Record<string, string>): { id: number; pid: number } {
  const out = execFileSync(join(SHIMS, 'sbatch'), ['--parsable', ...args], { cwd: ROOT, env: shimEnv(env), encoding: 'utf8' });
  const id = Number(out.trim());
  const pid = Number(readFileSync(join(dir, `job-${id}.pid`), 'utf8'));
  jobPids.push(pid);
  return { id, pid };
}

const jobOutput = (id: number) => readFileSync(join(dir, `slurm-${id}.out`), 'utf8');

/** The shims' calls, each as [command, ...args]. */
function calls(): string[][] {
  const file = join(dir, 'calls.log');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split('\t')) : [];
}

/** The value after `flag` in an argument list. */
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

async function registrations(model: string): Promise<Registration[]> {
  const res = await fetch(`${gw.url}/admin/targets`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { targets: Registration[] }).targets.filter((t) => t.model === model);
}

async function registered(model: string, jobId: number): Promise<Registration> {
  let found: Registration | undefined;
  await eventually(async () => (found = (await registrations(model))[0]) !== undefined, 20_000, `a ${model} target`).catch((err: Error) => {
    throw new Error(`${err.message}\njob output:\n${jobOutput(jobId)}`);
  });
  return found as Registration;
}

/** A port nothing listens on (one the OS just gave out and took back). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    return false;
  } catch {
    return true;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modeltainer-hpc-'));
  // an admin key and no client keys: /v1 is open (auth mode none), the admin routes need the key
  gw = await startGatewayProcess(`version: 1
auth: { admin_key_sha256: "${await sha256Hex(ADMIN_KEY)}" }
models:
  - { name: qwen, backend: vllm, registered: true }
  - { name: tiny-cpu, backend: llamacpp, registered: true }
`);
});

afterAll(() => {
  for (const pid of jobPids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  gw?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('[node] hpc/ Slurm jobs register their model server with the gateway', () => {
  it('[node] vllm.sbatch: GPUs and tensor parallel from --gres, a free port, registered, streams through the gateway, heartbeats; SIGTERM deregisters and stops the server', async () => {
    const { id, pid } = sbatch(['--gres=gpu:2', 'hpc/vllm.sbatch', '--max-model-len', '4096'], {
      MODELTAINER_MODEL: 'qwen',
      VLLM_MODEL: 'Qwen/Qwen2.5-0.5B-Instruct',
      MODELTAINER_TTL: '6s',
    });
    const reg = await registered('qwen', id);
    const port = Number(/^http:\/\/127\.0\.0\.1:(\d+)$/.exec(reg.url)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(reg.ttl_ms).toBe(6000);

    // what Slurm and Apptainer were asked for
    const job = calls().find((c) => c[0] === 'job' && c[1] === String(id)) ?? [];
    expect(job).toContain('--gres=gpu:2'); // the command line over the script's #SBATCH --gres=gpu:1
    expect(job).toContain('--signal=B:TERM@120');
    expect(job.some((o) => o.startsWith('--time='))).toBe(true);
    const apptainer = calls().find((c) => c[0] === 'apptainer') ?? [];
    expect(apptainer.slice(0, 4)).toEqual(['apptainer', 'run', '--nv', 'docker://vllm/vllm-openai:v0.11.0']);
    expect(apptainer[4]).toBe('Qwen/Qwen2.5-0.5B-Instruct');
    expect(after(apptainer, '--tensor-parallel-size')).toBe('2');
    expect(after(apptainer, '--port')).toBe(String(port));
    expect(after(apptainer, '--host')).toBe('0.0.0.0');
    expect(after(apptainer, '--served-model-name')).toBe('qwen');
    expect(apptainer.slice(-2)).toEqual(['--max-model-len', '4096']);
    expect(calls()).toContainEqual(['apptainer-env', 'CUDA_VISIBLE_DEVICES=0,1']);
    // Slurm runs a copy from its spool directory: the script found hpc/lib through SLURM_SUBMIT_DIR
    expect(readFileSync(join(dir, 'spool', `job${id}`, 'slurm_script'), 'utf8')).toBe(readFileSync(join(ROOT, 'hpc/vllm.sbatch'), 'utf8'));
    expect(jobOutput(id)).toContain('GPUs: 0,1 (2)');

    // a streamed chat completion through the gateway to the job's server
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: 'hi' }], stream: true, max_tokens: 4 });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text.length).toBeGreaterThan(0);

    // the heartbeat (every ttl/3 = 2 s) keeps the same registration alive
    const extended = async () => {
      const now = await registrations('qwen');
      expect(now.map((r) => r.id)).toEqual([reg.id]);
      return Date.parse(now[0]?.expires_at ?? '') >= Date.parse(reg.expires_at) + 1000;
    };
    await eventually(extended, 5_000, 'a heartbeat');

    // scancel / the time limit: SIGTERM to the job's processes
    const termAt = performance.now();
    process.kill(-pid, 'SIGTERM');
    await eventually(async () => (await registrations('qwen')).length === 0, 5_000, 'deregistration');
    expect(performance.now() - termAt).toBeLessThan(reg.ttl_ms / 2); // deleted, not expired
    await eventually(() => !running(pid), 5_000, 'the job ends');
    expect(await refused(reg.url)).toBe(true);
    expect(jobOutput(id)).toMatch(/SIGTERM: deregistering[\s\S]*deregistered http:\/\/127\.0\.0\.1:\d+ \(id tgt_/);
  }, 60_000);

  it('[node] llama-server.sbatch on CPU through srun, port by bash probing, the gateway URL from a file it follows; SIGKILL (no trap runs) leaves the target until its ttl expires', async () => {
    const gguf = join(dir, 'models', 'tiny.gguf');
    mkdirSync(join(dir, 'models'));
    writeFileSync(gguf, 'GGUF');
    // no MODELTAINER_URL: the job reads the gateway's URL from the file hpc/gateway.sbatch writes, and
    // follows it when it changes (here: from a gateway that is not there to the real one)
    const urlFile = join(dir, 'url-of-the-test-gateway');
    writeFileSync(urlFile, `http://127.0.0.1:${await closedPort()}\n`);
    const { id, pid } = sbatch(['hpc/llama-server.sbatch', '--jinja'], {
      MODELTAINER_URL: '',
      MODELTAINER_URL_FILE: urlFile,
      MODELTAINER_MODEL: 'tiny-cpu',
      LLAMA_MODEL: gguf,
      MODELTAINER_TTL: '2s',
      MODELTAINER_PORT_METHOD: 'bash',
      MODELTAINER_SRUN: '1',
      HPC_SHIM_SIM_FLAGS: `${SIM_FLAGS} --load-ms 600`, // /health answers 503 first
    });
    await eventually(() => jobOutput(id).includes('did not answer'), 20_000, 'a registration attempt');
    writeFileSync(urlFile, `${gw.url}\n`);
    const reg = await registered('tiny-cpu', id);
    expect(jobOutput(id)).toContain(`the gateway moved: http://127.0.0.1:`);
    const port = Number(/:(\d+)$/.exec(reg.url)?.[1]);
    expect(port).toBeGreaterThanOrEqual(20000);
    expect(port).toBeLessThanOrEqual(32767);

    const srun = calls().find((c) => c[0] === 'srun') ?? [];
    expect(srun.slice(0, 4)).toEqual(['srun', '--ntasks=1', '--nodes=1', 'apptainer']);
    const apptainer = calls().find((c) => c[0] === 'apptainer' && c.includes('tiny-cpu')) ?? [];
    expect(apptainer).not.toContain('--nv');
    expect(apptainer).toContain('docker://ghcr.io/ggml-org/llama.cpp:server');
    expect(after(apptainer, '--bind')).toBe(`${join(dir, 'models')}:${join(dir, 'models')}:ro`);
    expect(after(apptainer, '-m')).toBe(gguf);
    expect(after(apptainer, '--port')).toBe(String(port));
    expect(after(apptainer, '--alias')).toBe('tiny-cpu');
    expect(after(apptainer, '--threads')).toBe('16'); // #SBATCH --cpus-per-task=16
    expect(apptainer).not.toContain('--n-gpu-layers');
    expect(apptainer.at(-1)).toBe('--jinja');
    expect(calls().some((c) => c[0] === 'nvidia-smi')).toBe(false); // a CPU job never looks for GPUs

    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny-cpu', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBeTruthy();

    // the node dies, or Slurm's SIGKILL after KillWait: no trap, no DELETE
    const killedAt = performance.now();
    process.kill(-pid, 'SIGKILL');
    await eventually(() => !running(pid), 3_000, 'the job dies');
    expect((await registrations('tiny-cpu')).map((r) => r.id)).toEqual([reg.id]);
    await eventually(async () => (await registrations('tiny-cpu')).length === 0, 8_000, 'expiry');
    // within a ttl of the last heartbeat, which came before the kill; the gateway sweeps every 500 ms
    expect(performance.now() - killedAt).toBeLessThan(reg.ttl_ms + 2500);
    expect(jobOutput(id)).not.toContain('deregister');
  }, 60_000);

  it('[node] gateway.sbatch: the gateway image under Apptainer, its URL written for the backend jobs; SIGTERM drains it and removes the URL', async () => {
    const sif = join(dir, 'modeltainer.sif');
    writeFileSync(sif, '');
    const configDir = join(dir, 'gateway-config');
    mkdirSync(configDir);
    const config = join(configDir, 'models.yaml');
    writeFileSync(config, 'version: 1\nauth: { admin_key_sha256: "${HPC_TEST_ADMIN_SHA}" }\nmodels:\n  - { name: qwen, backend: vllm, registered: true }\n');
    const urlFile = join(dir, 'gateway-url');
    const { id, pid } = sbatch(['hpc/gateway.sbatch'], {
      MODELTAINER_SIF: sif,
      MODELTAINER_CONFIG: config,
      MODELTAINER_GATEWAY_PORT: 'auto',
      HPC_TEST_ADMIN_SHA: await sha256Hex(ADMIN_KEY), // the config's ${VARS} come from the job's environment
    });
    await eventually(() => existsSync(urlFile), 30_000, 'the URL file').catch((err: Error) => {
      throw new Error(`${err.message}\njob output:\n${jobOutput(id)}`);
    });
    const url = readFileSync(urlFile, 'utf8').trim();
    const port = Number(/^http:\/\/127\.0\.0\.1:(\d+)$/.exec(url)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/admin/targets`)).status).toBe(401);
    expect((await fetch(`${url}/admin/targets`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(200);

    const apptainer = calls().find((c) => c[0] === 'apptainer' && c.includes(sif)) ?? [];
    expect(apptainer.slice(0, 5)).toEqual(['apptainer', 'run', '--bind', `${configDir}:${configDir}:ro`, sif]);
    expect(apptainer.slice(5)).toEqual(['--config', config, '--host', '0.0.0.0', '--port', String(port)]);
    expect(jobOutput(id)).toContain(`ssh -N -L 8081:127.0.0.1:${port} `);

    process.kill(-pid, 'SIGTERM');
    await eventually(() => !running(pid), 20_000, 'the gateway job ends');
    expect(existsSync(urlFile)).toBe(false);
    expect(await refused(url)).toBe(true);
  }, 60_000);

  it('[node] lib/common.sh: GPUs from Slurm, MIG instances from nvidia-smi -L, none in a CPU job; free ports; durations', async () => {
    const sh = (script: string, env: Record<string, string> = {}) => {
      const r = spawnSync('bash', ['-c', `source hpc/lib/common.sh; ${script}`], { cwd: ROOT, env: shimEnv(env), encoding: 'utf8' });
      return { out: r.stdout.trim(), err: r.stderr, status: r.status };
    };
    const gpus = (env: Record<string, string>) => sh('mt_select_gpus; echo "$MT_GPUS|$MT_GPU_COUNT|${CUDA_VISIBLE_DEVICES-unset}"', env).out;
    expect(gpus({ SLURM_JOB_ID: '7', CUDA_VISIBLE_DEVICES: '2,3' })).toBe('2,3|2|2,3');
    expect(gpus({ SLURM_JOB_ID: '7' })).toBe('|0|unset');
    expect(gpus({ SLURM_JOB_ID: '7', CUDA_VISIBLE_DEVICES: 'NoDevFiles' })).toBe('|0|NoDevFiles');
    // outside Slurm: what nvidia-smi -L lists, MIG instances in place of a GPU in MIG mode; one MIG instance per process
    expect(gpus({})).toBe('MIG-c6d4f1ef-42e4-5de3-91c7-45d71c87eb3f|1|MIG-c6d4f1ef-42e4-5de3-91c7-45d71c87eb3f');
    expect(gpus({ HPC_SHIM_NVIDIA_L: 'GPU 0: NVIDIA H100 (UUID: GPU-aaa)\nGPU 1: NVIDIA H100 (UUID: GPU-bbb)' })).toBe('GPU-aaa,GPU-bbb|2|GPU-aaa,GPU-bbb');
    expect(gpus({ SLURM_JOB_ID: '7', MODELTAINER_GPUS: 'mig:1' })).toBe('MIG-cba663e8-9bed-5b7e-b2e4-7f5c0ef2c8c4|1|MIG-cba663e8-9bed-5b7e-b2e4-7f5c0ef2c8c4');
    expect(gpus({ SLURM_JOB_ID: '7', CUDA_VISIBLE_DEVICES: '0', MODELTAINER_GPUS: 'none' })).toBe('|0|0');

    // bash probing skips a port something listens on
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const p = (busy.address() as { port: number }).port;
    try {
      expect(sh('mt_free_port', { MODELTAINER_PORT_METHOD: 'bash', MODELTAINER_PORT_RANGE: `${p}-${p + 1}` }).out).toBe(String(p + 1));
      const none = sh('mt_free_port', { MODELTAINER_PORT_METHOD: 'bash', MODELTAINER_PORT_RANGE: `${p}-${p}` });
      expect(none.status).toBe(1);
      expect(none.err).toContain('no free port');
    } finally {
      busy.close();
    }
    expect(Number(sh('mt_free_port').out)).toBeGreaterThan(0);
    expect(sh('mt_free_port', { MODELTAINER_BACKEND_PORT: '8123' }).out).toBe('8123');

    expect(sh('for d in 500ms 30s 2m 1h 45 09s; do mt_duration_ms $d; done').out.split('\n')).toEqual(['500', '30000', '120000', '3600000', '45000', '9000']);
    expect(sh('mt_duration_ms soon').status).toBe(1);
    expect(sh(`mt_json_string 'a "b" \\c'`).out).toBe('"a \\"b\\" \\\\c"');
  });

  it('[node] shellcheck finds nothing in the job scripts, their library and the shims (test/deploy/shell-scripts.test.ts sees only *.sh)', () => {
    const files = [
      ...readdirSync(join(ROOT, 'hpc')).filter((f) => f.endsWith('.sbatch')).map((f) => `hpc/${f}`),
      'hpc/lib/common.sh',
      ...readdirSync(SHIMS).filter((f) => !f.startsWith('.')).map((f) => `test/deploy/hpc-shims/${f}`),
    ];
    expect(files).toEqual(expect.arrayContaining(['hpc/vllm.sbatch', 'hpc/llama-server.sbatch', 'hpc/gateway.sbatch', 'test/deploy/hpc-shims/sbatch']));
    // hpc/.shellcheckrc and hpc-shims/.shellcheckrc have it follow the sourced files, as -x would
    const run = spawnSync('shellcheck', ['--format=gcc', ...files], { cwd: ROOT, encoding: 'utf8' });
    expect(run.error).toBeUndefined(); // ENOENT: shellcheck is not installed (.ci/run installs it)
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('[node] modeltainer.def copies what npm run build writes and what the repository holds', () => {
    const def = readFileSync(join(ROOT, 'hpc/modeltainer.def'), 'utf8');
    expect(def).toMatch(/^Bootstrap: docker\nFrom: node:20-slim\n/);
    const files = /%files\n([\s\S]*?)\n\n/.exec(def)?.[1]?.trim().split('\n').map((l) => l.trim().split(/\s+/)) ?? [];
    expect(files.length).toBeGreaterThan(0);
    const built = readFileSync(join(ROOT, 'scripts/build.ts'), 'utf8');
    expect(built).toContain("'../dist/modeltainer.mjs'");
    for (const [src, dest] of files) {
      expect(dest).toMatch(/^\/opt\/modeltainer\//);
      if (!src?.startsWith('dist/')) expect(existsSync(join(ROOT, src ?? '')), `${src} exists`).toBe(true);
    }
    expect(files.map((f) => f[0])).toContain('dist/modeltainer.mjs');
    // /docs serves Swagger UI from these, not from a CDN a cluster may not reach
    expect(files.map((f) => f[0])).toContain('dist/docs');
    expect(def).toContain('exec node /opt/modeltainer/dist/modeltainer.mjs serve "$@"');
  });
});
