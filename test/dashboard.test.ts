/**
 * The Compose stack's observability provisioning (backends/compose): the Grafana dashboard and
 * the Prometheus rules may only use metric names that really exist — the gateway's, read from a
 * live in-process gateway's GET /metrics, and the backends', read from the captured /metrics
 * fixtures. The stack itself is checked in test/deploy/. No Docker is needed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createHttpMetrics } from '../adapters/node/http-metrics.ts';
import { nodeCapabilities } from '../adapters/node/node-host.ts';
import { createGateway, createGatewayMetrics, createConfigStore, createSimulator, parseConfig, type UpstreamFetch } from '../src/index.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const COMPOSE_DIR = join(ROOT, 'backends/compose');
const readCompose = (path: string) => readFileSync(join(COMPOSE_DIR, path), 'utf8');
const yamlOf = <T>(path: string): T => parseYaml(readCompose(path), { merge: true }) as T;
const FIXTURES = new URL('../../shared/fixtures/', import.meta.url);

// ------------------------------------------------------------------ shapes of the files under test

interface Target {
  refId?: string;
  expr?: unknown;
  legendFormat?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  gridPos?: { x?: unknown; y?: unknown; w?: unknown; h?: unknown };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface TemplateVar {
  name: string;
  type: string;
  query?: unknown;
  definition?: string;
  datasource?: { type?: string; uid?: string };
}
interface Dashboard {
  uid?: unknown;
  title?: unknown;
  schemaVersion?: unknown;
  panels?: Panel[];
  templating?: { list?: TemplateVar[] };
  time?: { from?: string; to?: string };
}
interface PromConfig {
  global?: { scrape_interval?: string; evaluation_interval?: string };
  rule_files?: string[];
  scrape_configs?: { job_name?: string; metrics_path?: string; static_configs?: { targets?: string[] }[] }[];
}
interface AlertRules {
  groups?: { name?: string; rules?: { alert?: string; expr?: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
}

// ------------------------------------------------------------------ Prometheus text format

interface Family {
  type: string;
  labels: Set<string>;
}

/** Metric families (`# TYPE` lines) and the label names their samples carry. */
function familiesOf(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const lines = text.split(/\r?\n/);
  for (const line of lines) {
    const m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (m) families.set(m[1]!, { type: m[2]!, labels: new Set() });
  }
  for (const line of lines) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+\S/.exec(line);
    if (!m) continue;
    const family = families.get(familyName(m[1]!, families) ?? '');
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) family?.labels.add(l[1]!);
  }
  return families;
}

/** The family a series name belongs to: itself, or a histogram/summary's _bucket/_sum/_count. */
function familyName(name: string, families: Map<string, Family>): string | undefined {
  if (families.has(name)) return name;
  const m = /^(.+)_(bucket|sum|count)$/.exec(name);
  const base = m?.[1];
  const type = base === undefined ? undefined : families.get(base)?.type;
  if (base !== undefined && (type === 'histogram' || (type === 'summary' && m?.[2] !== 'bucket'))) return base;
  return undefined;
}

// ------------------------------------------------------------------ PromQL: names and labels used

const AGGREGATORS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'start', 'end', 'atan2']);
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
/** Grafana's own variables; the dashboard's are checked against its templating list. */
const GRAFANA_MACROS = /\$\{?__[a-z_]+\}?/g;

interface ExprUse {
  metrics: string[];
  /** label names in selectors ({model="a"}) */
  matchers: string[];
  /** label names in by / without / on / ignoring / group_x lists */
  grouping: string[];
  /** an aggregation operator (sum, max, …) is applied somewhere */
  aggregated: boolean;
}

/**
 * The metric names and label names an expression uses: identifiers that are not functions (followed
 * by `(`), aggregation operators or keywords, outside strings, selectors and range brackets.
 */
