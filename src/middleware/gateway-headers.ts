import { SECURITY_HEADERS } from './security-headers.ts';

/**
 * Marks a response built with every gateway header already in it; the last middleware leaves
 * it alone. A property, not a WeakSet: an entry per request in a weak collection is work for
 * every young-generation collection.
 */
const COMPLETE = Symbol('modeltainer.complete');
type Marked = Response & { [COMPLETE]?: true };

/**
 * Builds the response with the headers every gateway response carries (request id,
 * overhead, security headers) in its init. On the proxy path this replaces setting
 * them one by one afterwards: on Node, a Response whose headers are a plain record is
 * written straight to the socket, while touching `response.headers` first builds and
 * validates a Headers object.
 */
export function completeResponse(
  body: string | ReadableStream<Uint8Array>,
  status: number,
  headers: Record<string, string>,
  requestId: string,
  overheadMs: number,
): Response {
  headers['x-request-id'] = requestId;
  headers['x-modeltainer-overhead-ms'] = String(overheadMs);
  for (const k in SECURITY_HEADERS) headers[k] = SECURITY_HEADERS[k]!;
  const response: Marked = new Response(body, { status, headers });
  response[COMPLETE] = true;
  return response;
}

/** A response that carries every gateway header already (one relayed from another worker). */
export function markComplete(response: Marked): void {
  response[COMPLETE] = true;
}

/** The same headers on a response built elsewhere (errors, the other routes). */
export function addGatewayHeaders(response: Marked, requestId: string, overheadMs: number): void {
  if (response[COMPLETE]) return;
  response.headers.set('x-request-id', requestId);
  response.headers.set('x-modeltainer-overhead-ms', String(overheadMs));
  for (const k in SECURITY_HEADERS) response.headers.set(k, SECURITY_HEADERS[k]!);
}
