import { fileURLToPath } from 'node:url';
import { eventually, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';

/** The simulator's CLI standing in for llama-server: it takes llama-server's flags. */
export const LLAMA_SERVER = fileURLToPath(new URL('../support/llama-server-sim', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A launched llama.cpp model on the stand-in; `flags` are llama-server's (and the simulator's --load-ms). */
export function llamaModel(name: string, extra: string[] = [], flags: string[] = []): string {
  const all = ['--parallel', '8', '--ctx-size', '65536', '--ttft-ms', '5', '--token-delay-ms', '5', ...flags];
  return `  - name: ${name}
    backend: llamacpp
    launch:
      llamacpp: { binary: "${LLAMA_SERVER}", model_path: /models/${name}.gguf, flags: [${all.map((f) => JSON.stringify(f)).join(', ')}] }
${extra.map((l) => `    ${l}\n`).join('')}`;
}

/** The simulator's CLI as vLLM, through launch.command (`${PORT}` filled in by the gateway). */
export function vllmModel(name: string, extra: string[] = [], flags: string[] = [], env: Record<string, string> = {}): string {
  const cmd = ['node', '--import', 'tsx', `${ROOT}adapters/node/cli.ts`, 'sim', '--flavor', 'vllm', '--served-model-name', name, '--port', '${PORT}', '--ttft-ms', '5', '--token-delay-ms', '5', ...flags];
  return `  - name: ${name}
    backend: vllm
    launch:
      command: { cmd: [${cmd.map((f) => JSON.stringify(f)).join(', ')}], env: ${JSON.stringify(env)} }
${extra.map((l) => `    ${l}\n`).join('')}`;
}

export interface ModelServerInfo {
  model: string;
  state: string;
  pid: number | null;
  starts: number;
  failures: number;
  last_error: string | null;
  device: string | null;
  memory_bytes: number | null;
  requests: number;
}

export async function modelServers(gw: GatewayProcess): Promise<Map<string, ModelServerInfo>> {
  const res = await fetch(`${gw.url}/admin/models`);
  if (res.status !== 200) throw new Error(`GET /admin/models: ${res.status} ${await res.text()}`);
  return new Map(((await res.json()) as { models: ModelServerInfo[] }).models.map((m) => [m.model, m]));
}

export async function stateOf(gw: GatewayProcess, model: string): Promise<ModelServerInfo> {
  const m = (await modelServers(gw)).get(model);
  if (!m) throw new Error(`no launched model ${model}`);
  return m;
}

export function untilState(gw: GatewayProcess, model: string, state: string, timeoutMs = 20_000): Promise<number> {
  return eventually(async () => (await stateOf(gw, model)).state === state, timeoutMs, `${model} ${state}`);
}

/** Whether a process of this pid exists (signal 0 checks without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function chat(gw: GatewayProcess, model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 3, ...extra }),
  });
}

export async function startLifecycleGateway(config: string): Promise<GatewayProcess> {
  return startGatewayProcess(config);
}
