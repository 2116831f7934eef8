import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without types
import { findCycles } from './check-cycles.mjs';

describe('[node] src/ import cycle check', () => {
  it('finds no import cycle under src/', () => {
    expect(findCycles()).toEqual([]);
  });
  it('flags a cycle through type-only and multi-line imports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cycles-'));
    writeFileSync(join(dir, 'a.ts'), "import type {\n  B,\n} from './b.ts';\nexport type A = B;\n");
    writeFileSync(join(dir, 'b.ts'), "import { c } from './c.ts';\nexport type B = string;\n");
    writeFileSync(join(dir, 'c.ts'), "export type { A } from './a.ts';\nexport const c = 1;\n");
    const cycles = findCycles(dir) as string[];
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toMatch(/a\.ts -> .*b\.ts -> .*c\.ts -> .*a\.ts$/);
  });
});
