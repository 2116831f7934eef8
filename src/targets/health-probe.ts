import type { Health } from './target-state.ts';
import type { Target } from './target.ts';

/**
 * One active health check of a target at its flavour's endpoint (llama-server and vLLM:
 * `/health`, which llama-server answers 503 while loading the model; other
 * OpenAI-compatible servers: `/v1/models`). 200 is up; 5xx, a refused connection or no
 * answer within the timeout is down. Anything else (404, 401: a server without that
 * endpoint, or one wanting other credentials) says nothing, so it never stops traffic.
 */
export async function probeTarget(target: Target, timeoutMs: number): Promise<Health> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const res = await target.transport({
      url: target.healthUrl,
      method: 'GET',
      headers: { ...target.headers },
      signal: ctl.signal,
      connectTimeoutMs: Math.min(target.timeouts.connect, timeoutMs),
    });
    await res.text().catch(() => undefined);
    if (res.status === 200) return 'up';
    return res.status >= 500 ? 'down' : 'unknown';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}
