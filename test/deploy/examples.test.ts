import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';

// The A/B examples, each run as a user would (one command, no arguments) against a real gateway
// serving the default config/models.yaml, where `demo-chat` is an alias of `demo`.

const root = new URL('../../', import.meta.url);
const DEFAULT_PROMPT = 'Write a haiku about load balancers.'; // each example's default
const MODELS = ['demo', 'demo-chat'];

let gw: GatewayProcess;
beforeAll(async () => {
  gw = await startGatewayProcess(readFileSync(new URL('config/models.yaml', root), 'utf8'));
});
afterAll(() => gw?.stop());

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, MODELTAINER_URL: gw.url }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** What the gateway answers the model, without streaming: what each example must have streamed. */
async function reference(model: string): Promise<string> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: DEFAULT_PROMPT }] }),
  });
  const body = (await res.json()) as { choices: { message: { content: string } }[] };
  return body.choices[0]!.message.content;
}

/** The labelled token lines (model per line, in order) and the full answer printed per model. */
function parseOutput(stdout: string): { labels: string[]; answers: Map<string, string> } {
  const [live = '', ...blocks] = stdout.split(/^=== /m);
  const labels = live.split('\n').filter(Boolean).map((l) => /^\[([^\]]+)\]/.exec(l)?.[1] ?? `unlabelled: ${l}`);
  const answers = new Map(blocks.map((b) => {
    const nl = b.indexOf('\n');
    return [b.slice(0, b.indexOf(':')), b.slice(nl + 1).replace(/\n$/, '')] as const;
  }));
  return { labels, answers };
}

const examples: [string, string, string[]][] = [
  ['ab-compare.sh (curl)', 'bash', ['examples/ab-compare.sh']],
  ['ab_compare.py (standard library)', 'python3', ['examples/ab_compare.py']],
  ['ab-compare.ts (openai SDK)', 'npx', ['tsx', 'examples/ab-compare.ts']],
];

describe('[node] examples: A/B compare against the demo config', () => {
  for (const [name, cmd, args] of examples) {
    it(`${name} streams both models at once, prints both answers, exits 0; an unknown model exits non-zero`, async () => {
      const { code, stdout, stderr } = await run(cmd, args);
      expect(code, `${stdout}\n${stderr}`).toBe(0);
      const { labels, answers } = parseOutput(stdout);
      for (const model of MODELS) {
        expect(answers.get(model), model).toBe(await reference(model));
        expect(labels.filter((l) => l === model).length, model).toBeGreaterThan(5);
      }
      expect(labels.every((l) => MODELS.includes(l)), labels.join(',')).toBe(true);
      // at once, not one after the other: each model's tokens begin before the other's end
      const [a, b] = MODELS.map((m) => [labels.indexOf(m), labels.lastIndexOf(m)] as const);
      expect(a![0]).toBeLessThan(b![1]);
      expect(b![0]).toBeLessThan(a![1]);

      const failed = await run(cmd, [...args, 'hi', 'demo', 'no-such-model']);
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toMatch(/does not exist|model_not_found|404/);
    });
  }
});
