#!/usr/bin/env node
// Import cycles under src/ (type-only imports included): each module's dependencies must form
// a tree you can read from the leaves (deps.ts, errors/) up to app.ts. Exit 1 listing each cycle.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm;

function modules(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...modules(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

export function findCycles(dir = join(root, 'src')) {
  const graph = new Map();
  for (const file of modules(dir)) {
    const deps = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => resolve(dirname(file), m[1]));
    graph.set(file, deps.filter((d) => d.startsWith(dir)));
  }
  const cycles = [];
  const state = new Map();
  const stack = [];
  const visit = (file) => {
    state.set(file, 'open');
    stack.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === 'open') cycles.push([...stack.slice(stack.indexOf(dep)), dep].map((f) => relative(root, f)).join(' -> '));
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cycles = findCycles(process.argv[2] ?? join(root, 'src'));
  if (cycles.length) {
    console.error(`import cycles under src/:\n${cycles.join('\n')}`);
    process.exit(1);
  }
  console.log('cycle check: no import cycles under src/');
}
