import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error.ts';
import { upstreamPathUrl } from './upstream-path.ts';

const rejected = (base: string, rest: string) => {
  try {
    upstreamPathUrl(base, rest, '');
  } catch (err) {
    return err instanceof GatewayError && err.status === 400 ? err.message : `unexpected ${String(err)}`;
  }
  return null;
};

describe('upstreamPathUrl', () => {
  it('puts the path under the server root, a /v1 in the target URL not repeated, the query kept', () => {
    expect(upstreamPathUrl('http://127.0.0.1:8080', 'slots', '?fail_on_no_slot=1')).toBe('http://127.0.0.1:8080/slots?fail_on_no_slot=1');
    expect(upstreamPathUrl('http://h:8000/v1/', 'is_sleeping', '')).toBe('http://h:8000/is_sleeping');
    expect(upstreamPathUrl('http://h/llm/v1', 'v1/models', '')).toBe('http://h/llm/v1/models');
  });

  it('never leaves the model server: dot segments (plain or encoded), absolute URLs, backslashes, //host', () => {
    for (const rest of ['../admin', 'a/../../x', '%2e%2e/x', '.%2E/x', 'a/%2e%2e%2f%2e%2e/x', 'http://evil/x', 'http:%2f%2fevil', '\\evil', 'a\\..\\b', '/evil.example/x', '%00', '%zz']) {
      expect(rejected('http://h/llm/v1', rest), rest).toMatch(/rejected/);
    }
  });
});
