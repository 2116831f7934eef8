import { Miniflare } from 'miniflare';
import { describe, expect, it } from 'vitest';
import { buildWorker, readCompatibility } from '../../adapters/workers/build-worker.ts';

const CONFIG = `version: 1
cache: { store: cache_api }
models:
  - { name: m, backend: sim, sim: { ttft: 5ms, token_delay: 1ms, max_tokens: 4 }, cache: true }
`;

describe('[workerd] response cache in the Workers Cache API', () => {
  it('[workerd] a repeated request is a hit from caches.default, a stream too', async () => {
    const { code } = await buildWorker();
    const mf = new Miniflare({ modules: [{ type: 'ESModule', path: 'worker.js', contents: code }], ...readCompatibility(), bindings: { MODELTAINER_CONFIG: CONFIG } });
    try {
      for (const stream of [false, true]) {
        const send = () =>
          mf.dispatchFetch('http://gateway/v1/chat/completions', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0, stream }),
          });
        const miss = await send();
        const first = await miss.text();
        expect(miss.headers.get('x-modeltainer-cache')).toBe('miss');
        // the entry is written as the answer ends, the isolate kept for it by waitUntil
        await new Promise((r) => setTimeout(r, 100));
        const hit = await send();
        expect(hit.headers.get('x-modeltainer-cache')).toBe('hit');
        expect(await hit.text()).toBe(first);
      }
    } finally {
      await mf.dispose();
    }
  }, 60_000);
});
