export interface LimitState {
  limit: number;
  remaining: number;
  resetMs: number;
}

/** OpenAI's header format for the time until reset: `1s`, `6m0s`, `250ms`. */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

// Literal names, not built from `kind`: this runs on every limited request.
/** x-ratelimit-{limit,remaining,reset}-{requests,tokens}, as OpenAI sends them, added to `out`. */
export function rateLimitHeaders(requests: LimitState | null, tokens: LimitState | null, out: Record<string, string> = {}): Record<string, string> {
  if (requests) {
    out['x-ratelimit-limit-requests'] = String(requests.limit);
    out['x-ratelimit-remaining-requests'] = String(Math.max(0, requests.remaining));
    out['x-ratelimit-reset-requests'] = formatReset(requests.resetMs);
  }
  if (tokens) {
    out['x-ratelimit-limit-tokens'] = String(tokens.limit);
    out['x-ratelimit-remaining-tokens'] = String(Math.max(0, tokens.remaining));
    out['x-ratelimit-reset-tokens'] = formatReset(tokens.resetMs);
  }
  return out;
}
