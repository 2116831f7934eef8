import { describe, expect, it } from 'vitest';
import type { UpstreamFetch } from '../deps.ts';
import { probeTarget } from './health-probe.ts';
import type { Target } from './target.ts';

const target = (transport: UpstreamFetch): Target =>
  ({ id: 'x', label: 'llamacpp:x', healthUrl: 'http://x/health', transport, headers: { authorization: 'Bearer k' }, timeouts: { connect: 1000, first_byte: 1000, total: 1000 } }) as unknown as Target;
const answer = (status: number, body = '{}') => async () => new Response(body, { status });

describe('probeTarget', () => {
  it('200 is up; 503 (llama-server loading its model) and other 5xx are down; 404/401 say nothing', async () => {
    expect(await probeTarget(target(answer(200, '{"status":"ok"}')), 1000)).toBe('up');
    expect(await probeTarget(target(answer(503, '{"error":{"message":"Loading model","type":"unavailable_error","code":503}}')), 1000)).toBe('down');
    expect(await probeTarget(target(answer(500)), 1000)).toBe('down');
    expect(await probeTarget(target(answer(404)), 1000)).toBe('unknown');
    expect(await probeTarget(target(answer(401)), 1000)).toBe('unknown');
  });

  it('a refused connection or no answer within the timeout is down; the probe sends the target headers', async () => {
    expect(await probeTarget(target(() => Promise.reject(new Error('ECONNREFUSED'))), 1000)).toBe('down');
    let seen: Record<string, string> = {};
    const hang: UpstreamFetch = (req) => {
      seen = req.headers;
      return new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    };
    expect(await probeTarget(target(hang), 30)).toBe('down');
    expect(seen.authorization).toBe('Bearer k');
  });
});
