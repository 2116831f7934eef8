import { z } from 'zod';
import { durationMs } from './duration.ts';

const positive = z.number().int().positive();

export const limitsSchema = z.strictObject({
  rpm: positive.optional(),
  tpm: positive.optional(),
  max_concurrent: positive.optional(),
});

const modelGlobs = z.array(z.string().min(1)).min(1);

const keySchema = z
  .strictObject({
    name: z.string().min(1),
    key_sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters (modeltainer hash-key prints one)').optional(),
    key: z.string().min(16, 'a key must be at least 16 characters; use key_sha256 or ${ENV} rather than a literal key').optional(),
    models: modelGlobs.default(['*']),
    priority: z.number().int().default(0),
    /** false: this key's requests never use the response cache (always x-modeltainer-cache: bypass). */
    cache: z.boolean().default(true),
    ...limitsSchema.shape,
  })
  .superRefine((k, ctx) => {
    if ((k.key === undefined) === (k.key_sha256 === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['key_sha256'], message: 'give exactly one of key_sha256 or key (key: ${ENV_VAR}); never a plaintext key' });
    }
  });

const tierSchema = z.strictObject({ models: modelGlobs.optional(), priority: z.number().int().optional(), cache: z.boolean().optional(), ...limitsSchema.shape });

const jwtAlgorithms = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const;

const jwtSchema = z
  .strictObject({
    secret: z.string().min(32, 'an HS256 secret must be at least 32 characters').optional(),
    jwks_url: z.url({ protocol: /^https?$/ }).optional(),
    algorithms: z.array(z.enum(jwtAlgorithms)).min(1).optional(),
    issuer: z.string().min(1).optional(),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    clock_skew: durationMs.default(30_000),
    /** Minimum time between JWKS refetches for an unknown `kid`. */
    jwks_cooldown: durationMs.default(30_000),
    subject_claim: z.string().default('sub'),
    models_claim: z.string().default('models'),
    tier_claim: z.string().default('tier'),
    default_tier: z.string().optional(),
  })
  .superRefine((j, ctx) => {
    if ((j.secret === undefined) === (j.jwks_url === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'give exactly one of secret (HS256, from ${ENV}) or jwks_url' });
    }
  });

export const authSchema = z
  .strictObject({
    mode: z.enum(['keys', 'jwt', 'both', 'none']).optional(),
    keys: z.array(keySchema).default([]),
    jwt: jwtSchema.optional(),
    tiers: z.record(z.string().min(1), tierSchema).default({}),
    /** Protects admin routes: GET /metrics (unless metrics.key_sha256 sets its own key) and later ones. */
    admin_key_sha256: z.string().regex(/^[0-9a-fA-F]{64}$/).optional(),
  })
  .superRefine((a, ctx) => {
    const mode = a.mode ?? defaultMode(a.keys.length > 0, a.jwt !== undefined);
    if ((mode === 'keys' || mode === 'both') && a.keys.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['keys'], message: `auth.mode '${mode}' needs at least one key` });
    }
    if ((mode === 'jwt' || mode === 'both') && !a.jwt) {
      ctx.addIssue({ code: 'custom', path: ['jwt'], message: `auth.mode '${mode}' needs a jwt section` });
    }
    const names = new Set<string>();
    a.keys.forEach((k, i) => {
      if (names.has(k.name)) ctx.addIssue({ code: 'custom', path: ['keys', i, 'name'], message: `duplicate key name '${k.name}'` });
      names.add(k.name);
    });
    if (a.jwt?.default_tier && !(a.jwt.default_tier in a.tiers)) {
      ctx.addIssue({ code: 'custom', path: ['jwt', 'default_tier'], message: `no tier named '${a.jwt.default_tier}' in auth.tiers` });
    }
  });

export function defaultMode(hasKeys: boolean, hasJwt: boolean): 'keys' | 'jwt' | 'both' | 'none' {
  if (hasKeys && hasJwt) return 'both';
  if (hasKeys) return 'keys';
  return hasJwt ? 'jwt' : 'none';
}

export const rateLimitStoreSchema = z.strictObject({
  store: z.enum(['memory', 'redis']).default('memory'),
  redis_url: z.string().optional(),
  /** Key prefix in Redis, so several gateways or environments can share one server. */
  prefix: z.string().default('modeltainer:'),
  /**
   * Redis: how often a replica sends the requests and tokens it admitted on its own while
   * clearly below a limit (createSyncedStore). 0: every request waits for Redis.
   */
  sync_interval: durationMs.default(50),
  /** Accept counters that are not shared by every instance (Workers: one set per isolate). */
  per_isolate: z.boolean().default(false),
});

export type AuthConfig = z.output<typeof authSchema>;
export type KeyConfig = AuthConfig['keys'][number];
export type JwtConfig = NonNullable<AuthConfig['jwt']>;
export type Limits = z.output<typeof limitsSchema>;
