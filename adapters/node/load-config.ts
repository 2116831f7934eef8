import { readFile } from 'node:fs/promises';
import { parseConfig, type ConfigSnapshot } from '../../src/index.ts';
import { nodeCapabilities } from './node-host.ts';

/** Reads and validates a config file; throws ConfigError (file, line, field) or a read error. */
export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<ConfigSnapshot> {
  const text = await readFile(path, 'utf8');
  return parseConfig(text, { file: path, env, capabilities: nodeCapabilities });
}
