/**
 * The reference of issue 14: the least a Hono app on @hono/node-server does as an LLM proxy.
 * It parses the JSON body, rewrites `model` to the backend's name and forwards it with
 * `undici.request`; a JSON answer is read whole and sent on, a stream relayed as it comes. No
 * auth, logs, metrics, deadlines or error handling.
 *
 *   node --import tsx bench/hono-app.ts --target http://127.0.0.1:8000 [--model bench] [--port 0]
 *
 * Prints one JSON line with `url` once it listens.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { request } from 'undici';

const { values: o } = parseArgs({ options: { target: { type: 'string', default: 'http://127.0.0.1:8000' }, model: { type: 'string', default: 'bench' }, port: { type: 'string', default: '0' } } });
const app = new Hono();
app.post('/v1/chat/completions', async (c) => {
  const body = await c.req.json<Record<string, unknown>>();
  body.model = o.model;
  const up = await request(`${o.target}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = body.stream === true ? (Readable.toWeb(up.body) as ReadableStream) : await up.body.text();
  return new Response(answer, { status: up.statusCode, headers: { 'content-type': String(up.headers['content-type']) } });
});
serve({ fetch: app.fetch, port: Number(o.port), hostname: '127.0.0.1' }, (info) => console.log(JSON.stringify({ msg: 'hono app listening', url: `http://127.0.0.1:${info.port}` })));
