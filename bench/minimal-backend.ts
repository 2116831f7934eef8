/**
 * The cheapest OpenAI-compatible backend Node can be, so that the proxies in front of it are
 * what a benchmark measures: plain node:http, no router, no validation. It answers
 * `POST /v1/chat/completions` at once with a fixed `chat.completion` (with usage), or, when the
 * body has `"stream": true`, a `--chunks`-chunk SSE stream of `chat.completion.chunk` events (the
 * last one with `finish_reason`), a usage chunk when `stream_options.include_usage` is set, then
 * `data: [DONE]`; streams are paced by `--ttft-ms` (before the first chunk) and `--token-delay-ms`
 * (between chunks); JSON answers are never delayed. `GET /health` and `GET /v1/models` answer 200
 * (vLLM's and OpenAI's probe paths). Runs as its own process:
 *
 *   node --import tsx bench/minimal-backend.ts [--port 0] [--model bench] [--chunks 64] [--ttft-ms 0] [--token-delay-ms 0]
 *
 * Prints one JSON line with `url` once it listens. The request body is only searched for the
 * two flags, not parsed: its cost stays out of the measurement.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface BackendOptions {
  model: string;
  chunks: number;
  ttftMs: number;
  tokenDelayMs: number;
}

const CREATED = 1_700_000_000;
const TOKEN = 'tok ';

/** The fixed non-stream answer: `chunks` tokens of content, as a stream would carry. */
export function completionBody(o: BackendOptions): string {
  return JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: CREATED,
    model: o.model,
    choices: [{ index: 0, message: { role: 'assistant', content: TOKEN.repeat(o.chunks) }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 12, completion_tokens: o.chunks, total_tokens: 12 + o.chunks },
  });
}

/** Every SSE event of a stream, in order, each `data: …\n\n`; the usage event only with `includeUsage`. */
export function streamEvents(o: BackendOptions, includeUsage: boolean): string[] {
  const head = `{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${CREATED},"model":${JSON.stringify(o.model)},"choices":`;
  const events: string[] = [];
  for (let i = 0; i < o.chunks; i++) {
    const delta = i === 0 ? `{"role":"assistant","content":"${TOKEN}"}` : `{"content":"${TOKEN}"}`;
    const finish = i === o.chunks - 1 ? '"stop"' : 'null';
    events.push(`data: ${head}[{"index":0,"delta":${delta},"finish_reason":${finish},"logprobs":null}]}\n\n`);
  }
  if (includeUsage) events.push(`data: ${head}[],"usage":{"prompt_tokens":12,"completion_tokens":${o.chunks},"total_tokens":${12 + o.chunks}}}\n\n`);
  events.push('data: [DONE]\n\n');
  return events;
}

/** `"stream": true` and `"include_usage": true` looked up in the raw body (whitespace after the colon allowed). */
export function requestFlags(body: string): { stream: boolean; includeUsage: boolean } {
  return { stream: /"stream"\s*:\s*true/.test(body), includeUsage: /"include_usage"\s*:\s*true/.test(body) };
}

export function createBackend(o: BackendOptions) {
  const json = Buffer.from(completionBody(o));
  const plain = streamEvents(o, false).map((e) => Buffer.from(e));
  const withUsage = streamEvents(o, true).map((e) => Buffer.from(e));
  const models = Buffer.from(JSON.stringify({ object: 'list', data: [{ id: o.model, object: 'model', created: CREATED, owned_by: 'bench' }] }));
  const health = Buffer.from('{"status":"ok"}');
  const send = (res: ServerResponse, status: number, body: Buffer) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  };

  const stream = (res: ServerResponse, events: Buffer[]) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    let i = 0;
    let timer: NodeJS.Timeout | null = null;
    res.on('close', () => {
      if (timer) clearTimeout(timer);
    });
    const next = () => {
      timer = null;
      if (res.destroyed) return;
      // unpaced: every event in one go; paced: one content chunk per tick, the usage and [DONE] with the last
      if (o.tokenDelayMs === 0) {
        for (; i < events.length - 1; i++) res.write(events[i]);
        res.end(events[i]);
        return;
      }
      res.write(events[i++]);
      if (i >= o.chunks) {
        for (; i < events.length - 1; i++) res.write(events[i]);
        res.end(events[i]);
        return;
      }
      timer = setTimeout(next, o.tokenDelayMs);
    };
    if (o.ttftMs > 0) timer = setTimeout(next, o.ttftMs);
    else next();
  };

  return createServer((req, res) => {
    const path = req.url ?? '/';
    if (req.method === 'GET' && (path === '/health' || path === '/v1/health')) return send(res, 200, health);
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) return send(res, 200, models);
    if (req.method !== 'POST' || !path.startsWith('/v1/chat/completions')) {
      req.resume();
      return send(res, 404, Buffer.from('{"error":{"message":"not found","type":"not_found_error","code":"not_found"}}'));
    }
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const flags = requestFlags(Buffer.concat(parts).toString('latin1'));
      if (!flags.stream) return send(res, 200, json);
      stream(res, flags.includeUsage ? withUsage : plain);
    });
  });
}

function main(): void {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      model: { type: 'string', default: 'bench' },
      chunks: { type: 'string', default: '64' },
      'ttft-ms': { type: 'string', default: '0' },
      'token-delay-ms': { type: 'string', default: '0' },
    },
  });
  const num = (flag: string, raw: string, min: number) => {
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${flag}: expected an integer >= ${min}, got '${raw}'`);
    return n;
  };
  const opts: BackendOptions = {
    model: values.model,
    chunks: num('chunks', values.chunks, 1),
    ttftMs: num('ttft-ms', values['ttft-ms'], 0),
    tokenDelayMs: num('token-delay-ms', values['token-delay-ms'], 0),
  };
  const server = createBackend(opts);
  server.keepAliveTimeout = 60_000;
  server.listen(num('port', values.port, 0), values.host, () => {
    const { port } = server.address() as AddressInfo;
    console.log(JSON.stringify({ msg: 'minimal backend listening', url: `http://${values.host}:${port}`, ...opts }));
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
    });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
