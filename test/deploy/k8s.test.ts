import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseConfig } from '../../src/config/parse-config.ts';

// deploy/k8s checked without a cluster or the kustomize binary: the kustomizations are built here
// (resources, components, patches, namespace, images: the subset they use, every path resolved),
// and every object is validated with kubernetes-models (ajv validators generated from the
// Kubernetes 1.27 OpenAPI schemas) and @kubernetes-models/prometheus-operator (the ServiceMonitor
// CRD's schema). Like kubeconform without -strict, those schemas accept unknown fields, so the
// fields that matter are asserted one by one below.

const K8S = fileURLToPath(new URL('../../deploy/k8s/', import.meta.url));

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}
type Json = Record<string, unknown>;
type Container = { name: string; image: string; args?: string[]; env?: { name: string; value?: string }[]; ports?: { name: string; containerPort: number }[]; [k: string]: unknown };
type PodSpec = { containers: Container[]; volumes?: Json[]; securityContext?: Json; terminationGracePeriodSeconds?: number; [k: string]: unknown };
type DeploymentSpec = { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };

const SCHEMAS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

/** Throws naming the object and the failing field; objects of a kind without a schema here fail too. */
function validate(obj: K8sObject): void {
  const Model = SCHEMAS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) throw new Error(`${obj.kind}/${obj.metadata?.name}: no schema for ${obj.apiVersion} ${obj.kind}`);
  try {
    new Model(obj as never).validate();
  } catch (err) {
    throw new Error(`${obj.kind}/${obj.metadata.name}: ${(err as Error).message}`);
  }
}

function readObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    return doc.toJS() as K8sObject;
  });
}

/** Strategic merge as far as these patches need it: maps merge, everything else is replaced. */
function merge(into: Json, patch: Json): void {
  for (const [k, v] of Object.entries(patch)) {
    const cur = into[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)) merge(cur as Json, v as Json);
    else into[k] = v;
  }
}

/** `kustomize build` of a Kustomization (or a Component applied over `inherited`). */
function build(dir: string, inherited: K8sObject[] = []): K8sObject[] {
  const k = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Json;
  const known = ['apiVersion', 'kind', 'namespace', 'resources', 'components', 'patches', 'images'];
  expect(Object.keys(k).filter((key) => !known.includes(key)), `${dir}: fields this check does not build`).toEqual([]);
  expect(k.kind === 'Component' ? 'kustomize.config.k8s.io/v1alpha1' : 'kustomize.config.k8s.io/v1beta1', dir).toBe(k.apiVersion);
  let objects = [...inherited];
  for (const r of (k.resources ?? []) as string[]) {
    const path = join(dir, r);
    objects.push(...(statSync(path).isDirectory() ? build(path) : readObjects(path)));
  }
  for (const c of (k.components ?? []) as string[]) objects = build(join(dir, c), objects);
  for (const { path } of (k.patches ?? []) as { path: string }[]) {
    for (const patch of readObjects(join(dir, path))) {
      const target = objects.find((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
      if (!target) throw new Error(`${dir}/${path}: patches ${patch.kind}/${patch.metadata.name}, which is not among the resources`);
      merge(target, patch);
    }
  }
  if (typeof k.namespace === 'string') for (const o of objects) if (o.kind !== 'Namespace') o.metadata.namespace = k.namespace;
  for (const img of (k.images ?? []) as { name: string; newName?: string; newTag?: string }[]) {
    for (const c of objects.flatMap((o) => (o.kind === 'Deployment' ? (o.spec as DeploymentSpec).template.spec.containers : []))) {
      if (c.image.replace(/[:@].*$/, '') === img.name) c.image = `${img.newName ?? img.name}:${img.newTag ?? 'latest'}`;
    }
  }
  return objects;
}

const find = (objs: K8sObject[], kind: string, name: string): K8sObject => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name} in ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
};
const deploymentSpec = (o: K8sObject) => o.spec as DeploymentSpec;
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const modelsYaml = (objs: K8sObject[]) => (find(objs, 'ConfigMap', 'modeltainer-config').data as Record<string, string>)['models.yaml']!;

const base = build(K8S);
const gpu = build(join(K8S, 'overlays/gpu'));

