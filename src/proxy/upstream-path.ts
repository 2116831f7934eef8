import { errors } from '../errors/errors.ts';

/**
 * The URL on a model's target for a raw `/upstream/<model>/<rest>` request, or a 400. `rest`
 * is the path as the client sent it (still percent-encoded): it stays under the server's
 * root, so no dot segments (encoded or not), no backslashes, no empty first segment (a
 * protocol-relative `//host`), no scheme; the built URL is checked to be on the target's
 * origin under its root once more, whatever the URL parser made of it.
 */
export function upstreamPathUrl(baseUrl: string, rest: string, search: string): string {
  const root = baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  if (rest.startsWith('/')) throw errors.upstreamPathRejected('it must not start with a slash');
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    throw errors.upstreamPathRejected('it is not valid percent-encoding');
  }
  if (/[\\\0]/.test(decoded) || /^[a-z][a-z0-9+.-]*:/i.test(decoded) || decoded.startsWith('/')) throw errors.upstreamPathRejected('it must be a relative path');
  if (decoded.split('/').some((seg) => seg === '.' || seg === '..')) throw errors.upstreamPathRejected('dot segments are not allowed');
  const url = new URL(`${root}/${rest}${search}`);
  const base = new URL(`${root}/`);
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) throw errors.upstreamPathRejected('it leaves the model server');
  return url.href;
}
