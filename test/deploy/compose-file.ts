/** Reading backends/compose as Docker Compose would, without a Docker engine: YAML, ${VAR}s, profiles. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const COMPOSE_DIR = join(ROOT, 'backends/compose');

export interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  profiles?: string[];
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  networks?: string[] | Record<string, { aliases?: string[] } | null>;
  depends_on?: string[] | Record<string, { condition: string; required?: boolean }>;
  healthcheck?: { test?: string[] };
  stop_grace_period?: string;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  [key: string]: unknown;
}

export interface ComposeFile {
  services: Record<string, Service>;
  networks?: Record<string, unknown>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The text of a file under backends/compose. */
export const readCompose = (name: string): string => readFileSync(join(COMPOSE_DIR, name), 'utf8');

/** YAML as Compose reads it: merge keys (`<<: *anchor`) resolved. */
export const parseCompose = (text: string): ComposeFile => parse(text, { merge: true }) as ComposeFile;

// ${NAME}, ${NAME:-x}, ${NAME-x}, ${NAME:?x}, ${NAME?x}, ${NAME:+x}, ${NAME+x}, $NAME and the $$ escape
const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export interface VariableUse {
  name: string;
  /** `-`, `:-`, `?`, `:?`, `+`, `:+`, or none */
  op?: string;
  arg?: string;
}

/** Every ${VAR} a value uses, however deep. */
export function variableUses(value: unknown): VariableUse[] {
  if (typeof value === 'string') {
    return [...value.matchAll(VARIABLE)].filter((m) => m[0] !== '$$').map((m) => ({ name: (m[1] ?? m[4])!, op: m[2], arg: m[3] }));
  }
  if (Array.isArray(value)) return value.flatMap(variableUses);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(variableUses);
  return [];
}

/** Compose's interpolation of one string; throws like `docker compose` does on a missing required variable. */
export function interpolate(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(VARIABLE, (whole, braced: string | undefined, op: string | undefined, arg = '', bare: string | undefined) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = env[name];
    const set = value !== undefined;
    const nonEmpty = set && value !== '';
    switch (op) {
      case ':-': return nonEmpty ? value : arg;
      case '-': return set ? value : arg;
      case ':?': if (!nonEmpty) throw new Error(`required variable ${name} is missing a value: ${arg}`); return value;
      case '?': if (!set) throw new Error(`required variable ${name} is missing a value: ${arg}`); return value;
      case ':+': return nonEmpty ? arg : '';
      case '+': return set ? arg : '';
      default: return value ?? '';
    }
  });
}

/** The whole document with every string interpolated. */
export function interpolateAll<T>(value: T, env: Readonly<Record<string, string>>): T {
  if (typeof value === 'string') return interpolate(value, env) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => interpolateAll(v, env)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env)])) as T;
  }
  return value;
}

/** `NAME=value` lines of an env file (comments and blank lines skipped), in order. */
export function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** The services `docker compose --profile …` starts: those without profiles, and those in one of these. */
export const activeServices = (compose: ComposeFile, profiles: readonly string[]): string[] =>
  Object.entries(compose.services)
    .filter(([, s]) => !s.profiles || s.profiles.some((p) => profiles.includes(p)))
    .map(([name]) => name);

/** Every profile any service names. */
export const allProfiles = (compose: ComposeFile): string[] => [...new Set(Object.values(compose.services).flatMap((s) => s.profiles ?? []))].sort();

/** The networks a service is on (Compose's `default` when it names none). */
export const networksOf = (s: Service): string[] => (Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? { default: null }));

/** Names a service answers to inside the stack: its own and its network aliases. */
export function hostNamesOf(name: string, s: Service): string[] {
  const aliases = Array.isArray(s.networks) ? [] : Object.values(s.networks ?? {}).flatMap((n) => n?.aliases ?? []);
  return [name, ...aliases];
}

/** The dependencies of a service and whether each must be enabled too. */
export function dependenciesOf(s: Service): { name: string; required: boolean }[] {
  if (!s.depends_on) return [];
  if (Array.isArray(s.depends_on)) return s.depends_on.map((name) => ({ name, required: true }));
  return Object.entries(s.depends_on).map(([name, d]) => ({ name, required: d.required ?? true }));
}
