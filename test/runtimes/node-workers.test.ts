import { afterAll, beforeAll } from 'vitest';
import { startConformanceEnv, type ConformanceEnv } from '../conformance/environment.ts';
import { addConformanceTests } from '../conformance/suite.ts';
import { addShutdownTests } from '../conformance/shutdown.ts';

// two processes sharing the port: every request may land on either
const command = ['node', '--import', 'tsx', 'adapters/node/cli.ts', 'serve', '--workers', '2'];
let env: ConformanceEnv;
beforeAll(async () => {
  env = await startConformanceEnv({ runtime: 'node-workers-2', command });
});
afterAll(() => env?.stop());
addConformanceTests('node-workers-2', () => env);
addShutdownTests({ runtime: 'node-workers-2', command });
