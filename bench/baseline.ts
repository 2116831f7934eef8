/**
 * `--baseline REV`: the gateway of another git revision, run next to the working tree's. The
 * revision's tree is exported with `git archive` (committed files only, nothing of the working
 * tree) into a directory whose node_modules is a symlink to this checkout's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './environment.ts';

/** The gateway's command line, relative to a tree's root. */
export const GATEWAY_CLI = 'adapters/node/cli.ts';

export interface Baseline {
  /** As given to --baseline. */
  rev: string;
  /** Full sha it resolved to. */
  commit: string;
  /** `git log -1 --format=%s`, for the record. */
  subject: string;
  /** Where its tree was exported. */
  dir: string;
}

/** The full sha of a commit-ish, or an Error saying why not (nothing is started). */
export function resolveRevision(rev: string, root = ROOT): string {
  if (rev === '' || rev.startsWith('-')) throw new Error(`--baseline '${rev}': not a git revision`);
  const out = spawnSync('git', ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { cwd: root, encoding: 'utf8' });
  if (out.error) throw new Error(`--baseline ${rev}: cannot run git (${out.error.message})`);
  const sha = out.stdout.trim();
  if (out.status !== 0 || !/^[0-9a-f]{40}$/.test(sha)) {
    const why = out.stderr.trim();
    throw new Error(`--baseline ${rev}: not a commit in the repository at ${root}${why ? ` (git: ${why})` : ''}; try e.g. --baseline HEAD~1 or a sha from git log`);
  }
  return sha;
}

export function commitSubject(commit: string, root = ROOT): string {
  const out = spawnSync('git', ['log', '-1', '--format=%s', commit], { cwd: root, encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : '';
}

/** `git archive COMMIT | tar -x -C dir`, then dir/node_modules -> root/node_modules. */
export async function exportRevision(commit: string, dir: string, root = ROOT): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const git = spawn('git', ['archive', '--format=tar', commit], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
  git.stdout.pipe(tar.stdin);
  const ended = (child: typeof git | typeof tar, name: string) => {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    return new Promise<void>((resolve, reject) => {
      child.once('error', (err) => reject(new Error(`${name}: ${err.message}`)));
      child.once('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${name} failed (${signal ?? code}): ${stderr.trim()}`))));
    });
  };
  await Promise.all([ended(git, `git archive ${commit}`), ended(tar, `tar -x -C ${dir}`)]);
  if (!existsSync(join(dir, GATEWAY_CLI))) throw new Error(`revision ${commit} has no ${GATEWAY_CLI}: it cannot run as gateway-baseline`);
  const modules = join(root, 'node_modules');
  if (!existsSync(modules)) throw new Error(`${modules} is missing: run npm ci first`);
  symlinkSync(modules, join(dir, 'node_modules'), 'dir');
}
