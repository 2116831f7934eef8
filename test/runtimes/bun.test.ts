import { afterAll, beforeAll } from 'vitest';
import { startConformanceEnv, type ConformanceEnv } from '../conformance/environment.ts';
import { addConformanceTests } from '../conformance/suite.ts';
import { addShutdownTests } from '../conformance/shutdown.ts';

let env: ConformanceEnv;
beforeAll(async () => {
  env = await startConformanceEnv({ runtime: 'bun', command: ['node_modules/.bin/bun', 'run', 'adapters/bun/main.ts'] });
});
afterAll(() => env?.stop());
addConformanceTests('bun', () => env);
addShutdownTests({ runtime: 'bun', command: ['node_modules/.bin/bun', 'run', 'adapters/bun/main.ts'] });
