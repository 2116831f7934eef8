import { createSimulator, generateKey, parseSimArgs } from '../../src/index.ts';
import { runGateway } from '../../src/serving/run-gateway.ts';
import { loadConfigFile } from './load-config.ts';
import { createNodeHost, DEFAULT_CONFIG } from './node-host.ts';
import { runMain } from './run-main.ts';
import { listen } from './listen.ts';

const USAGE = `modeltainer — an OpenAI-compatible gateway for vLLM and llama.cpp

Usage:
  modeltainer [serve] [--config FILE] [--port N] [--host H]   serve the gateway (default port 8081)
  modeltainer check-config FILE                              validate a config without serving
  modeltainer sim [llama-server flags] [--flavor vllm]       run the backend simulator
  modeltainer hash-key                                       print a new random API key and its key_sha256

Environment: MODELTAINER_CONFIG (config file), PORT, HOST (default 127.0.0.1), LOG_LEVEL.
The config file is reloaded when it changes, on SIGHUP and on POST /admin/reload;
SIGTERM/SIGINT drain in-flight requests (server.drain_timeout) before exiting.`;

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv[0]?.startsWith('-') ? ['serve', ...argv] : argv;
  switch (command) {
    case 'serve':
      await runGateway(createNodeHost(USAGE), rest);
      return -1;
    case 'check-config':
      return checkConfigCommand(rest);
    case 'sim':
      return simCommand(rest);
    case 'hash-key':
      return hashKeyCommand();
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

async function checkConfigCommand(args: string[]): Promise<number> {
  const file = args[0] ?? process.env.MODELTAINER_CONFIG ?? DEFAULT_CONFIG;
  const snapshot = await loadConfigFile(file);
  console.log(`${file}: OK (${snapshot.models.length} models: ${snapshot.models.map((m) => m.name).join(', ')})`);
  return 0;
}

async function hashKeyCommand(): Promise<number> {
  const { key, sha256 } = await generateKey();
  console.log(`key:        ${key}\nkey_sha256: ${sha256}\n\nGive the key to its user; put only the hash in the config:\n  auth:\n    keys:\n      - name: <who>\n        key_sha256: ${sha256}`);
  return 0;
}

async function simCommand(args: string[]): Promise<number> {
  const { host, port, ...options } = parseSimArgs(args);
  const sim = createSimulator(options);
  const readyAt = (sim as { readyAt?: number }).readyAt;
  // vLLM binds its socket only after the model is loaded: connection refused until then.
  if (options.flavor === 'vllm' && readyAt) await new Promise((r) => setTimeout(r, Math.max(0, readyAt - Date.now())));
  const server = await listen(sim.fetch, port, host);
  console.log(JSON.stringify({ level: 'info', msg: 'simulator listening', flavor: options.flavor, model: sim.options.model, url: server.url }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      // let in-flight streams finish for a while, then cut them
      setTimeout(() => process.exit(0), 10_000).unref();
      void server.close().then(() => process.exit(0));
    });
  }
  return -1;
}

runMain(main, USAGE);
