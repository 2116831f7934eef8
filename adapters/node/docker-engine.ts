import { Agent, request } from 'undici';
import { z } from 'zod';
// src/index.ts does not re-export these ports yet; deps.ts is a types-only leaf.
import type { ContainerDriver, ContainerState } from '../../src/deps.ts';

export interface DockerEngineOptions {
  /** The daemon's unix socket. Default: `DOCKER_HOST` when it is `unix://…`, else `/var/run/docker.sock`. */
  socketPath?: string;
  /** Pins the Engine API version (`'1.43'`), sent as a `/v1.43` path prefix. Default: the daemon's own. */
  apiVersion?: string;
}

/** A Docker Engine API call that failed; `status` is null when the daemon was not reached. */
export class DockerEngineError extends Error {
  readonly status: number | null;

  constructor(message: string, status: number | null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DockerEngineError';
    this.status = status;
  }
}

/** Docker reports a container that never ran with Go's zero time. */
const ZERO_TIME = '0001-01-01T00:00:00Z';
/** Start and inspect answer in well under a second; this only bounds a daemon that hangs. */
const CALL_TIMEOUT_MS = 60_000;
/** Stop answers after up to `t` seconds, then the SIGKILL and the exit still have to happen. */
const STOP_MARGIN_MS = 60_000;

const inspectSchema = z.object({
  State: z.object({
    Status: z.string(),
    Running: z.boolean(),
    Pid: z.number().int(),
    ExitCode: z.number().int(),
    StartedAt: z.string().optional(),
  }),
});

/**
 * A `ContainerDriver` over the Docker Engine API on its unix socket (never the docker CLI).
 * Starting a running container or stopping a stopped one succeeds (Docker's 304).
 *
 * @example
 * const docker = createDockerEngine({ apiVersion: '1.43' });
 * await docker.start('llama-a');
 * const { running, startedAt } = await docker.inspect('llama-a');
 * await docker.stop('llama-a', 10); // SIGTERM, SIGKILL after 10 s
 * await docker.close();
 */
export function createDockerEngine(options: DockerEngineOptions = {}): ContainerDriver & { close(): Promise<void> } {
  const socketPath = options.socketPath ?? socketFromEnv(process.env.DOCKER_HOST) ?? '/var/run/docker.sock';
  const prefix = options.apiVersion === undefined ? '' : `/v${parseApiVersion(options.apiVersion)}`;
  const agent = new Agent({ connect: { socketPath } });

  async function call(method: 'GET' | 'POST', container: string, action: string, timeoutMs: number) {
    if (!container) throw new DockerEngineError('Docker container name is empty', null);
    const path = `${prefix}/containers/${encodeURIComponent(container)}/${action}`;
    try {
      const res = await request(`http://localhost${path}`, {
        method,
        dispatcher: agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      return { status: res.statusCode, text: await res.body.text() };
    } catch (err) {
      throw toTransportError(err, socketPath, `${method} ${path}`, timeoutMs);
    }
  }

  /** 2xx and 304 (already in that state) succeed; anything else names the container and Docker's message. */
  function check(res: { status: number; text: string }, verb: string, container: string): void {
    if ((res.status >= 200 && res.status < 300) || res.status === 304) return;
    const what = res.status === 404 ? 'was not found' : `failed (HTTP ${res.status})`;
    throw new DockerEngineError(`Docker container "${container}": ${verb} ${what}: ${dockerMessage(res.text)}`, res.status);
  }

  return {
    async start(container) {
      check(await call('POST', container, 'start', CALL_TIMEOUT_MS), 'start', container);
    },
    async stop(container, timeoutSeconds) {
      if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) {
        throw new RangeError(`stop timeout must be a non-negative number of seconds, got ${timeoutSeconds}`);
      }
      // Docker's t is whole seconds; rounding up never shortens the grace period.
      const t = Math.ceil(timeoutSeconds);
      check(await call('POST', container, `stop?t=${t}`, t * 1000 + STOP_MARGIN_MS), 'stop', container);
    },
    async inspect(container) {
      const res = await call('GET', container, 'json', CALL_TIMEOUT_MS);
      check(res, 'inspect', container);
      return toContainerState(res.text, container);
    },
    close: () => agent.close(),
  };
}

/** `unix:///run/user/1000/docker.sock` → the path; unset → undefined; any other scheme is refused. */
function socketFromEnv(dockerHost: string | undefined): string | undefined {
  if (!dockerHost) return undefined;
  if (dockerHost.startsWith('unix://') && dockerHost.length > 'unix://'.length) return dockerHost.slice('unix://'.length);
  throw new DockerEngineError(
    `DOCKER_HOST=${dockerHost} is not a unix socket: the gateway reaches Docker only through unix:///path/to/docker.sock ` +
      '(unset DOCKER_HOST to use /var/run/docker.sock)',
    null,
  );
}

function parseApiVersion(version: string): string {
  const v = version.replace(/^v/, '');
  if (!/^\d+\.\d+$/.test(v)) throw new DockerEngineError(`Docker API version "${version}" is not of the form 1.43`, null);
  return v;
}

function toTransportError(err: unknown, socketPath: string, call: string, timeoutMs: number): DockerEngineError {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return new DockerEngineError(
      `The Docker Engine socket at ${socketPath} cannot be reached (${code}): the gateway needs it mounted, ` +
        `e.g. -v /var/run/docker.sock:/var/run/docker.sock`,
      null,
      { cause: err },
    );
  }
  if (code === 'EACCES') {
    return new DockerEngineError(
      `The Docker Engine socket at ${socketPath} is not open to the gateway's user (EACCES): run it in the socket's group (docker)`,
      null,
      { cause: err },
    );
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new DockerEngineError(`Docker did not answer ${call} within ${timeoutMs / 1000} s`, null, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DockerEngineError(`Docker Engine call ${call} on ${socketPath} failed: ${message}`, null, { cause: err });
}

/** Docker's error bodies are `{"message": "..."}`; a proxy in between may answer plain text. */
function dockerMessage(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
      return (body as { message: string }).message;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.trim() || '(no message)';
}

function toContainerState(text: string, container: string): ContainerState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DockerEngineError(`Docker container "${container}": inspect answered with a body that is not JSON`, 200);
  }
  const parsed = inspectSchema.safeParse(json);
  if (!parsed.success) {
    throw new DockerEngineError(`Docker container "${container}": inspect answer has no usable State: ${parsed.error.message}`, 200);
  }
  const s = parsed.data.State;
  return {
    running: s.Running,
    status: s.Status,
    pid: s.Pid,
    // A created container has never exited; its ExitCode 0 means nothing.
    exitCode: s.Status === 'created' ? null : s.ExitCode,
    startedAt: !s.StartedAt || s.StartedAt === ZERO_TIME ? null : s.StartedAt,
  };
}
