import type { Principal } from './auth/principal.ts';
import type { ConfigSnapshot } from './config/snapshot.ts';
import type { RequestLog } from './observability/request-log.ts';
import type { RequestScope } from './request/request-scope.ts';

/** What middleware hands to handlers on the Hono context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** clock.now() when the request arrived */
    startedAt: number;
    /** The config this request started with; a reload never changes it mid-request. */
    snapshot: ConfigSnapshot;
    log: RequestLog;
    /** The request's life: deadline, client abort, and the end everything settles on. */
    scope: RequestScope;
    /** The authenticated caller (anonymous when auth.mode is none). */
    principal: Principal;
  };
}