function analyzeExpr(expr: string): ExprUse {
  const src = expr.replace(GRAFANA_MACROS, '5m');
  const metrics = new Set<string>();
  const matchers = new Set<string>();
  const grouping = new Set<string>();
  let aggregated = false;
  let i = 0;
  const skipSpace = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const skipString = () => {
    const quote = src[i++];
    while (i < src.length && src[i] !== quote) i += src[i] === '\\' ? 2 : 1;
    i++;
  };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '#') while (i < src.length && src[i] !== '\n') i++;
    else if (c === '"' || c === "'" || c === '`') skipString();
    else if (c === '[') i = src.indexOf(']', i) + 1 || src.length;
    else if (c === '{') {
      i++;
      while (i < src.length && src[i] !== '}') {
        if (src[i] === '"' || src[i] === "'" || src[i] === '`') skipString();
        else {
          const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(src.slice(i));
          if (!label) i++;
          else {
            i += label[0].length;
            skipSpace();
            if (/^(=~|!~|!=|=)/.test(src.slice(i))) matchers.add(label[0]);
          }
        }
      }
      i++;
    } else if (/[0-9.]/.test(c)) {
      i += /^(0x[0-9a-f]+|[0-9.]+(e[+-]?[0-9]+)?[a-z0-9]*)/i.exec(src.slice(i))?.[0].length ?? 1;
    } else {
      const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(src.slice(i))?.[0];
      if (!ident) {
        i++;
        continue;
      }
      i += ident.length;
      const after = i;
      skipSpace();
      const next = src[i];
      if (LABEL_LISTS.has(ident) && next === '(') {
        const close = src.indexOf(')', i);
        for (const l of src.slice(i + 1, close).split(',')) if (l.trim()) grouping.add(l.trim());
        i = close + 1;
        continue;
      }
      i = after;
      if (AGGREGATORS.has(ident)) aggregated = true;
      if (next === '(' || AGGREGATORS.has(ident) || KEYWORDS.has(ident.toLowerCase())) continue;
      metrics.add(ident);
    }
  }
  return { metrics: [...metrics], matchers: [...matchers], grouping: [...grouping], aggregated };
}

// ------------------------------------------------------------------ the real metric names

