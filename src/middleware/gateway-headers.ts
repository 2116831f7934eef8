import { SECURITY_HEADERS } from './security-headers.ts';

/** Responses built with every gateway header already in them; the last middleware leaves these alone. */
const complete = new WeakSet<Response>();

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
  const response = new Response(body, { status, headers });
  complete.add(response);
  return response;
}

/** A response that carries every gateway header already (one relayed from another worker). */
export function markComplete(response: Response): void {
  complete.add(response);
}

/** The same headers on a response built elsewhere (errors, the other routes). */
export function addGatewayHeaders(response: Response, requestId: string, overheadMs: number): void {
  if (complete.has(response)) return;
  response.headers.set('x-request-id', requestId);
  response.headers.set('x-modeltainer-overhead-ms', String(overheadMs));
  for (const k in SECURITY_HEADERS) response.headers.set(k, SECURITY_HEADERS[k]!);
}
