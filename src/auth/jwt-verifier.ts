import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig, JwtConfig } from '../config/auth-schema.ts';
import { compileGlobs } from './model-globs.ts';
import type { Principal } from './principal.ts';

export type JwtResult = { ok: true; principal: Principal } | { ok: false; reason: string };

export interface JwtVerifier {
  verify(token: string): Promise<JwtResult>;
}

/**
 * Verifies JWTs with jose: HS* with a shared secret, or RS/ES/EdDSA keys from a
 * JWKS URL (cached; refetched when a token names an unknown `kid`, at most once
 * per `jwks_cooldown`). iss, aud, exp and nbf are checked with `clock_skew`.
 */
export function createJwtVerifier(cfg: JwtConfig, tiers: AuthConfig['tiers']): JwtVerifier {
  const key: Uint8Array | JWTVerifyGetKey = cfg.secret
    ? new TextEncoder().encode(cfg.secret)
    : createRemoteJWKSet(new URL(cfg.jwks_url ?? ''), {
        cooldownDuration: cfg.jwks_cooldown,
        cacheMaxAge: 10 * 60_000,
      });
  const algorithms = cfg.algorithms ?? (cfg.secret ? ['HS256', 'HS384', 'HS512'] : ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA']);
  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
          algorithms,
          issuer: cfg.issuer,
          audience: cfg.audience,
          clockTolerance: Math.round(cfg.clock_skew / 1000),
          requiredClaims: ['exp'],
        }));
      } catch (err) {
        return { ok: false, reason: describe(err) };
      }
      return { ok: true, principal: toPrincipal(payload, cfg, tiers) };
    },
  };
}

function toPrincipal(payload: JWTPayload, cfg: JwtConfig, tiers: AuthConfig['tiers']): Principal {
  const tierName = stringClaim(payload, cfg.tier_claim) ?? cfg.default_tier;
  const tier = tierName ? tiers[tierName] : undefined;
  const claimed = payload[cfg.models_claim];
  const models = Array.isArray(claimed) ? claimed.filter((m): m is string => typeof m === 'string') : (tier?.models ?? ['*']);
  return Object.freeze({
    name: `jwt:${stringClaim(payload, cfg.subject_claim) ?? 'unknown'}`,
    label: `jwt:${tier ? tierName : 'default'}`,
    kind: 'jwt' as const,
    mayUse: compileGlobs(models),
    limits: { rpm: tier?.rpm, tpm: tier?.tpm, max_concurrent: tier?.max_concurrent },
    priority: tier?.priority ?? 0,
    ...(tier?.cache === false ? { noCache: true as const } : {}),
  });
}

function stringClaim(payload: JWTPayload, claim: string): string | undefined {
  const v = payload[claim];
  return typeof v === 'string' ? v : undefined;
}

function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim '${err.claim}' is invalid (${err.reason})`;
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key matches the token';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  return 'the token could not be verified';
}
