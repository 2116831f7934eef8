import type { LaunchConfig, LifecycleConfig } from '../config/lifecycle-schema.ts';
import type { ChildProcessHandle, Clock, ContainerDriver, ProcessLauncher, UpstreamFetch } from '../deps.ts';
import { launchKey, launchPlan, type LaunchPlan } from './launch-command.ts';

/** Why a server told its host about itself. */
export type ServerChange = 'state' | 'crash' | 'start-failed' | 'restart';

/** What a ManagedServer needs around it; the LifecycleManager is one. */
export interface ServerHost {
  launcher?: ProcessLauncher;
  containers?: ContainerDriver;
  http: UpstreamFetch;
  clock: Clock;
  /** the lifecycle settings of the config serving now */
  settings(): LifecycleConfig;
  output(server: ManagedServer, stream: 'stdout' | 'stderr', line: string): void;
  changed(server: ManagedServer, why: ServerChange): void;
}

export type ServerState = 'off' | 'starting' | 'ready' | 'sleeping' | 'draining' | 'stopping' | 'failed';

/** What a drained server does next. */
export type AfterDrain = 'stop' | 'sleep' | 'restart';

const POLL_MS = 200;
const PROBE_TIMEOUT_MS = 2_000;
const LAST_LINES = 8;

/**
 * The server of one launched model: a child process (llama-server, any command) or a Docker
 * container, and its state. Lives in the model's runtime, so a reload that leaves the
 * launch spec alone keeps it (and its pid). Transitions are reported to the host, which
 * decides what runs where (LifecycleManager).
 */
export class ManagedServer {
  state: ServerState = 'off';
  launch: LaunchConfig;
  key: string;
  pid: number | null = null;
  baseUrl: string | null = null;
  device: string | null = null;
  /** bytes this server takes on its device, once known */
  memory: number | null = null;
  lastUsed = 0;
  readyAt = 0;
  /** when it last became ready, how long that start took */
  lastStartMs: number | null = null;
  failures = 0;
  lastError: string | null = null;
  starts = 0;
  /** set while draining: what comes after */
  after: AfterDrain | null = null;
  /** the sleep level it sleeps at, while sleeping */
  sleepLevel: 1 | 2 = 1;
  /** asked to run (preload, POST /admin/models/x/start) even without requests */
  wanted = false;
  /** the model's own start_timeout, when it has one */
  startTimeoutMs: number | null = null;
  private child: ChildProcessHandle | null = null;
  private generation = 0;
  private readonly lastLines: string[] = [];

  constructor(
    readonly name: string,
    launch: LaunchConfig,
    private readonly host: ServerHost,
  ) {
    this.launch = launch;
    this.key = launchKey(launch);
  }

  /** The process or container this is, for /admin/models. */
  get container(): string | null {
    return this.launch.docker?.container ?? null;
  }

  /** Starts the server on `device` and waits for its health check; resolves true once ready. */
  async start(device: string | null): Promise<boolean> {
    const gen = ++this.generation;
    this.set('starting');
    this.device = device;
    this.starts++;
    const started = this.host.clock.now();
    let plan: LaunchPlan;
    try {
      plan = await this.spawn(device);
    } catch (err) {
      return this.startFailed(gen, `could not start: ${(err as Error).message}`);
    }
    if (gen !== this.generation) return false;
    const deadline = started + this.startTimeout();
    while (gen === this.generation && this.state === 'starting') {
      if (await this.healthy(plan.healthUrl)) {
        if (gen !== this.generation || this.state !== 'starting') return false;
        this.lastStartMs = this.host.clock.now() - started;
        this.readyAt = this.host.clock.now();
        this.lastUsed = this.readyAt;
        this.set('ready');
        return true;
      }
      if (this.host.clock.now() >= deadline) {
        // the exit that follows is ours, not a crash
        const mine = ++this.generation;
        await this.kill();
        return this.startFailed(mine, `not ready within start_timeout (${this.startTimeout()} ms)`);
      }
      await delay(POLL_MS);
    }
    return false;
  }

