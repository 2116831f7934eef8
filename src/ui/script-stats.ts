/**
 * The status page script, part 3: rates and percentiles from the finished-request events, which
 * the gateway sends as they end (the last 15 minutes on connect). The page computes them itself,
 * so the gateway keeps no per-model histograms for it. Pure functions of (requests, now): the
 * unit test evaluates this part alone.
 */
export const SCRIPT_STATS = String.raw`
const WINDOW_MS = 15 * 60000;
const MINUTE_MS = 60000;
const BUCKET_MS = 30000;
const BUCKETS = WINDOW_MS / BUCKET_MS;

function median(values) {
  if (values.length === 0) return null;
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** TTFT counts only answers that started: an error's time to first byte is not a TTFT. */
function ttftOf(e) {
  return e.status > 0 && e.status < 400 && typeof e.ttft_ms === 'number' ? e.ttft_ms : null;
}

/** Requests/s, generated tokens/s and TTFT p50 over the minute before now. */
function lastMinute(requests, now) {
  let count = 0;
  let tokens = 0;
  const ttfts = [];
  for (const e of requests) {
    if (e.at <= now - MINUTE_MS || e.at > now) continue;
    count++;
    tokens += e.completion_tokens || 0;
    const t = ttftOf(e);
    if (t !== null) ttfts.push(t);
  }
  return { count, rps: count / 60, tps: tokens / 60, ttftP50: median(ttfts) };
}

/**
 * Per 30-second bucket over the last 15 minutes, oldest first: requests/s, tokens/s and the
 * TTFT p50 (null for a bucket without an answer, drawn as a gap rather than as zero).
 */
function series(requests, now) {
  const counts = new Array(BUCKETS).fill(0);
  const tokens = new Array(BUCKETS).fill(0);
  const ttfts = Array.from({ length: BUCKETS }, () => []);
  const start = now - WINDOW_MS;
  for (const e of requests) {
    if (e.at <= start || e.at > now) continue;
    const i = Math.min(BUCKETS - 1, Math.floor((e.at - start) / BUCKET_MS));
    counts[i]++;
    tokens[i] += e.completion_tokens || 0;
    const t = ttftOf(e);
    if (t !== null) ttfts[i].push(t);
  }
  const perSecond = BUCKET_MS / 1000;
  return {
    rps: counts.map((n) => n / perSecond),
    tps: tokens.map((n) => n / perSecond),
    ttft: ttfts.map(median),
  };
}
`;
