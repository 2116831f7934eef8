import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startSimBackend, type SimBackend } from './backends.ts';

export interface Capabilities {
  /** the upstream client can tell a connect timeout from a slow first byte */
  connectTimeout: boolean;
}

export interface ConformanceEnv {
  runtime: string;
  gatewayURL: string;
  backends: { llamacpp: SimBackend; llamaEmbed: SimBackend; vllm: SimBackend; vllmEmbed: SimBackend; slow: SimBackend };
  /** JSON lines the gateway printed */
  logs: Record<string, unknown>[];
  /** lines on stdout that were not JSON */
  strayLines: string[];
  /** the config file the gateway was started with */
  configFile: string;
  /** sends a signal to the gateway process */
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

/** How a runtime starts the gateway: a command that serves `--config FILE --port N`. */
export interface RuntimeLauncher {
  runtime: string;
  command: string[];
  /** Reads the listening URL from one line of the process's output, if it is there. */
  readURL?: (line: string) => string | null;
}

const root = new URL('../../', import.meta.url);

export function conformanceConfig(b: ConformanceEnv['backends']): string {
  const m = (name: string, backend: string, url: string, extra = '') =>
    `  - name: ${name}\n    backend: ${backend}\n    backend_url: ${url}\n${extra}`;
  return `version: 1
server: { max_body_bytes: 65536, retry: { attempts: 3, base_delay: 10ms, max_delay: 2s }, keepalive_after: 300ms, keepalive_interval: 200ms }
routes:
  - { prefix: /coder, model: vllm }
models:
${m('llama', 'llamacpp', b.llamacpp.server.url, '    aliases: [llama-alias]\n')}
${m('vllm', 'vllm', b.vllm.server.url, '    upstream_model: Qwen/Qwen2.5-0.5B-Instruct\n')}
${m('vllm-embed', 'vllm', b.vllmEmbed.server.url, '    upstream_model: BAAI/bge-small-en-v1.5\n    format: embeddings\n')}
${m('llama-embed', 'llamacpp', b.llamaEmbed.server.url, '    format: embeddings\n')}
${m('slow', 'llamacpp', b.slow.server.url)}
${m('impatient', 'llamacpp', b.llamacpp.server.url, '    timeouts: { first_byte: 300ms }\n    retry: { attempts: 1 }\n')}
${m('dead', 'openai', 'http://127.0.0.1:9/v1', '    retry: { attempts: 2, base_delay: 10ms }\n')}
  - name: inproc
    backend: sim
    sim: { flavor: vllm, ttft: 0ms, token_delay: 1ms, max_tokens: 5 }
${m('llama-chatonly', 'openai', `${b.llamacpp.server.url}/v1`, '    translate: [messages, responses]\n')}
`;
}

/** Starts the simulator backends and the gateway on one runtime, as a real process on a loopback port. */
export async function startConformanceEnv(launcher: RuntimeLauncher): Promise<ConformanceEnv> {
  const backends = {
    llamacpp: await startSimBackend({ flavor: 'llamacpp', ttftMs: 5, tokenDelayMs: 2, defaultMaxTokens: 8, parallel: 8 }),
    // llama-server with --embeddings serves embeddings only (chat answers 500), as the real one does
    llamaEmbed: await startSimBackend({ flavor: 'llamacpp', model: 'tiny-bert-embed', embeddings: true }),
    vllm: await startSimBackend({ flavor: 'vllm', ttftMs: 5, tokenDelayMs: 2, defaultMaxTokens: 8, ctxSize: 2048 }),
    vllmEmbed: await startSimBackend({ flavor: 'vllm', model: 'BAAI/bge-small-en-v1.5', embeddings: true }),
    slow: await startSimBackend({ flavor: 'llamacpp', ttftMs: 20, tokenDelayMs: 100, defaultMaxTokens: 12, parallel: 8 }),
  };
  const dir = mkdtempSync(join(tmpdir(), 'modeltainer-conf-'));
  const configFile = join(dir, 'models.yaml');
  writeFileSync(configFile, conformanceConfig(backends));

  const logs: Record<string, unknown>[] = [];
  const strayLines: string[] = [];
  const [cmd, ...args] = launcher.command;
  const child = spawn(cmd as string, [...args, '--config', configFile, '--port', '0'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const gatewayURL = await waitForURL(child, launcher, logs, strayLines);
  return {
    runtime: launcher.runtime,
    gatewayURL,
    backends,
    logs,
    strayLines,
    configFile,
    signal: (signal) => void child.kill(signal),
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.all(Object.values(backends).map((b) => b.server.close()));
    },
  };
}

function waitForURL(child: ChildProcess, launcher: RuntimeLauncher, logs: Record<string, unknown>[], stray: string[]): Promise<string> {
  const output: string[] = [];
  let started: string | null = null;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${launcher.runtime}: gateway did not start in 60s:\n${output.join('\n')}`)), 60_000);
    const onLine = (line: string) => {
      output.push(line);
      let url = launcher.readURL?.(line) ?? null;
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        logs.push(rec);
        if (rec.msg === 'listening' && typeof rec.url === 'string') url = rec.url;
      } catch {
        stray.push(line);
      }
      if (url && !started) {
        started = url;
        clearTimeout(timer);
        resolve(url);
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', (l) => output.push(l));
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (started) return;
      reject(new Error(`${launcher.runtime}: gateway exited with ${code}:\n${output.join('\n')}`));
    });
  });
}
