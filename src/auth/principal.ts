import type { Limits } from '../config/auth-schema.ts';
import { compileGlobs, type ModelMatcher } from './model-globs.ts';

/** Who is calling, as far as routing and limits care. Never holds the credential itself. */
export interface Principal {
  /** key name or JWT subject; appears in logs and limit keys */
  readonly name: string;
  /** bounded label for metrics: key name, `jwt:<tier>`, or `anonymous` */
  readonly label: string;
  readonly kind: 'key' | 'jwt' | 'anonymous';
  readonly mayUse: ModelMatcher;
  readonly limits: Limits;
  readonly priority: number;
  /** Set when the caller's key (or JWT tier) says `cache: false`: the response cache is skipped. */
  readonly noCache?: true;
}

export const anonymous: Principal = Object.freeze({
  name: 'anonymous',
  label: 'anonymous',
  kind: 'anonymous' as const,
  mayUse: compileGlobs(['*']),
  limits: {},
  priority: 0,
});
