/**
 * Test support (web-standard, used by the colocated tests): reads the captured `.http` fixture
 * format (request lines prefixed `> `, then the raw response), turns a fixture's request into a
 * Request, reduces JSON to its structure (key order and value types), reads a body write by write,
 * and splits SSE bodies into events.
 */

export interface HttpFixture {
  request: { method: string; path: string; headers: Array<[string, string]>; body: string | null };
  status: number;
  /** Response headers in order, names lowercased. */
  headers: Array<[string, string]>;
  body: string;
}

export function parseHttpFixture(text: string): HttpFixture {
  const lines = text.split('\n');
  let i = 0;
  const reqLines: string[] = [];
  while (i < lines.length && lines[i]?.startsWith('>')) reqLines.push((lines[i++] ?? '').replace(/^> ?/, ''));
  const [requestLine = '', ...rest] = reqLines;
  const [method = 'GET', path = '/'] = requestLine.split(' ');
  const blank = rest.indexOf('');
  const reqHeaderLines = blank >= 0 ? rest.slice(0, blank) : rest;
  const reqBody = blank >= 0 ? rest.slice(blank + 1).join('\n') : '';
  const response = lines.slice(i).join('\n');
  // Most captures use CRLF in the head, a few plain LF.
  const sep = /\r?\n\r?\n/.exec(response);
  const headEnd = sep?.index ?? response.length;
  const head = response.slice(0, headEnd).split(/\r?\n/);
  const status = Number((head[0] ?? '').split(' ')[1]);
  const pair = (line: string): [string, string] => {
    const c = line.indexOf(':');
    return [line.slice(0, c).trim(), line.slice(c + 1).trim()];
  };
  return {
    request: { method, path, headers: reqHeaderLines.map(pair), body: reqBody === '' ? null : reqBody },
    status,
    headers: head.slice(1).map((l) => {
      const [k, v] = pair(l);
      return [k.toLowerCase(), v];
    }),
    body: response.slice(headEnd + (sep?.[0].length ?? 0)),
  };
}

/** The payloads of `data: ...` events, in order (`[DONE]` included as the string). */
export function sseData(body: string): string[] {
  return body
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

/**
 * The structure of a JSON value: objects become `[key, shape][]` (key order kept), arrays the
 * distinct shapes of their items, scalars their type name (`null` stays distinct).
 */
export function jsonShape(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const seen = new Map<string, unknown>();
    for (const item of value) {
      const s = jsonShape(item);
      seen.set(JSON.stringify(s), s);
    }
    return [...seen.values()];
  }
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, jsonShape(v)]);
  return typeof value;
}

/** The fixture's request as a Request (Host and Content-Length dropped). */
export function fixtureRequest(fx: HttpFixture, init: { signal?: AbortSignal } = {}): Request {
  const headers = new Headers();
  for (const [k, v] of fx.request.headers) {
    if (!/^(host|content-length)$/i.test(k)) headers.append(k, v);
  }
  const { method, path, body } = fx.request;
  return new Request(`http://127.0.0.1${path}`, { method, headers, body: method === 'GET' || method === 'HEAD' ? null : body, ...init });
}

/** Every write of a body, decoded, in order (one entry per enqueue). */
export async function readWrites(res: Response): Promise<string[]> {
  if (!res.body) return [];
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const writes: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return writes;
    writes.push(decoder.decode(value));
  }
}

/** Named SSE events (`event: x\ndata: y`), in order; `event` is null for a bare `data:` event. */
export function sseNamedEvents(body: string): Array<{ event: string | null; data: string }> {
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length) ?? null;
      const data = lines.find((l) => l.startsWith('data: '))?.slice('data: '.length) ?? '';
      return { event, data };
    });
}
