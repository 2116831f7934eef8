/**
 * The status page's script without a browser: it parses, its rate and percentile maths, its
 * SSE parser (chunks split anywhere), and which screen a config gives the page. The parts are
 * strings of browser JavaScript, so they are evaluated here in a function scope of their own.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, sha256Hex } from '../../src/index.ts';
import { adminAccess } from '../../src/ui/admin-access.ts';
import { pageHtml } from '../../src/ui/page-html.ts';
import { PAGE_SCRIPT } from '../../src/ui/page-script.ts';
import { SCRIPT_LIVE } from '../../src/ui/script-live.ts';
import { SCRIPT_STATS } from '../../src/ui/script-stats.ts';

interface RequestEvent {
  at: number;
  status: number;
  ttft_ms: number | null;
  completion_tokens: number | null;
}
interface Stats {
  median(values: number[]): number | null;
  lastMinute(requests: RequestEvent[], now: number): { count: number; rps: number; tps: number; ttftP50: number | null };
  series(requests: RequestEvent[], now: number): { rps: number[]; tps: number[]; ttft: (number | null)[] };
}
type ReadEvents = (stream: ReadableStream<Uint8Array>, handle: (name: string, data: string) => void) => Promise<void>;

// evaluating the page's own code is the point of this test: it is plain browser JavaScript
const stats = new Function(`${SCRIPT_STATS}; return { median, lastMinute, series };`)() as Stats;
const readEvents = new Function(`${SCRIPT_LIVE}; return readEvents;`)() as ReadEvents;

const NOW = 1_800_000_000_000;
const req = (agoMs: number, ttft: number | null, tokens: number, status = 200): RequestEvent => ({ at: NOW - agoMs, status, ttft_ms: ttft, completion_tokens: tokens });

describe('[node] the status page script', () => {
  it('[node] the whole script parses, inside one function scope', () => {
    expect(() => new Function(PAGE_SCRIPT)).not.toThrow();
    expect(PAGE_SCRIPT.startsWith('(() => {')).toBe(true);
    expect(PAGE_SCRIPT).not.toMatch(/console\.|innerHTML|eval\(|document\.write/);
  });

  it('[node] last minute: requests/s, tokens/s and a TTFT p50 of answers only', () => {
    const list = [req(70_000, 5, 100), req(50_000, 30, 12), req(20_000, 10, 6), req(10_000, 20, 0), req(5_000, 900, 0, 503)];
    const m = stats.lastMinute(list, NOW);
    expect(m.count).toBe(4);
    expect(m.rps).toBeCloseTo(4 / 60);
    expect(m.tps).toBeCloseTo(18 / 60);
    expect(m.ttftP50).toBe(20); // 10, 20, 30: the 503's 900 ms and the older 5 ms do not count
    expect(stats.lastMinute([], NOW)).toMatchObject({ count: 0, rps: 0, ttftP50: null });
    expect(stats.median([4, 1, 3, 2])).toBe(2.5);
  });

  it('[node] fifteen minutes in 30 s buckets, oldest first; a bucket without answers is a gap', () => {
    const s = stats.series([req(14 * 60_000 + 45_000, 50, 30), req(10_000, 40, 60), req(1_000, 60, 0), req(16 * 60_000, 1, 1)], NOW);
    expect(s.rps).toHaveLength(30);
    expect(s.rps[0]).toBeCloseTo(1 / 30);
    expect(s.rps[29]).toBeCloseTo(2 / 30);
    expect(s.tps[29]).toBeCloseTo(60 / 30);
    expect(s.ttft[0]).toBe(50);
    expect(s.ttft[29]).toBe(50);
    expect(s.ttft[15]).toBeNull();
  });

  it('[node] the SSE parser: events split anywhere, CRLF across reads, comments and multi-line data', async () => {
    const text = ': keep-alive\r\n\r\nevent: snapshot\r\ndata: {"models":[]}\r\n\r\nevent: model\ndata: {"a":\ndata: 1}\n\n: ping\n\ndata: plain\n\nevent: half';
    const encoder = new TextEncoder();
    for (const size of [1, 2, 3, 7, text.length]) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const c of chunks) controller.enqueue(encoder.encode(c));
          controller.close();
        },
      });
      const seen: [string, string][] = [];
      await readEvents(stream, (name, data) => seen.push([name, data]));
      expect(seen, `chunks of ${size}`).toEqual([
        ['snapshot', '{"models":[]}'],
        ['model', '{"a":\n1}'],
        ['message', 'plain'],
      ]);
    }
  });

  it('[node] the first screen: the login with an admin key, open without any auth, closed with keys but no admin key', async () => {
    const models = 'models:\n  - { name: m, backend: sim }\n';
    const adminKey = await sha256Hex('an-admin-key-for-the-page');
    expect(adminAccess(parseConfig(`version: 1\nauth: { admin_key_sha256: "${adminKey}" }\n${models}`))).toBe('key');
    expect(adminAccess(parseConfig(`version: 1\n${models}`))).toBe('open');
    const userKey = await sha256Hex('a-user-key-of-16-chars');
    expect(adminAccess(parseConfig(`version: 1\nauth: { keys: [{ name: u, key_sha256: "${userKey}" }] }\n${models}`))).toBe('closed');
    expect(pageHtml('open')).toContain('<meta name="modeltainer-admin" content="open">');
  });
});
