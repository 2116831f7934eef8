/**
 * vLLM's dev-mode sleep routes (`serve/sleep/api_router.py`, `serve/rpc/api_router.py`): present
 * only with `VLLM_SERVER_DEV_MODE=1`, not under /v1 (so no API key), query parameters only.
 */
import { PAUSE_MODES, type EngineSleep, type PauseMode } from './engine-sleep.ts';
import type { RouteHandlers } from './fastapi-route.ts';
import { vllmEmpty, vllmError, vllmJson } from './vllm-http.ts';
import { pyInt, pyString } from './py-repr.ts';
import type { StatsTracker } from './stats.ts';

/** Starlette's `query_params.get(name, default)`: the last value wins. */
function lastParam(url: URL, name: string, fallback: string): string {
  return url.searchParams.getAll(name).at(-1) ?? fallback;
}

export function sleepRoutes(engine: EngineSleep, stats: StatsTracker): Record<string, RouteHandlers> {
  return {
    // POST /sleep?level=1&mode=abort: 200 with an empty body once the engine sleeps.
    '/sleep': {
      POST: async (c) => {
        const url = new URL(c.req.url);
        const levelText = lastParam(url, 'level', '1');
        const level = pyInt(levelText);
        if (level === null) return vllmError(400, `invalid literal for int() with base 10: ${pyString(levelText)}`, 'BadRequestError');
        const mode = lastParam(url, 'mode', 'abort');
        // The engine's ValueError comes back from the utility call as a plain Exception: 500.
        if (!PAUSE_MODES.includes(mode)) return vllmError(500, `Call to sleep method failed: Invalid pause mode: ${mode}`, 'InternalServerError');
        await engine.sleep(level, mode as PauseMode);
        return vllmEmpty(200);
      },
    },
    // POST /wake_up[?tags=weights&tags=kv_cache]: 200 with an empty body once awake.
    '/wake_up': {
      POST: async (c) => {
        const tags = new URL(c.req.url).searchParams.getAll('tags');
        await engine.wakeUp(tags.length > 0 ? tags : null);
        return vllmEmpty(200);
      },
    },
    '/is_sleeping': { GET: () => vllmJson(200, { is_sleeping: engine.isSleeping() }) },
    // The documented step after a level-2 sleep: {"method":"reload_weights"} -> one null result per worker.
    '/collective_rpc': {
      POST: async (c) => {
        let body: unknown;
        try {
          body = JSON.parse(await c.req.raw.text());
        } catch (err) {
          return vllmJson(400, { detail: `JSON decode error: ${err instanceof Error ? err.message : String(err)}` });
        }
        const method = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).method : undefined;
        if (typeof method !== 'string') return vllmJson(400, { detail: "Missing 'method' in request body" });
        if (method === 'reload_weights') stats.count('weightReloads');
        return vllmJson(200, { results: [null] });
      },
    },
  };
}
