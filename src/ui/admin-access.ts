import { authOff } from '../config/reloader.ts';
import type { ConfigSnapshot } from '../config/snapshot.ts';

/**
 * How the status page reaches the admin routes under a config, mirroring `requireAdmin`:
 * `key` (ask for the admin key), `open` (authentication is off as a whole and no admin key is
 * set, so the routes answer anyone) or `closed` (authentication is on but no admin key is set:
 * the admin routes answer 403 to everyone). The page reads it from a meta tag, so it shows the
 * right screen without first probing an admin route and drawing a 401 in the console.
 */
export type AdminAccess = 'key' | 'open' | 'closed';

export function adminAccess(snapshot: ConfigSnapshot): AdminAccess {
  if (snapshot.auth?.admin_key_sha256) return 'key';
  return authOff(snapshot) ? 'open' : 'closed';
}
