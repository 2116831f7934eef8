// backends/compose checked as Docker Compose would read it, without a Docker engine: the Compose
// Specification's JSON schema (the copy dclint ships) under ajv, profiles expanded, ${VAR}s against
// .env.example, and every host name the gateway and Prometheus use resolved to a service and port.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { nodeCapabilities } from '../../adapters/node/node-host.ts';
import { parseConfig, parseSimArgs } from '../../src/index.ts';
import {
  activeServices, allProfiles, COMPOSE_DIR, dependenciesOf, hostNamesOf, interpolate, interpolateAll, networksOf,
  parseCompose, parseEnvFile, readCompose, ROOT, variableUses, type Service,
} from './compose-file.ts';

const require = createRequire(import.meta.url);
const FILES = ['compose.yaml', 'compose.ports.yaml'];

// The schema: compose-spec's schema/compose-spec.json as dclint (a Compose linter) ships it.
// (dclint's exports map lists no schema path: find the file beside its package.json)
const SCHEMA_FILE = join(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json');
const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { $schema: string; title: string };
const ajv = new Ajv({ allErrors: true, strict: false });
// It names its meta-schema by the https address; ajv knows draft-07 by the http one.
ajv.addMetaSchema({ ...(require('ajv/dist/refs/json-schema-draft-07.json') as object), $id: schema.$schema });
const validate = ajv.compile(schema);
const schemaErrors = (doc: unknown): string[] => (validate(doc) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message}`));

const example = parseEnvFile(readCompose('.env.example'));
const SECRETS = { MODELTAINER_API_KEY: 'test-client-key-0123456789', VLLM_API_KEY: 'test-vllm-key-0123456789', GRAFANA_ADMIN_PASSWORD: 'test-grafana' };
/** .env.example with its blank secrets filled in, as an operator's .env would be. */
const env: Record<string, string> = { ...Object.fromEntries(example), ...SECRETS };

const raw = parseCompose(readCompose('compose.yaml'));
const compose = interpolateAll(raw, env);
const services = compose.services;

/** One service per profile group; every service is in exactly one profile. */
const PROFILES: Record<string, string[]> = {
  gateway: ['gateway'],
  sim: ['llama-cpp-sim-1', 'llama-cpp-sim-2', 'vllm-sim'],
  vllm: ['vllm-1'],
  'vllm-rocm': ['vllm-rocm-1'],
  llamacpp: ['llama-cpp-1', 'llama-cpp-2'],
  redis: ['redis'],
  monitoring: ['grafana', 'prometheus'],
  tunnel: ['cloudflared'],
};
/** The combinations .env.example offers. */
const STACKS: Record<string, string[]> = {
  laptop: example.get('COMPOSE_PROFILES')!.split(','),
  nvidia: ['gateway', 'vllm', 'llamacpp', 'redis', 'monitoring', 'tunnel'],
  amd: ['gateway', 'vllm-rocm', 'llamacpp', 'redis', 'monitoring'],
};

/** The arguments a container starts with: entrypoint then command. */
const argv = (s: Service): string[] => [...(s.entrypoint ?? []), ...(s.command ?? [])];
/** The port a service listens on: --port in its arguments, PORT in its environment, or the image's own. */
function listenPort(name: string): number {
  const args = argv(services[name]!);
  const i = args.indexOf('--port');
  if (i >= 0) return Number(args[i + 1]);
  const known: Record<string, number> = { redis: 6379, prometheus: 9090, grafana: 3000 };
  return Number(services[name]!.environment?.PORT ?? known[name]);
}
/** The gateway's config as the gateway container parses it, with that container's environment. */
const gatewayConfig = () =>
  parseConfig(readFileSync(join(ROOT, 'config/models.compose.yaml'), 'utf8'), { file: 'config/models.compose.yaml', env: services.gateway!.environment!, capabilities: nodeCapabilities });

describe('[node] Compose files against the Compose Specification schema', () => {
  it('[node] every Compose file is valid as written and after interpolation with .env.example', () => {
    expect(schema.title).toBe('Compose Specification');
    for (const file of FILES) {
      const doc = parseCompose(readCompose(file));
      expect(schemaErrors(doc), file).toEqual([]);
      expect(schemaErrors(interpolateAll(doc, env)), file).toEqual([]);
    }
  });

  it('[node] the validator rejects a broken copy, naming the field', () => {
    const broken = structuredClone(raw) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.gateway!.ports = '8081:8081';                                 // a list, not a string
    broken.services.redis!.restart_policy = 'always';                             // no such key
    broken.services.gateway!.depends_on = { redis: { condition: 'healthy' } };    // not a condition
    const errors = schemaErrors(broken);
    expect(errors).toContain('/services/gateway/ports must be array');
    expect(errors).toContain('/services/redis must NOT have additional properties');
    expect(errors.some((e) => e.startsWith('/services/gateway/depends_on/redis/condition must be equal to one of the allowed values'))).toBe(true);
    // and without merge keys resolved, `<<` is no service field
    expect(schemaErrors(parseYaml(readCompose('compose.yaml')))).toContain('/services/gateway must NOT have additional properties');
  });
});

describe('[node] Compose profiles', () => {
  it('[node] each profile enables exactly its services', () => {
    expect(allProfiles(raw)).toEqual(Object.keys(PROFILES).sort());
    for (const [profile, names] of Object.entries(PROFILES)) expect(activeServices(raw, [profile]).sort(), profile).toEqual(names);
  });

  it('[node] every ${VAR} a profile uses is in .env.example, with the same default, and .env.example lists nothing unused', () => {
    const ports = parseCompose(readCompose('compose.ports.yaml'));
    const used = new Set<string>();
    for (const profile of Object.keys(PROFILES)) {
      const uses = [
        ...activeServices(raw, [profile]).flatMap((n) => variableUses(raw.services[n])),
        ...activeServices(ports, [profile]).filter((n) => raw.services[n]?.profiles?.includes(profile)).flatMap((n) => variableUses(ports.services[n])),
      ];
      for (const u of uses) {
        used.add(u.name);
        expect(example.has(u.name), `${profile}: \${${u.name}} is not in .env.example`).toBe(true);
        // the example shows the value Compose uses when the line is left out (but for RATE_LIMIT_STORE:
        // the example's profiles include redis, the file's default works without it)
        if ((u.op === ':-' || u.op === '-') && u.name !== 'RATE_LIMIT_STORE') expect(example.get(u.name), u.name).toBe(u.arg);
      }
    }
    const composeOwn = ['COMPOSE_PROFILES', 'COMPOSE_FILE'];
    expect([...example.keys()].filter((v) => !used.has(v) && !composeOwn.includes(v))).toEqual([]);
  });

  it('[node] with .env.example as it is Compose stops on a blank secret; filled in, the whole file interpolates', () => {
    const required = new Set(variableUses(raw).filter((u) => u.op === ':?' || u.op === '?').map((u) => u.name));
    expect(required).toEqual(new Set(Object.keys(SECRETS)));
    for (const name of required) expect(example.get(name), name).toBe('');
    expect(() => interpolateAll(raw, Object.fromEntries(example))).toThrow(/required variable (MODELTAINER_API_KEY|VLLM_API_KEY|GRAFANA_ADMIN_PASSWORD)/);
    expect(() => interpolateAll(raw, env)).not.toThrow();
    // Compose interpolates every service before it applies profiles: a profile's own variables must
    // not be required, or stacks without that profile would not start (TUNNEL_TOKEN, HF_TOKEN)
    for (const name of ['TUNNEL_TOKEN', 'HF_TOKEN']) expect(required.has(name), name).toBe(false);
    expect(interpolate('$${KEEP} ${A:-x} ${B:+y}', { B: '1' })).toBe('${KEEP} x y');
  });

  it('[node] in every offered stack, dependencies are enabled and each host name is one service', () => {
    for (const [stack, profiles] of Object.entries(STACKS)) {
      expect(readCompose('.env.example'), stack).toContain(profiles.join(','));
      const on = activeServices(compose, profiles);
      for (const name of on) {
        for (const dep of dependenciesOf(services[name]!)) if (dep.required) expect(on, `${stack}: ${name} needs ${dep.name}`).toContain(dep.name);
      }
      const hosts = on.flatMap((n) => hostNamesOf(n, services[n]!));
      expect(hosts.filter((h, i) => hosts.indexOf(h) !== i), stack).toEqual([]);
    }
  });

  it('[node] every host:port the gateway config and Prometheus use is a service listening there, in every stack', () => {
    const cfg = gatewayConfig();
    const endpoints = cfg.models.flatMap((m) => m.targetConfigs.map((t) => new URL(t.url).host));
    endpoints.push(new URL(cfg.rateLimits.redis_url!).host);
    const prom = parseYaml(readCompose('prometheus/prometheus.yml')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    endpoints.push(...prom.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets)));
    const grafanaDs = parseYaml(readCompose('grafana/provisioning/datasources/prometheus.yml')) as { datasources: { url: string }[] };
    endpoints.push(new URL(grafanaDs.datasources[0]!.url).host);
    expect(endpoints).toEqual(expect.arrayContaining(['vllm-1:8000', 'llama-cpp-1:8080', 'llama-cpp-2:8082', 'redis:6379', 'gateway:8081', 'prometheus:9090']));
    for (const [stack, profiles] of Object.entries(STACKS)) {
      const on = activeServices(compose, profiles);
      for (const endpoint of endpoints) {
        const [host, port] = endpoint.split(':') as [string, string];
        const servers = on.filter((n) => hostNamesOf(n, services[n]!).includes(host));
        expect(servers, `${stack}: ${endpoint}`).toHaveLength(1);
        expect(listenPort(servers[0]!), `${stack}: ${endpoint}`).toBe(Number(port));
      }
    }
  });
});

describe('[node] Compose services', () => {
  it('[node] only the gateway publishes a port; compose.ports.yaml adds Prometheus and Grafana on MONITORING_BIND', () => {
    expect(Object.keys(services).filter((n) => services[n]!.ports)).toEqual(['gateway']);
    expect(services.gateway!.ports).toEqual(['127.0.0.1:8081:8081']);
    const extra = parseCompose(readCompose('compose.ports.yaml')).services;
    expect(Object.keys(extra).sort()).toEqual(['grafana', 'prometheus']);
    for (const s of Object.values(extra)) for (const p of s.ports ?? []) expect(p).toMatch(/^\$\{MONITORING_BIND:-127\.0\.0\.1\}:/);
  });

  it('[node] the tunnel shares a network with the gateway and nothing else', () => {
    const tunnelNets = networksOf(services.cloudflared!);
    const reachable = Object.keys(services).filter((n) => n !== 'cloudflared' && networksOf(services[n]!).some((net) => tunnelNets.includes(net)));
    expect(reachable).toEqual(['gateway']);
    expect(services.cloudflared!.environment?.TUNNEL_TOKEN).toBe(env.TUNNEL_TOKEN);
    for (const name of Object.keys(services)) for (const net of networksOf(services[name]!)) expect(compose.networks, `${name}: ${net}`).toHaveProperty([net]);
  });

  it('[node] the gateway and simulators run from the image read-only, without capabilities or a tmpfs', () => {
    const fromImage = Object.keys(services).filter((n) => services[n]!.build);
    expect(fromImage.sort()).toEqual(['gateway', 'llama-cpp-sim-1', 'llama-cpp-sim-2', 'vllm-sim']);
    for (const name of fromImage) {
      const s = services[name]!;
      expect(s.build?.context, name).toBe('../..');
      expect(existsSync(join(COMPOSE_DIR, s.build!.context, s.build!.dockerfile ?? 'Dockerfile')), name).toBe(true);
      expect(s.image, name).toBe(services.gateway!.image);
      expect([s.read_only, s.cap_drop, s.tmpfs], name).toEqual([true, ['ALL'], undefined]);
    }
    for (const [name, s] of Object.entries(services)) expect(s.security_opt, name).toContain('no-new-privileges:true');
  });

  it('[node] the gateway reads models.compose.yaml from its mounted folder, and drains before Docker kills it', () => {
    const gw = services.gateway!;
    const file = gw.environment!.MODELTAINER_CONFIG!;
    const mount = gw.volumes!.map((v) => v.split(':')).find(([, dst]) => file.startsWith(`${dst}/`))!;
    expect(mount[2]).toBe('ro');
    expect(existsSync(join(COMPOSE_DIR, mount[0]!, posix.relative(mount[1]!, file)))).toBe(true);
    // every ${VAR} in the config is in the gateway's environment, which is all it can see
    const vars = variableUses(parseYaml(readFileSync(join(ROOT, 'config/models.compose.yaml'), 'utf8'))).map((u) => u.name);
    expect(vars.length).toBeGreaterThan(0);
    for (const v of vars) expect(Object.keys(raw.services.gateway!.environment!), v).toContain(v);
    const cfg = gatewayConfig();
    expect(cfg.rateLimits.store).toBe('redis'); // from .env.example
    expect(Number.parseInt(gw.stop_grace_period!, 10) * 1000).toBeGreaterThan(cfg.server.drain_timeout);
  });

  it('[node] every bind mount exists and every named volume is declared', () => {
    for (const [name, s] of Object.entries(raw.services)) {
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (src.includes('$')) continue; // the operator's own folder (LLAMA_MODEL_DIR)
        if (src.startsWith('.')) expect(existsSync(join(COMPOSE_DIR, src)), `${name}: ${src}`).toBe(true);
        else expect(raw.volumes, `${name}: ${src}`).toHaveProperty([src]);
      }
    }
  });

  it('[node] each simulator runs its real server’s arguments, which the simulator accepts', () => {
    const cfg = gatewayConfig();
    for (const [simName, realName] of [['vllm-sim', 'vllm-1'], ['llama-cpp-sim-1', 'llama-cpp-1'], ['llama-cpp-sim-2', 'llama-cpp-2']] as const) {
      const sim = services[simName]!;
      const real = services[realName]!;
      expect(sim.command, simName).toEqual(real.command);
      expect(hostNamesOf(simName, sim), simName).toContain(realName);
      expect(sim.entrypoint!.slice(0, 3), simName).toEqual(['node', 'dist/modeltainer.mjs', 'sim']);
      const args = parseSimArgs(argv(sim).slice(3));
      expect(args.port, simName).toBe(listenPort(realName));
      expect(args.host, simName).toBe('0.0.0.0');
    }
    // vLLM answers 404 for another model name and 401 without the key: the config sends both
    const vllm = parseSimArgs(['--flavor', 'vllm', ...services['vllm-1']!.command!]);
    const gpu = cfg.models.find((m) => m.backend === 'vllm')!;
    expect(vllm.model).toBe(gpu.upstreamModel);
    expect(gpu.headers.Authorization).toBe(`Bearer ${vllm.apiKey}`);
    expect(parseSimArgs(services['llama-cpp-2']!.command!).embeddings).toBe(true);
    expect(cfg.models.find((m) => m.targetConfigs[0]?.url.includes('llama-cpp-2'))?.format).toBe('embeddings');
  });

  it('[node] the GPU servers get their devices', () => {
    const nvidia = services['vllm-1']!.deploy as { resources: { reservations: { devices: { driver: string; count: string; capabilities: string[] }[] } } };
    expect(nvidia.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: '1', capabilities: ['gpu'] }]);
    const rocm = services['vllm-rocm-1']!;
    expect(rocm.devices).toEqual(['/dev/kfd', '/dev/dri']);
    expect(rocm.group_add).toEqual(['video', 'render']);
    for (const name of ['vllm-1', 'vllm-rocm-1']) {
      expect(services[name]!.volumes, name).toContain('hf-cache:/root/.cache/huggingface');
      expect(services[name]!.healthcheck?.test?.join(' '), name).toContain('/health');
    }
  });
});
