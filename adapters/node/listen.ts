import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  url: string;
  port: number;
  /** Stops listening; open connections get `graceMs` (default 0) to finish their responses, then are cut. */
  close(graceMs?: number): Promise<void>;
}

/** Listens with @hono/node-server and resolves once the port is bound. */
export function listen(fetch: (req: Request, env: unknown) => Response | Promise<Response>, port: number, host: string): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    const server: ServerType = serve({ fetch, port, hostname: host }, (info: AddressInfo) => {
      server.off('error', onError);
      // Long generations must not be cut by Node's request timeouts.
      Object.assign(server, { requestTimeout: 0, headersTimeout: 60_000 });
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shownHost}:${info.port}`,
        port: info.port,
        close: (graceMs = 0) =>
          new Promise<void>((done) => {
            const http = server as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
            server.close(() => done());
            http.closeIdleConnections?.();
            // responses still being written finish (their connections close once idle); then cut what is left
            setTimeout(() => http.closeAllConnections?.(), graceMs).unref();
          }),
      });
    });
    server.on('error', onError);
  });
}
