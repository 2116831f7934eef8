export type Env = Readonly<Record<string, string | undefined>>;

export interface InterpolationIssue {
  path: (string | number)[];
  message: string;
}

const PATTERN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Expands `${VAR}` and `${VAR:-default}` in every string of a parsed YAML value,
 * the way Compose does, so secrets (backend keys) live in the environment and not
 * in the file. `$$` is a literal `$`. A missing variable without default is an issue.
 */
export function interpolateEnv(value: unknown, env: Env, issues: InterpolationIssue[], path: (string | number)[] = []): unknown {
  if (typeof value === 'string') return expand(value, env, issues, path);
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, issues, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, issues, [...path, k]);
    return out;
  }
  return value;
}

function expand(text: string, env: Env, issues: InterpolationIssue[], path: (string | number)[]): string {
  if (!text.includes('$')) return text;
  // under `launch`, ${PORT} is the port the gateway picks for the server, filled in at start
  const keepPort = path.includes('launch');
  return text.replace(PATTERN, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$$') return '$';
    if (keepPort && name === 'PORT' && fallback === undefined) return whole;
    const v = env[name as string];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    issues.push({ path, message: `environment variable ${name} is not set (use \${${name}:-default} for a default)` });
    return '';
  });
}
