import { afterAll, beforeAll } from 'vitest';
import { startConformanceEnv, type ConformanceEnv } from '../conformance/environment.ts';
import { addConformanceTests } from '../conformance/suite.ts';
import { addShutdownTests } from '../conformance/shutdown.ts';

let env: ConformanceEnv;
beforeAll(async () => {
  env = await startConformanceEnv({ runtime: 'node', command: ['node', '--import', 'tsx', 'adapters/node/cli.ts', 'serve'] });
});
afterAll(() => env?.stop());
addConformanceTests('node', () => env);
addShutdownTests({ runtime: 'node', command: ['node', '--import', 'tsx', 'adapters/node/cli.ts', 'serve'] });
