import type { ModelEntry } from '../config/snapshot.ts';
import type { TargetConfig } from '../config/schema.ts';
import type { UpstreamFetch } from '../deps.ts';
import { endpoints, upstreamUrl, type EndpointName } from '../proxy/endpoints.ts';
import { createSimulator } from '../sim/index.ts';
import type { Target } from './target.ts';

/** The in-process simulator's address: only ever seen by its own transport. */
const SIM_ORIGIN = 'http://sim.internal';

/**
 * The targets a model entry asks for. Pass the targets the model has now: one whose id is
 * unchanged keeps its transport (an in-process simulator keeps its slots and fault queue).
 */
export function buildTargets(model: ModelEntry, http: UpstreamFetch, existing: ReadonlyMap<string, Target>, registered: readonly string[] = []): Target[] {
  // a launched model's one target is the server it started, set by the lifecycle when ready
  if (model.launch) return [];
  if (model.backend === 'sim') {
    const id = simId(model);
    const transport = existing.get(id)?.transport ?? simTransport(model);
    return [makeTarget(model, id, `sim:${model.sim?.flavor ?? 'llamacpp'}`, SIM_ORIGIN, transport, null)];
  }
  const kind = model.backend ?? 'openai';
  const targets = model.targetConfigs.map((t) => makeTarget(model, targetId(t.url), labelOf(kind, t.url), t.url, http, t));
  // targets that registered at run time (POST /admin/targets); one the config lists already is that one
  for (const url of registered) {
    const id = targetId(url);
    if (!targets.some((t) => t.id === id)) targets.push(makeTarget(model, id, labelOf(kind, url), url, http, null));
  }
  return targets;
}

/**
 * The target of a launched model's server at `baseUrl`. Its id and label stay the same across
 * restarts on other ports, so its state and metric series carry over.
 */
export function launchedTarget(model: ModelEntry, baseUrl: string, http: UpstreamFetch): Target {
  return makeTarget(model, `launched:${model.name}`, `launched:${model.name}`, baseUrl, http, null);
}

/** A target's identity: its URL without a trailing slash. */
export function targetId(url: string): string {
  return url.replace(/\/+$/, '');
}

function makeTarget(model: ModelEntry, id: string, label: string, baseUrl: string, transport: UpstreamFetch, cfg: TargetConfig | null): Target {
  const urls = {} as Record<EndpointName, string>;
  for (const name of Object.keys(endpoints) as EndpointName[]) urls[name] = upstreamUrl(baseUrl, name);
  const base = baseUrl.replace(/\/+$/, '');
  return Object.freeze({
    id,
    label,
    baseUrl,
    urls: Object.freeze(urls),
    healthUrl: `${base.replace(/\/v1$/, '')}${model.healthSettings.path}`,
    transport,
    headers: Object.freeze({ ...model.headers, ...cfg?.headers }),
    timeouts: model.timeouts,
    maxConcurrent: cfg?.max_concurrent,
    weight: cfg?.weight ?? 1,
  });
}

function labelOf(kind: string, url: string): string {
  try {
    return `${kind}:${new URL(url).host}`;
  } catch {
    return kind;
  }
}

/** Changes to anything the simulator is built from make a new simulator. */
function simId(model: ModelEntry): string {
  return `sim:${JSON.stringify([model.sim ?? null, model.upstreamModel, model.format])}`;
}

function simTransport(model: ModelEntry): UpstreamFetch {
  const sim = model.sim;
  const simulator = createSimulator({
    flavor: sim?.flavor ?? 'llamacpp',
    model: model.upstreamModel,
    ttftMs: sim?.ttft ?? 50,
    tokenDelayMs: sim?.token_delay ?? 20,
    defaultMaxTokens: sim?.max_tokens ?? 16,
    // like the real servers, a simulator is either generative or an embedding model
    embeddings: sim?.embeddings ?? model.format === 'embeddings',
    rerank: model.format === 'rerank',
  });
  return (req) => simulator.fetch(new Request(req.url, { method: req.method, headers: req.headers, body: req.body ?? null, signal: req.signal }));
}
