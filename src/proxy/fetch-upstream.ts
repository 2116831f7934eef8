import type { UpstreamFetch } from '../deps.ts';

/** The web-standard upstream client: the runtime's own fetch. */
export const fetchUpstream: UpstreamFetch = (req) =>
  fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: req.signal, redirect: 'manual' });