/** Series Prometheus itself adds to every target. */
const PROMETHEUS_SYNTHETIC = new Map<string, Family>([['up', { type: 'gauge', labels: new Set() }]]);
/** Labels Prometheus attaches to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];

let gatewayFamilies: Map<string, Family>;
let httpFamilies: Map<string, Family>;
let vllmFamilies: Map<string, Family>;
let llamaFamilies: Map<string, Family>;

beforeAll(async () => {
  // A gateway in-process: a simulated model, plus a vLLM-style model whose first attempt gets a 503
  // so that every family of the gateway has at least one series (retries included).
  const backend = createSimulator({ flavor: 'vllm', model: 'upstream-model', ttftMs: 0, tokenDelayMs: 1, defaultMaxTokens: 3 });
  let failNext = true;
  const upstream: UpstreamFetch = async (req) => {
    if (req.method === 'POST' && new URL(req.url).hostname === 'dead.test') {
      return new Response('{"error":"down"}', { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '0' } });
    }
    if (req.method === 'POST' && failNext) {
      failNext = false;
      return new Response('{"error":"busy"}', { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '0' } });
    }
    return backend.fetch(new Request(req.url, { method: req.method, headers: req.headers, body: req.body ?? null, signal: req.signal }));
  };
  const configText = `version: 1
server: { retry: { attempts: 2, base_delay: 1ms } }
models:
  - { name: sim-chat, backend: sim, sim: { ttft: 0ms, token_delay: 1ms, max_tokens: 3 }, shadow: { model: sim-shadow } }
  - { name: sim-shadow, backend: sim, sim: { ttft: 0ms, token_delay: 1ms, max_tokens: 3 } }
  - { name: flaky, backend: vllm, backend_url: "http://flaky.test:8000", upstream_model: upstream-model }
  - { name: dead, backend: vllm, backend_url: "http://dead.test:8000", upstream_model: upstream-model, fallbacks: [sim-chat] }
  - { name: narrow, backend: sim, sim: { ttft: 100ms, token_delay: 1ms, max_tokens: 3 }, max_concurrent: 1, max_queue: 1 }
  - { name: launched, backend: llamacpp, launch: { llamacpp: { model_path: /models/x.gguf } } }
  - { name: cached, backend: sim, sim: { ttft: 5ms, token_delay: 1ms, max_tokens: 3 }, cache: { only_deterministic: false, max_entries: 1 } }
`;
  const config = parseConfig(configText);
  const httpMetrics = createHttpMetrics();
  const configSource = { file: 'inline.yaml', read: async () => configText, env: {}, capabilities: nodeCapabilities };
  const metrics = createGatewayMetrics();
  const gateway = createGateway({ config: createConfigStore(config), upstream, logger: { log: () => undefined }, httpMetrics, configSource, metrics });
  // what a launched model's lifecycle records (its state gauge comes from the runtime itself)
  metrics.modelStarted('launched', 2.5);
  metrics.modelCrashed('launched');
  metrics.modelEvicted('launched', 'narrow');
  const app = gateway.app;
  const chat = async (model: string, stream: boolean) => {
    const res = await app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hello there' }], max_tokens: 3 }),
    });
    await res.text();
    return res.status;
  };
  expect(await chat('sim-chat', true)).toBe(200);
  expect(await chat('flaky', false)).toBe(200);
  expect(await chat('no-such-model', false)).toBe(404);
  expect(await chat('dead', false)).toBe(200); // answered by its fallback
  // one runs, one waits in the queue, one finds the queue full
  expect((await Promise.all([chat('narrow', false), chat('narrow', false), chat('narrow', false)])).sort()).toEqual([200, 200, 429]);
  // the response cache: a miss with an identical request waiting for it, a hit, then a stream that evicts the body (max_entries 1)
  expect(await Promise.all([chat('cached', false), chat('cached', false), chat('cached', false)])).toEqual([200, 200, 200]);
  expect(await chat('cached', true)).toBe(200);
  await gateway.reload('test');
  await gateway.runtime.probeAll();
  await new Promise((r) => setTimeout(r, 20)); // streams record their metrics when they end
  const res = await app.request('/metrics');
  expect(res.status).toBe(200);
  const all = familiesOf(await res.text());
  httpFamilies = familiesOf(await httpMetrics.render());
  gatewayFamilies = new Map([...all].filter(([name]) => !httpFamilies.has(name)));

  vllmFamilies = familiesOf(readFileSync(new URL('vllm/metrics.http', FIXTURES), 'utf8'));
  const llamaDir = new URL('llama-server/', FIXTURES);
  const llamaFiles = readdirSync(llamaDir).filter((f) => /^metrics-.*\.http$/.test(f));
  expect(llamaFiles.length).toBeGreaterThan(0);
  llamaFamilies = new Map(llamaFiles.flatMap((f) => [...familiesOf(readFileSync(new URL(f, llamaDir), 'utf8'))]));
});

/** Where a name used in a query must come from, or a reason it is not allowed. */
function resolveMetric(name: string): { family: Family; source: string } | string {
  const lookup = (families: Map<string, Family>, source: string) => {
    const base = familyName(name, families);
    return base === undefined ? `${name} is not exported by ${source}` : { family: families.get(base)!, source };
  };
  if (name.startsWith('modeltainer_')) return lookup(gatewayFamilies, 'the gateway (GET /metrics)');
  if (name.startsWith('vllm:')) return lookup(vllmFamilies, 'vLLM (fixtures/vllm/metrics.http)');
  if (name.startsWith('llamacpp:')) return lookup(llamaFamilies, 'llama-server (fixtures/llama-server/metrics-*.http)');
  if (/^(http|process|nodejs)_/.test(name)) return lookup(httpFamilies, 'adapters/node/http-metrics.ts');
  if (PROMETHEUS_SYNTHETIC.has(name)) return { family: PROMETHEUS_SYNTHETIC.get(name)!, source: 'Prometheus' };
  return `${name} has no known source (modeltainer_*, vllm:*, llamacpp:*, the Node adapter's http_*/process_*/nodejs_*, or up)`;
}