  /** Stops taking requests; `then` runs once the runtime has nothing in flight (finishDrain). */
  beginDrain(then: AfterDrain): void {
    if (this.state === 'off' || this.state === 'failed') return;
    this.after = this.after === 'restart' ? 'restart' : then;
    if (this.state === 'ready' || this.state === 'sleeping') this.set('draining');
  }

  /** Nothing in flight any more: stop, sleep or restart as the drain asked. */
  async finishDrain(): Promise<void> {
    if (this.state !== 'draining') return;
    const then = this.after ?? 'stop';
    this.after = null;
    if (then === 'sleep') {
      await this.sleep(this.sleepLevel);
      return;
    }
    await this.stop();
    if (then === 'restart') this.host.changed(this, 'restart');
  }

  /** SIGTERM (or the Engine API's stop), SIGKILL after stop_timeout; resolves once it is gone. */
  async stop(): Promise<void> {
    ++this.generation;
    this.set('stopping');
    await this.kill();
    this.pid = null;
    this.baseUrl = null;
    this.set('off');
  }

  /** vLLM sleep mode: POST /sleep?level=N (mode=wait: nothing is in flight anyway). */
  async sleep(level: 1 | 2): Promise<void> {
    if (!this.baseUrl) return;
    const res = await this.post(`/sleep?level=${level}&mode=wait`);
    if (res !== 200) {
      this.lastError = `POST /sleep answered ${res}; stopping instead`;
      await this.stop();
      return;
    }
    this.sleepLevel = level;
    this.set('sleeping');
  }

  /**
   * Wakes a sleeping engine and holds its traffic until /is_sleeping says false: requests sent
   * to a sleeping engine would queue silently inside it. After level 2 the weights are reloaded.
   */
  async wake(): Promise<boolean> {
    const gen = ++this.generation;
    this.set('starting');
    const started = this.host.clock.now();
    const steps = this.sleepLevel === 2 ? ['/wake_up?tags=weights', '/collective_rpc', '/wake_up?tags=kv_cache'] : ['/wake_up'];
    for (const step of steps) {
      const status = await this.post(step, step === '/collective_rpc' ? '{"method":"reload_weights"}' : undefined);
      if (status !== 200) return this.startFailed(gen, `waking: POST ${step} answered ${status}`);
    }
    const deadline = started + this.startTimeout();
    while (gen === this.generation) {
      const asleep = await this.isSleeping();
      if (asleep === false) {
        this.lastStartMs = this.host.clock.now() - started;
        this.readyAt = this.host.clock.now();
        this.lastUsed = this.readyAt;
        this.set('ready');
        return true;
      }
      if (this.host.clock.now() >= deadline) return this.startFailed(gen, 'still asleep after start_timeout');
      await delay(POLL_MS);
    }
    return false;
  }

  startTimeout(): number {
    return this.startTimeoutMs ?? this.host.settings().start_timeout;
  }

  /** A container has no child process to watch: ask the Engine API whether it still runs. */
  async checkContainer(): Promise<void> {
    const docker = this.launch.docker;
    if (!docker || !this.host.containers || (this.state !== 'ready' && this.state !== 'sleeping')) return;
    const gen = this.generation;
    const state = await this.host.containers.inspect(docker.container).catch(() => null);
    if (!state || state.running || gen !== this.generation) return;
    ++this.generation;
    this.pid = null;
    this.baseUrl = null;
    this.crashed(`container ${docker.container} is ${state.status}${state.exitCode === null ? '' : ` (exit code ${state.exitCode})`}`);
  }

  /** Back from failed: the next request may start it again. */
  reset(): void {
    if (this.state !== 'failed') return;
    this.failures = 0;
    this.lastError = null;
    this.set('off');
  }

  /** A new launch spec from a reload: a running server drains and restarts with it. */
  respec(launch: LaunchConfig): boolean {
    const key = launchKey(launch);
    this.launch = launch;
    if (key === this.key) return false;
    this.key = key;
    return true;
  }