describe('[node] deploy/k8s manifests', () => {
  it('every object of the base and the GPU overlay passes its Kubernetes / CRD schema', () => {
    expect(base.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/modeltainer-config', 'Deployment/modeltainer', 'Deployment/modeltainer-redis', 'Namespace/modeltainer',
      'PodDisruptionBudget/modeltainer', 'Service/modeltainer', 'Service/modeltainer-redis',
    ]);
    expect(gpu.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(expect.arrayContaining(['Deployment/vllm', 'Service/vllm', 'ServiceMonitor/modeltainer']));
    for (const o of [...base, ...gpu]) expect(() => validate(o)).not.toThrow();
    for (const o of [...base, ...gpu]) if (o.kind !== 'Namespace') expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('modeltainer');
  });

  it('the validator rejects broken manifests, naming the field', () => {
    const broken = structuredClone(find(base, 'Deployment', 'modeltainer'));
    deploymentSpec(broken).template.spec.containers[0]!.ports = [{ name: 'http', containerPort: '8081' as never }];
    expect(() => validate(broken)).toThrow(/Deployment\/modeltainer: .*containers\/0\/ports\/0\/containerPort must be integer/);
    const noSelector = structuredClone(find(base, 'Deployment', 'modeltainer'));
    delete (noSelector.spec as Partial<DeploymentSpec>).selector;
    expect(() => validate(noSelector)).toThrow(/must have required property selector/);
    const monitor = structuredClone(find(gpu, 'ServiceMonitor', 'modeltainer'));
    (monitor.spec as { endpoints: Json[] }).endpoints[0]!.interval = 'every 15 seconds';
    expect(() => validate(monitor)).toThrow(/endpoints\/0\/interval must match pattern/);
    expect(() => validate({ apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'old' } })).toThrow(/no schema/);
  });

  it('the gateway: 2+ non-root, read-only, capability-free replicas with probes and a drain that fits the grace period', () => {
    const spec = deploymentSpec(find(base, 'Deployment', 'modeltainer'));
    const pod = spec.template.spec;
    const gw = pod.containers[0]!;
    expect(spec.replicas).toBeGreaterThanOrEqual(2);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(gw.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(gw.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'http' } });
    expect(gw.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
    expect(gw.ports).toEqual([expect.objectContaining({ name: 'http', containerPort: 8081 })]);
    expect(gw.env).toEqual(expect.arrayContaining([{ name: 'HOST', value: '0.0.0.0' }, { name: 'PORT', value: '8081' }]));

    const preStop = JSON.stringify((gw.lifecycle as { preStop: unknown }).preStop);
    const preStopMs = Number(/setTimeout\(.*?(\d+)\)/.exec(preStop)?.[1]);
    expect(preStopMs).toBeGreaterThanOrEqual(3000);
    const drainMs = parseConfig(modelsYaml(base), { env: {} }).server.drain_timeout;
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(preStopMs + drainMs);
  });

  it('the config is a ConfigMap mounted as a directory (updates arrive) holding a valid models.yaml', () => {
    for (const objs of [base, gpu]) {
      const pod = deploymentSpec(find(objs, 'Deployment', 'modeltainer')).template.spec;
      const gw = pod.containers[0]!;
      const file = gw.env!.find((e) => e.name === 'MODELTAINER_CONFIG')!.value!;
      const mount = (gw.volumeMounts as { name: string; mountPath: string; subPath?: string }[]).find((m) => m.mountPath === dirname(file))!;
      expect(mount.subPath).toBeUndefined();
      const volume = pod.volumes!.find((v) => v.name === mount.name) as { configMap: { name: string } };
      const cm = find(objs, 'ConfigMap', volume.configMap.name);
      expect(Object.keys(cm.data as Json)).toContain(basename(file));
      const config = parseConfig(modelsYaml(objs), { file: 'models.yaml', env: { VLLM_API_KEY: 'k' } });
      // the Redis URL names the Redis Service and its port
      const redis = find(objs, 'Service', 'modeltainer-redis').spec as { ports: { port: number }[] };
      expect(config.rateLimits).toMatchObject({ store: 'redis', redis_url: `redis://modeltainer-redis:${redis.ports[0]!.port}` });
    }
  });

  it('Services, the PodDisruptionBudget and the ServiceMonitor select the pods and ports that exist', () => {
    for (const [svc, deploy] of [['modeltainer', 'modeltainer'], ['modeltainer-redis', 'modeltainer-redis'], ['vllm', 'vllm']] as const) {
      const service = find(gpu, 'Service', svc).spec as { selector: Record<string, string>; ports: { name: string; targetPort: string }[] };
      const pod = deploymentSpec(find(gpu, 'Deployment', deploy)).template;
      expect(selects(service.selector, pod.metadata.labels), svc).toBe(true);
      const portNames = pod.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name));
      for (const p of service.ports) expect(portNames, svc).toContain(p.targetPort);
    }
    const gateway = deploymentSpec(find(base, 'Deployment', 'modeltainer'));
    const pdb = find(base, 'PodDisruptionBudget', 'modeltainer').spec as { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    expect(selects(pdb.selector.matchLabels, gateway.template.metadata.labels)).toBe(true);
    expect(pdb.minAvailable).toBeLessThan(gateway.replicas);
    const monitor = find(gpu, 'ServiceMonitor', 'modeltainer').spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
    const service = find(gpu, 'Service', 'modeltainer');
    expect(selects(monitor.selector.matchLabels, service.metadata.labels!)).toBe(true);
    expect(monitor.endpoints[0]).toMatchObject({ port: (service.spec as { ports: { name: string }[] }).ports[0]!.name, path: '/metrics' });
  });

  it('pods in the base meet the restricted Pod Security level its namespace enforces', () => {
    expect(find(base, 'Namespace', 'modeltainer').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    for (const o of base.filter((x) => x.kind === 'Deployment')) {
      const pod = deploymentSpec(o).template.spec;
      expect(pod.securityContext, o.metadata.name).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of pod.containers) {
        expect(c.securityContext, c.name).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
    }
  });

  it('the vLLM component: one GPU, and the gateway routes a model to its Service under its served name', () => {
    const vllm = deploymentSpec(find(gpu, 'Deployment', 'vllm')).template.spec.containers[0]!;
    expect((vllm.resources as { limits: Json }).limits['nvidia.com/gpu']).toBe(1);
    const arg = (name: string) => vllm.args!.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
    const model = parseConfig(modelsYaml(gpu), { env: { VLLM_API_KEY: 'k' } }).models.find((m) => m.backend === 'vllm')!;
    const port = (find(gpu, 'Service', 'vllm').spec as { ports: { port: number }[] }).ports[0]!.port;
    expect(model.targetConfigs.map((t) => t.url)).toEqual([`http://vllm:${port}`]);
    expect(model.upstreamModel).toBe(arg('model'));
    // without the component nothing asks for a GPU or a CRD
    expect(JSON.stringify(base)).not.toMatch(/nvidia\.com\/gpu|monitoring\.coreos\.com/);
  });
});
