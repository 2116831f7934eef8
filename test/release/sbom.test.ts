// `npm run sbom` (@cyclonedx/cyclonedx-npm over `npm ls --omit dev`, offline): a CycloneDX document
// that the CycloneDX library's strict JSON schema validator accepts, listing exactly the packages
// package-lock.json says ship (every installed package not marked dev), and no dev tool.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; dev?: boolean; devOptional?: boolean }> };

interface Component { name: string; group?: string; version: string; purl?: string; components?: Component[] }
interface Bom { bomFormat: string; specVersion: string; metadata: { component: Component }; components: Component[] }

const work = mkdtempSync(join(tmpdir(), 'modeltainer-sbom-'));
const out = join(work, 'sbom.cdx.json');
let text = '';
let bom: Bom;

beforeAll(() => {
  const run = spawnSync('npm', ['run', 'sbom', '--', '--output-file', out], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`npm run sbom failed:\n${run.stdout}${run.stderr}`);
  text = readFileSync(out, 'utf8');
  bom = JSON.parse(text) as Bom;
}, 90_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every component, nested ones included, as name@version. */
function flatten(components: Component[] = []): string[] {
  return components.flatMap((c) => [`${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`, ...flatten(c.components)]);
}

describe('[node] npm run sbom', () => {
  it('[node] writes a CycloneDX 1.6 JSON document that the strict schema validator accepts', async () => {
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.specVersion).toBe('1.6');
    expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text)).toBeNull();
    expect(bom.metadata.component).toMatchObject({ name: 'modeltainer', version: pkg.version });
  });

  it('[node] lists every production dependency (direct and transitive) with a purl', () => {
    const listed = new Set(flatten(bom.components));
    const shipped = Object.entries(lock.packages)
      .filter(([path, e]) => path !== '' && !e.dev && !e.devOptional && existsSync(join(ROOT, path)))
      .map(([path, e]) => `${path.split('node_modules/').at(-1)}@${e.version}`);
    expect([...listed].sort()).toEqual([...new Set(shipped)].sort());
    // the direct ones by name too: hono, zod, …
    for (const name of Object.keys(pkg.dependencies)) expect(listed).toContain(`${name}@${pkg.dependencies[name]}`);
    const withoutPurl = (cs: Component[] = []): string[] => cs.flatMap((c) => [...(c.purl?.startsWith('pkg:npm/') ? [] : [c.name]), ...withoutPurl(c.components)]);
    expect(withoutPurl(bom.components)).toEqual([]);
  });

  it('[node] leaves out the dev tools', () => {
    const names = new Set(flatten(bom.components).map((c) => c.slice(0, c.lastIndexOf('@'))));
    for (const dev of ['vitest', 'eslint', 'typescript', 'wrangler', 'bun', 'deno', 'playwright-core', '@cyclonedx/cyclonedx-npm', '@action-validator/cli']) {
      expect(pkg.devDependencies[dev]).toBeDefined();
      expect(names.has(dev)).toBe(false);
    }
  });
});