  private async spawn(device: string | null): Promise<LaunchPlan> {
    const docker = this.launch.docker;
    if (docker) {
      const driver = this.host.containers;
      if (!driver) throw new Error('no Docker Engine API on this runtime');
      await driver.start(docker.container);
      const state = await driver.inspect(docker.container);
      this.pid = state.pid || null;
      const plan = launchPlan(this.launch, 0, device);
      this.baseUrl = plan.baseUrl;
      return plan;
    }
    const launcher = this.host.launcher;
    if (!launcher) throw new Error('this runtime cannot start processes');
    const plan = launchPlan(this.launch, await launcher.freePort(), device);
    const gen = this.generation;
    const child = launcher.spawn({
      cmd: plan.cmd,
      env: plan.env,
      onLine: (stream, line) => {
        this.lastLines.push(line);
        if (this.lastLines.length > LAST_LINES) this.lastLines.shift();
        this.host.output(this, stream, line);
      },
    });
    this.child = child;
    this.pid = child.pid;
    this.baseUrl = plan.baseUrl;
    void child.exited.then(({ code, signal }) => {
      if (this.child === child) this.child = null;
      // an exit we did not ask for: a crash (while starting or serving)
      if (gen === this.generation && (this.state === 'starting' || this.state === 'ready' || this.state === 'sleeping' || this.state === 'draining')) {
        const why = `exited with ${signal ?? `code ${code}`}${this.lastLines.length ? `: ${this.lastLines.at(-1)}` : ''}`;
        ++this.generation;
        this.pid = null;
        this.baseUrl = null;
        this.crashed(why);
      }
    });
    return plan;
  }

  private crashed(why: string): void {
    this.failures++;
    this.lastError = why;
    this.set(this.failures >= this.host.settings().max_failures ? 'failed' : 'off');
    this.host.changed(this, 'crash');
  }

  private startFailed(gen: number, why: string): false {
    if (gen !== this.generation) return false;
    ++this.generation;
    this.failures++;
    this.lastError = why;
    this.pid = null;
    this.baseUrl = null;
    this.set(this.failures >= this.host.settings().max_failures ? 'failed' : 'off');
    this.host.changed(this, 'start-failed');
    return false;
  }

  private async kill(): Promise<void> {
    const docker = this.launch.docker;
    if (docker) {
      await this.host.containers?.stop(docker.container, Math.ceil(this.host.settings().stop_timeout / 1000)).catch((err: unknown) => {
        this.lastError = `stopping the container: ${(err as Error).message}`;
      });
      return;
    }
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const gone = await Promise.race([child.exited.then(() => true), delay(this.host.settings().stop_timeout).then(() => false)]);
    if (!gone) {
      child.kill('SIGKILL');
      await child.exited;
    }
  }

  private async healthy(url: string): Promise<boolean> {
    return (await this.request('GET', url)) === 200;
  }

  private async isSleeping(): Promise<boolean | null> {
    if (!this.baseUrl) return null;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), PROBE_TIMEOUT_MS);
    try {
      const res = await this.host.http({ url: `${this.baseUrl}/is_sleeping`, method: 'GET', headers: {}, signal: ctl.signal });
      const body = await res.text();
      return res.status === 200 ? (JSON.parse(body) as { is_sleeping?: boolean }).is_sleeping === true : null;
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  private post(path: string, body?: string): Promise<number> {
    return this.request('POST', `${this.baseUrl}${path}`, body, 60_000);
  }

  private async request(method: 'GET' | 'POST', url: string, body?: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<number> {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    try {
      const res = await this.host.http({ url, method, headers: body ? { 'content-type': 'application/json' } : {}, body, signal: ctl.signal, connectTimeoutMs: 1_000 });
      await res.text().catch(() => undefined);
      return res.status;
    } catch {
      return 0;
    } finally {
      clearTimeout(timer);
    }
  }

  private set(state: ServerState): void {
    if (this.state === state) return;
    this.state = state;
    this.host.changed(this, 'state');
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
