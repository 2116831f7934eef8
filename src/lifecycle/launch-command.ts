import type { LaunchConfig } from '../config/lifecycle-schema.ts';

/** How to start one model server: argv, extra environment, and where it answers. */
export interface LaunchPlan {
  cmd: string[];
  env: Record<string, string>;
  baseUrl: string;
  healthUrl: string;
}

/**
 * The command line of a launch spec on `port`. llama-server gets `--model`, `--host
 * 127.0.0.1` and `--port` added (the gateway owns those); a command gets `${PORT}` replaced.
 * `device` (a GPU id) becomes CUDA_VISIBLE_DEVICES.
 */
export function launchPlan(launch: LaunchConfig, port: number, device: string | null): LaunchPlan {
  const cuda: Record<string, string> = device === null ? {} : { CUDA_VISIBLE_DEVICES: device };
  const baseUrl = `http://127.0.0.1:${port}`;
  if (launch.llamacpp) {
    const l = launch.llamacpp;
    return {
      cmd: [l.binary, '--model', l.model_path, ...l.flags, '--host', '127.0.0.1', '--port', String(port)],
      env: { ...l.env, ...cuda },
      baseUrl,
      healthUrl: `${baseUrl}/health`,
    };
  }
  if (launch.command) {
    const c = launch.command;
    const fill = (s: string) => s.replaceAll('${PORT}', String(port));
    return {
      cmd: c.cmd.map(fill),
      env: { ...Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, fill(v)])), ...cuda },
      baseUrl,
      healthUrl: `${baseUrl}${c.health_path}`,
    };
  }
  const d = launch.docker!;
  const base = d.url.replace(/\/+$/, '');
  return { cmd: [], env: {}, baseUrl: base, healthUrl: `${base.replace(/\/v1$/, '')}${d.health_path}` };
}

/** Equal keys: a reload left the launch spec alone, so the running server stays (same pid). */
export function launchKey(launch: LaunchConfig | undefined): string {
  return launch ? JSON.stringify(launch) : '';
}
