import { defaultMode, type AuthConfig } from '../config/auth-schema.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { createKeyRing } from './api-keys.ts';
import { createJwtVerifier } from './jwt-verifier.ts';
import { anonymous, type Principal } from './principal.ts';

export type AuthMode = 'keys' | 'jwt' | 'both' | 'none';

export interface Authenticator {
  readonly mode: AuthMode;
  /** The caller, or a 401 GatewayError. */
  /** Synchronous where it can be (no auth, keys only): an await per request costs a promise and a turn. */
  authenticate(headers: Headers): Principal | Promise<Principal>;
}

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

export function createAuthenticator(cfg: AuthConfig | undefined): Authenticator {
  const mode = cfg?.mode ?? defaultMode((cfg?.keys.length ?? 0) > 0, cfg?.jwt !== undefined);
  if (!cfg || mode === 'none') return { mode: 'none', authenticate: () => anonymous };
  const keys = mode === 'jwt' ? null : createKeyRing(cfg.keys);
  const jwt = mode === 'keys' || !cfg.jwt ? null : createJwtVerifier(cfg.jwt, cfg.tiers);
  return {
    mode,
    authenticate(headers) {
      const token = credentialOf(headers);
      if (!token) throw unauthorized('Missing credentials: send `Authorization: Bearer <key>`.', 'missing_api_key');
      if (jwt && (JWT_SHAPE.test(token) || !keys)) {
        return jwt.verify(token).then((result) => {
          if (result.ok) return result.principal;
          throw unauthorized(`Invalid token: ${result.reason}.`, 'invalid_api_key');
        });
      }
      const principal = keys ? keys.verify(token) : null;
      if (principal) return principal;
      throw unauthorized('Incorrect API key provided.', 'invalid_api_key');
    },
  };
}

/** `Authorization: Bearer <token>` (scheme case-insensitive) or `X-Api-Key: <token>`. */
export function credentialOf(headers: Headers): string | null {
  const auth = headers.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m?.[1] ?? null;
  }
  return headers.get('x-api-key')?.trim() || null;
}

export function unauthorized(message: string, code: string): GatewayError {
  return new GatewayError({
    status: 401,
    message,
    type: 'invalid_request_error',
    code,
    headers: { 'www-authenticate': `Bearer realm="modeltainer", error="invalid_token"` },
  });
}
