import { generateKey } from '../../src/index.ts';
import { runGateway } from '../../src/serving/run-gateway.ts';
import { VERSION } from '../../src/version.ts';
import { loadConfigFile } from './load-config.ts';
import { createNodeHost, DEFAULT_CONFIG } from './node-host.ts';
import { runMain } from './run-main.ts';
import { simCommand } from './sim-command.ts';

const USAGE = `modeltainer — an OpenAI-compatible gateway for vLLM and llama.cpp

Usage:
  modeltainer [serve] [--config FILE] [--port N] [--host H]   serve the gateway (default port 8081)
  modeltainer check-config FILE                              validate a config without serving
  modeltainer sim [llama-server flags] [--flavor vllm]       run the backend simulator
  modeltainer hash-key                                       print a new random API key and its key_sha256
  modeltainer --version                                      print the version

Environment: MODELTAINER_CONFIG (config file), PORT, HOST (default 127.0.0.1), LOG_LEVEL.
The config file is reloaded when it changes, on SIGHUP and on POST /admin/reload;
SIGTERM/SIGINT drain in-flight requests (server.drain_timeout) before exiting.`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === 'version') {
    console.log(VERSION);
    return 0;
  }
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

runMain(main, USAGE);
