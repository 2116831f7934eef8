/** What `docker build` sends as its context, per the repo's allow-list .dockerignore, copied to a folder. */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './compose-file.ts';

/** A .dockerignore glob as a RegExp over a context-relative path (`**` any depth, `*` within one segment). */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (glob.startsWith('**/', i)) {
      out += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      out += '.*';
      i += 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/**
 * Copies the build context into `dest`. The .dockerignore must be an allow-list (`*`, then
 * `!path` lines, then exclusions), which test/deploy/dockerfile.test.ts asserts; within it the
 * last matching pattern decides, as in Docker.
 */
export function copyBuildContext(dest: string): string[] {
  const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines[0] !== '*') throw new Error('.dockerignore is not an allow-list starting with `*`');
  const rules = lines.slice(1).map((l) => ({ include: l.startsWith('!'), path: l.replace(/^!/, '').replace(/\/$/, '') }));
  const matchers = rules.map((r) => ({ ...r, re: globToRegExp(r.path) }));
  // in the context when the last rule matching the path or one of its parent folders includes it
  const included = (path: string): boolean => {
    let verdict = false;
    const parts = path.split('/');
    for (const rule of matchers) {
      if (parts.some((_, i) => rule.re.test(parts.slice(0, i + 1).join('/')))) verdict = rule.include;
    }
    return verdict;
  };
  const copied: string[] = [];
  for (const { path } of rules.filter((r) => r.include)) {
    if (!existsSync(join(ROOT, path))) throw new Error(`.dockerignore admits ${path}, which does not exist`);
    cpSync(join(ROOT, path), join(dest, path), {
      recursive: true,
      filter: (src) => {
        const rel = relative(ROOT, src);
        if (!included(rel)) return false;
        copied.push(rel);
        return true;
      },
    });
  }
  return copied;
}