/** Problems with one query: unknown metric names, labels its metrics do not carry, legend labels it does not keep. */
function checkQuery(expr: string, legend = ''): string[] {
  const use = analyzeExpr(expr);
  const problems: string[] = [];
  if (use.metrics.length === 0) problems.push(`no metric name found in ${expr}`);
  const labels = new Set(TARGET_LABELS);
  for (const name of use.metrics) {
    const found = resolveMetric(name);
    if (typeof found === 'string') {
      problems.push(found);
      continue;
    }
    for (const l of found.family.labels) labels.add(l);
    if (name.endsWith('_bucket')) labels.add('le');
  }
  for (const l of [...use.matchers, ...use.grouping]) if (l !== '__name__' && !labels.has(l)) problems.push(`label '${l}' is not on ${use.metrics.join(', ')}`);
  // an aggregation keeps only its `by` labels (none without `by`); a bare selector keeps all of them
  const kept = use.aggregated ? new Set(use.grouping) : labels;
  for (const [, l] of legend.matchAll(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g)) if (!kept.has(l!)) problems.push(`legend uses {{${l}}}, which ${expr} does not keep`);
  return problems;
}

// ------------------------------------------------------------------ tests

describe('[node] observability: metric names', () => {
  it('[node] the expression analyzer finds metric and label names and skips functions, keywords and strings', () => {
    expect(analyzeExpr('histogram_quantile(0.95, sum by (model, le) (rate(modeltainer_x_bucket{model=~"$model", status!="5.."}[$__rate_interval])))')).toEqual({
      metrics: ['modeltainer_x_bucket'],
      matchers: ['model', 'status'],
      grouping: ['model', 'le'],
      aggregated: true,
    });
    expect(analyzeExpr('count(min by (a) (vllm:num_requests_running) == 0) or vector(1e-9) and on(instance) up offset 5m').metrics).toEqual([
      'vllm:num_requests_running',
      'up',
    ]);
    expect(analyzeExpr('sum(rate(llamacpp:tokens_predicted_total[5m])) / clamp_min(sum (x_total), 1)').metrics).toEqual(['llamacpp:tokens_predicted_total', 'x_total']);
  });

  it('[node] the live gateway exports its own families apart from the Node adapter’s', () => {
    expect(gatewayFamilies.size).toBeGreaterThan(5);
    for (const name of gatewayFamilies.keys()) expect(name).toMatch(/^modeltainer_/);
    expect(gatewayFamilies.get('modeltainer_requests_total')?.labels.has('model')).toBe(true);
    expect([...httpFamilies.keys()].some((n) => n.startsWith('http_'))).toBe(true);
    expect(vllmFamilies.has('vllm:num_requests_running')).toBe(true);
    expect(llamaFamilies.has('llamacpp:requests_processing')).toBe(true);
    // and the checks bite
    expect(checkQuery('sum by (model) (rate(modeltainer_requests_total[5m]))', '{{model}}')).toEqual([]);
    expect(checkQuery('modeltainer_no_such_metric')).toEqual([expect.stringContaining('not exported by the gateway')]);
    expect(checkQuery('vllm:no_such_metric')).toEqual([expect.stringContaining('not exported by vLLM')]);
    expect(checkQuery('llamacpp:requests_processing{model_name="x"}')).toEqual([expect.stringContaining("label 'model_name'")]);
    expect(checkQuery('sum by (model_name) (modeltainer_streams_in_flight)')).toEqual([expect.stringContaining("label 'model_name'")]);
    expect(checkQuery('sum(modeltainer_streams_in_flight)', '{{model}}')).toEqual([expect.stringContaining('{{model}}')]);
    expect(checkQuery('python_gc_objects_collected_total')).toEqual([expect.stringContaining('no known source')]);
  });
});

