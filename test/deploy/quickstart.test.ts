import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

// Replays the first section of docs/quickstart.md on this checkout: its shell commands, as written,
// with the doc's port (8081) replaced by a free one so the test runs beside anything else. Every
// command of the section must be one this test knows how to replay (or knows why it skips), so a
// new step in the doc fails here until it is replayed too.

const root = new URL('../../', import.meta.url);
const DOC_PORT = '8081';

/** The `sh` code blocks of the first `##` section, as commands (continuation lines joined). */
function firstSectionCommands(markdown: string): string[] {
  const section = markdown.split(/^## /m)[1] ?? '';
  const blocks = [...section.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  return blocks
    .flatMap((b) => b.replace(/\\\n\s*/g, '').split('\n'))
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Why a command is not run here, or null when it is replayed. */
function skipReason(cmd: string): string | null {
  if (/^git clone /.test(cmd)) return 'this checkout is the clone (CI cloned it)';
  if (/^cd modeltainer$/.test(cmd)) return 'the test runs in the checkout root';
  if (cmd === 'npm ci') return '.ci/run ran npm ci before the tests; running it again would replace node_modules under the other tests';
  return null;
}

function freePort(): Promise<string> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(String(port)));
    });
    srv.on('error', reject);
  });
}

const background: ChildProcess[] = [];
afterAll(async () => {
  for (const child of background) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM'); // npm, its shell and the gateway share the group
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
});

describe('[node] docs/quickstart.md: first streamed token, replayed', () => {
  it('the doc\'s own commands start the gateway and curl -N streams tokens from demo', { timeout: 40_000 }, async () => {
    const commands = firstSectionCommands(readFileSync(new URL('docs/quickstart.md', root), 'utf8'));
    const run = commands.filter((c) => skipReason(c) === null);
    expect(commands.filter((c) => skipReason(c) !== null)).toEqual(['git clone <repository-url> modeltainer', 'cd modeltainer', 'npm ci']);
    const [start, curl, ...unknown] = run;
    expect(unknown, 'commands this test does not replay yet').toEqual([]);
    expect(start).toBe(`PORT=${DOC_PORT} npm start`);
    expect(curl).toMatch(/^curl -N http:\/\/localhost:8081\/v1\/chat\/completions /);

    const port = await freePort();
    const server = spawn('bash', ['-c', start!.replaceAll(DOC_PORT, port)], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    background.push(server);
    const output: string[] = [];
    server.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in 20 s:\n${output.join('\n')}`)), 20_000);
      createInterface({ input: server.stdout! }).on('line', (line) => {
        output.push(line);
        if (!line.includes('"msg":"listening"')) return;
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, unknown>);
      });
      server.once('exit', (code) => reject(new Error(`npm start exited ${code}:\n${output.join('\n')}`)));
    });
    // what the doc says the log line shows
    expect(listening).toMatchObject({ url: `http://127.0.0.1:${port}`, models: ['demo', 'demo-embed'] });

    const started = performance.now();
    const client = spawn('bash', ['-c', curl!.replaceAll(DOC_PORT, port)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let body = '';
    let firstTokenAt = 0;
    client.stdout!.on('data', (d: Buffer) => {
      body += d.toString();
      if (!firstTokenAt && body.includes('"delta":{"content":"')) firstTokenAt = performance.now();
    });
    let stderr = '';
    client.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((r) => client.once('exit', r));
    const endedAt = performance.now();

    expect(code, stderr).toBe(0);
    expect(body).toMatch(/^data: \{/);
    expect(body.trimEnd()).toMatch(/\ndata: \[DONE\]$/);
    expect(body.match(/"delta":\{"content":"/g)!.length).toBeGreaterThan(5);
    // streamed, not delivered at the end: the first token came well before the last
    expect(firstTokenAt - started).toBeLessThan(5_000);
    expect(endedAt - firstTokenAt).toBeGreaterThan(200);
  });
});
