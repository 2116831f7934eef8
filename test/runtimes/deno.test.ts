import { afterAll, beforeAll } from 'vitest';
import { startConformanceEnv, type ConformanceEnv } from '../conformance/environment.ts';
import { addConformanceTests } from '../conformance/suite.ts';
import { addShutdownTests } from '../conformance/shutdown.ts';

let env: ConformanceEnv;
beforeAll(async () => {
  env = await startConformanceEnv({ runtime: 'deno', command: ['node_modules/.bin/deno', 'run', '--allow-net', '--allow-read', '--allow-env', '--allow-run', 'adapters/deno/main.ts'] });
});
afterAll(() => env?.stop());
addConformanceTests('deno', () => env);
addShutdownTests({ runtime: 'deno', command: ['node_modules/.bin/deno', 'run', '--allow-net', '--allow-read', '--allow-env', '--allow-run', 'adapters/deno/main.ts'] });