describe('[node] Grafana dashboard', () => {
  const dashboard = JSON.parse(readCompose('grafana/dashboards/modeltainer.json')) as Dashboard;
  const datasources = yamlOf<{ datasources?: { uid?: string; type?: string; url?: string; jsonData?: { timeInterval?: string } }[] }>(
    'grafana/provisioning/datasources/prometheus.yml',
  ).datasources;
  const uid = datasources?.[0]?.uid;
  const panels = dashboard.panels ?? [];
  const queryPanels = panels.filter((p) => p.type !== 'row');

  it('[node] is a Grafana dashboard (schema 39) with uid, title, time range and panels', () => {
    expect(dashboard.schemaVersion).toBe(39);
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(typeof dashboard.title === 'string' && dashboard.title.length > 0).toBe(true);
    expect(dashboard.time).toEqual({ from: expect.any(String), to: expect.any(String) });
    expect(queryPanels.length).toBeGreaterThanOrEqual(12);
    expect(datasources).toHaveLength(1);
    expect(datasources?.[0]).toMatchObject({ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' });
  });

  it('[node] every panel has a unique id, a type, a title and a grid position inside 24 columns, without overlaps', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of panels) {
      const where = `panel ${String(p.id)} '${String(p.title)}'`;
      expect(Number.isInteger(p.id), where).toBe(true);
      expect(['timeseries', 'stat', 'row', 'gauge', 'bargauge', 'table', 'text'], where).toContain(p.type);
      expect(typeof p.title === 'string' && p.title.length > 0, where).toBe(true);
      const { x, y, w, h } = p.gridPos ?? {};
      for (const n of [x, y, w, h]) expect(Number.isInteger(n), where).toBe(true);
      const [gx, gy, gw, gh] = [x, y, w, h] as [number, number, number, number];
      expect(gw > 0 && gh > 0 && gx >= 0 && gx + gw <= 24, where).toBe(true);
      for (let cx = gx; cx < gx + gw; cx++) {
        for (let cy = gy; cy < gy + gh; cy++) {
          expect(cells.has(`${cx},${cy}`), `${where} overlaps another panel at ${cx},${cy}`).toBe(false);
          cells.add(`${cx},${cy}`);
        }
      }
    }
  });

  it('[node] every query panel uses the provisioned datasource and has targets with an expr', () => {
    expect(uid).toBe('prometheus');
    for (const p of queryPanels) {
      const where = `panel ${String(p.id)} '${String(p.title)}'`;
      expect(p.datasource, where).toEqual({ type: 'prometheus', uid });
      expect(p.targets?.length, where).toBeGreaterThan(0);
      const refIds = p.targets!.map((t) => t.refId);
      expect(new Set(refIds).size, where).toBe(refIds.length);
      for (const t of p.targets!) {
        expect(typeof t.expr === 'string' && t.expr.trim().length > 0, where).toBe(true);
        if (t.datasource) expect(t.datasource, where).toEqual({ type: 'prometheus', uid });
      }
    }
  });

  it('[node] has the `model` variable from label_values(modeltainer_requests_total, model), and uses no undefined variable', () => {
    const vars = dashboard.templating?.list ?? [];
    const model = vars.find((v) => v.name === 'model');
    expect(model?.type).toBe('query');
    expect(model?.datasource).toEqual({ type: 'prometheus', uid });
    const query = typeof model?.query === 'string' ? model.query : (model?.query as { query?: string } | undefined)?.query;
    expect(query?.replace(/\s/g, '')).toBe('label_values(modeltainer_requests_total,model)');
    expect(checkQuery(query!.replace(/^label_values\((.*),\s*\w+\)$/, '$1'))).toEqual([]);
    const defined = new Set(vars.map((v) => v.name));
    for (const p of queryPanels) {
      for (const t of p.targets ?? []) {
        const used = [...String(t.expr).replace(GRAFANA_MACROS, '').matchAll(/\$\{?(\w+)/g)].map((m) => m[1]!);
        for (const v of used) expect(defined.has(v), `${String(t.expr)} uses $${v}`).toBe(true);
      }
    }
  });

  it('[node] every query uses only metric names that exist: the gateway’s, the Node adapter’s, vLLM’s and llama-server’s', () => {
    const problems: string[] = [];
    for (const p of queryPanels) for (const t of p.targets ?? []) for (const msg of checkQuery(String(t.expr), t.legendFormat)) problems.push(`'${String(p.title)}' ${t.refId}: ${msg}`);
    expect(problems).toEqual([]);
  });

  it('[node] covers the gateway’s families and the backends’ key gauges', () => {
    const used = new Set(queryPanels.flatMap((p) => (p.targets ?? []).flatMap((t) => analyzeExpr(String(t.expr)).metrics)));
    const families = new Set([...used].map((n) => familyName(n, gatewayFamilies) ?? n));
    // Every family the gateway exports has a panel: a new metric without one fails here.
    for (const name of gatewayFamilies.keys()) expect(families, name).toContain(name);
    for (const name of ['vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc', 'llamacpp:requests_processing', 'llamacpp:predicted_tokens_seconds']) {
      expect(used, name).toContain(name);
    }
  });
});

describe('[node] Prometheus config and alert rules', () => {
  const prom = yamlOf<PromConfig>('prometheus/prometheus.yml');
  const rules = yamlOf<AlertRules>('prometheus/alerts.yml');

  it('[node] scrapes the gateway, vLLM and llama-server every 15s, and loads rule files that exist', () => {
    expect(prom.global?.scrape_interval).toBe('15s');
    const jobs = prom.scrape_configs ?? [];
    expect(new Set(jobs.map((j) => j.job_name)).size).toBe(jobs.length);
    expect(jobs.map((j) => j.job_name).sort()).toEqual(['llamacpp', 'modeltainer', 'vllm']);
    for (const job of jobs) {
      expect(job.metrics_path ?? '/metrics').toBe('/metrics');
      const targets = (job.static_configs ?? []).flatMap((s) => s.targets ?? []);
      expect(targets.length, job.job_name).toBeGreaterThan(0);
      for (const t of targets) expect(t).toMatch(/^[a-z0-9.-]+:\d+$/);
    }
    expect(prom.rule_files?.length).toBeGreaterThan(0);
    for (const f of prom.rule_files ?? []) expect(existsSync(join(COMPOSE_DIR, 'prometheus', f)), f).toBe(true);
    // Grafana's $__rate_interval is derived from the datasource's timeInterval: keep them equal.
    const ds = yamlOf<{ datasources: { jsonData?: { timeInterval?: string } }[] }>('grafana/provisioning/datasources/prometheus.yml');
    expect(ds.datasources[0]?.jsonData?.timeInterval).toBe(prom.global?.scrape_interval);
  });

  it('[node] every alert is complete and its expression uses only exported metric names', () => {
    const all = (rules.groups ?? []).flatMap((g) => g.rules ?? []);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const names = all.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    const problems: string[] = [];
    for (const r of all) {
      expect(r.alert, JSON.stringify(r)).toMatch(/^[A-Za-z][A-Za-z0-9]+$/);
      expect(r.for ?? '0s', r.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning', 'info'], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      for (const msg of checkQuery(r.expr ?? '')) problems.push(`${r.alert}: ${msg}`);
    }
    expect(problems).toEqual([]);
    // the three the stack promises
    const exprs = all.map((r) => r.expr ?? '');
    expect(exprs.some((e) => e.includes('modeltainer_backend_up'))).toBe(true);
    expect(exprs.some((e) => /modeltainer_requests_total\{[^}]*status=~"5\.\."/.test(e))).toBe(true);
    expect(exprs.some((e) => e.includes('modeltainer_time_to_first_token_seconds_bucket'))).toBe(true);
  });

  it('[node] job="…" in dashboards and alerts names a scrape job', () => {
    const jobs = new Set((prom.scrape_configs ?? []).map((j) => j.job_name));
    const dashboard = JSON.parse(readCompose('grafana/dashboards/modeltainer.json')) as Dashboard;
    const exprs = [
      ...(dashboard.panels ?? []).flatMap((p) => (p.targets ?? []).map((t) => String(t.expr))),
      ...(rules.groups ?? []).flatMap((g) => (g.rules ?? []).map((r) => r.expr ?? '')),
    ];
    for (const e of exprs) for (const [, op, v] of e.matchAll(/\bjob\s*(=~|=)\s*"([^"]*)"/g)) for (const j of op === '=~' ? v!.split('|') : [v]) expect(jobs, e).toContain(j);
  });
});
