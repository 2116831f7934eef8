import type { Capabilities } from '../../src/index.ts';

/** What the gateway can do on Workers; a config asking for more fails validation, naming the field. */
export const WORKERS_CAPABILITIES: Capabilities = {
  runtime: 'Cloudflare Workers',
  limitStores: ['memory'],
  cacheStores: ['memory', 'cache_api'],
  memoryStoreCaveat:
    'On Cloudflare Workers in-memory rate-limit counters live in one isolate: each isolate counts on its own, so a limit is not enforced across the deployment.',
  noReload:
    'Cloudflare Workers cannot reload the config in place: it is part of the deployment. Change the MODELTAINER_CONFIG binding or config/models.yaml and deploy again (npx wrangler deploy); every isolate then starts with the new config.',
};
