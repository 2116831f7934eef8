// The image without a Docker engine: `npm run build` from exactly the build context .dockerignore
// admits (node_modules linked in place of `npm ci`), then the final stage's files alone (dist/ and
// config/, copied as the Dockerfile's COPY lines say) served with the Dockerfile's CMD, ENV and
// HEALTHCHECK, as PID 1 of its own PID namespace, uid 10001, on a read-only root with no tmpfs
// (test/deploy/container-like.sh). Built in a temp folder, so the repo's dist/ is left alone.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './compose-file.ts';
import { copyBuildContext } from './docker-context.ts';
import { readStages } from './dockerfile-stages.ts';

const [buildStage, finalStage] = readStages() as [ReturnType<typeof readStages>[number], ReturnType<typeof readStages>[number]];
const work = mkdtempSync(join(tmpdir(), 'modeltainer-image-'));
const context = join(work, 'context');
/** The final stage's WORKDIR (/app) */
const app = join(work, 'app');
const children: ChildProcess[] = [];
let buildOutput = '';

interface Served {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output: string[];
}

/** Starts a server and resolves once it prints its JSON `listening` line. */
function serve(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<Served> {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr! }).on('line', (l) => output.push(`stderr: ${l}`));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 15 s:\n${output.join('\n')}`)), 15_000);
    void exited.then((code) => reject(new Error(`exited with ${code} before listening:\n${output.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      const rec = /^\{/.test(line) ? (JSON.parse(line) as { msg?: string; url?: string }) : {};
      if (rec.msg === 'listening' && rec.url) {
        clearTimeout(timer);
        resolve({ child, url: rec.url, exited, output });
      }
    });
  });
}

/** Streams a chat completion from `model`; resolves with the text and whether [DONE] came. */
async function streamChat(url: string, model: string): Promise<{ text: string; done: boolean }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hello' }] }),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events = (await res.text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
  const chunks = events.filter((e) => e !== '[DONE]').map((e) => JSON.parse(e) as { choices: { delta: { content?: string } }[] });
  return { text: chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), done: events.at(-1) === '[DONE]' };
}

const healthcheck = (port: string) =>
  spawnSync(finalStage.healthcheck!.cmd[0]!, finalStage.healthcheck!.cmd.slice(1), { env: { PATH: process.env.PATH!, PORT: port }, timeout: 5_000 });

beforeAll(() => {
  copyBuildContext(context);
  symlinkSync(join(ROOT, 'node_modules'), join(context, 'node_modules')); // what `npm ci` would install
  const run = spawnSync('npm', ['run', 'build'], { cwd: context, encoding: 'utf8', timeout: 60_000 });
  buildOutput = run.stdout + run.stderr;
  if (run.status !== 0) throw new Error(`npm run build failed in the build context:\n${buildOutput}`);
  // the final stage: its COPY lines, from the build stage's WORKDIR or from the context
  for (const copy of finalStage.copies) {
    for (const src of copy.sources) {
      const from = copy.from === buildStage.name ? join(context, src.slice(`${buildStage.workdir}/`.length)) : join(context, src);
      cpSync(from, join(app, copy.dest), { recursive: true });
    }
  }
  chmodSync(work, 0o755); // mkdtemp's 0700 would keep uid 10001 out; /app in the image is 0755
}, 90_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe('[node] the image, built and run without Docker', () => {
  it('[node] npm run build works from exactly the files .dockerignore admits, without a warning', () => {
    expect(buildOutput).toContain('wrote ');
    expect(buildOutput).not.toMatch(/warning|error/i);
    const bundle = statSync(join(context, 'dist/modeltainer.mjs'));
    expect(bundle.size).toBeGreaterThan(500_000);
    expect(bundle.size).toBeLessThan(5_000_000); // every dependency inside, minified
    // ASCII only: one other character and V8 holds the whole source as two bytes a character (1.8 MB more idle heap)
    const nonAscii = readFileSync(join(context, 'dist/modeltainer.mjs'), 'latin1').match(/[^\x00-\x7f].{0,40}/);
    expect(nonAscii?.[0]).toBeUndefined();
    expect(existsSync(join(context, 'test'))).toBe(false);
    expect(readdirSync(join(context, 'src'), { recursive: true }).some((f) => String(f).endsWith('.test.ts'))).toBe(false);
  });

  it('[node] the build serves the demo model: a chat completion streams; it reports package.json’s version', async () => {
    const s = await serve('node', ['dist/modeltainer.mjs', 'serve', '--port', '0', '--host', '127.0.0.1', '--config', 'config/models.yaml'], context, { PATH: process.env.PATH! });
    const chat = await streamChat(s.url, 'demo');
    expect(chat.done).toBe(true);
    expect(chat.text.length).toBeGreaterThan(0);
    // package.json's version, baked into the bundle
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ status: 'ok', version });
    expect(spawnSync('node', ['dist/modeltainer.mjs', '--version'], { cwd: context, encoding: 'utf8' }).stdout).toBe(`${version}\n`);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('[node] the final stage holds only dist/ and config/, and they check the Compose config', () => {
    expect(readdirSync(app).sort()).toEqual(['config', 'dist']);
    // MODELTAINER_CONFIG names the file, as the Compose stack sets it
    const env = { PATH: process.env.PATH!, MODELTAINER_CONFIG: 'config/models.compose.yaml', MODELTAINER_API_KEY: 'k'.repeat(20), VLLM_API_KEY: 'v', RATE_LIMIT_STORE: 'redis' };
    const run = spawnSync('node', ['dist/modeltainer.mjs', 'check-config'], { cwd: app, env, encoding: 'utf8' });
    expect(run.stdout + run.stderr).toContain('config/models.compose.yaml: OK (3 models: gpu-chat, cpu-chat, embed)');
  });

  it('[node] the final stage serves with the image’s CMD as PID 1, uid 10001, read-only; HEALTHCHECK passes; SIGTERM exits 0', async () => {
    // the image's environment, but bound to loopback on a free port for the test
    const env = { PATH: process.env.PATH!, ...finalStage.env, HOST: '127.0.0.1', PORT: '0' };
    const s = await serve(join(ROOT, 'test/deploy/container-like.sh'), [app, finalStage.user!, ...finalStage.cmd!], app, env);
    // no --config: the CLI's default, config/models.yaml beside dist/, is the demo config
    const chat = await streamChat(s.url, 'demo');
    expect(chat.done).toBe(true);
    expect(chat.text.length).toBeGreaterThan(0);
    const port = new URL(s.url).port;
    const ok = healthcheck(port);
    expect([ok.status, ok.stderr.toString()]).toEqual([0, '']);
    // the gateway runs as PID 1 inside: `docker stop` signals it from outside its namespace
    const pid = Number(readFileSync(`/proc/${s.child.pid}/task/${s.child.pid}/children`, 'utf8').trim());
    expect(finalStage.user).toBe('10001:10001');
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Uid:\s+10001\s+10001\s+10001\s+10001$/m);
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);
    process.kill(pid, 'SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.output.join('\n')).not.toMatch(/EROFS|EACCES|read-only/i);
    // and the check fails once nothing answers
    expect(healthcheck(port).status).toBe(1);
  });
});
