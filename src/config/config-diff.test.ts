import { describe, expect, it } from 'vitest';
import { diffSnapshots } from './config-diff.ts';
import { parseConfig } from './parse-config.ts';

describe('diffSnapshots', () => {
  it('names added, removed and changed models with their changed fields, and changed sections', () => {
    const a = parseConfig('version: 1\nmodels:\n  - { name: x, backend: sim }\n  - { name: y, backend: sim }\n');
    const b = parseConfig('version: 1\nserver: { keepalive_after: 1s }\nmodels:\n  - { name: x, backend: sim, system_prompt: hi }\n  - { name: z, backend: sim }\n');
    expect(diffSnapshots(a, b)).toEqual({ added: ['z'], removed: ['y'], changed: [{ name: 'x', fields: ['system_prompt'] }], sections: ['server'] });
    expect(diffSnapshots(a, parseConfig('version: 1\nmodels:\n  - { name: x, backend: sim }\n  - { name: y, backend: sim }\n'))).toEqual({ added: [], removed: [], changed: [], sections: [] });
  });
});
