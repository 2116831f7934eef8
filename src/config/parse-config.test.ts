import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.ts';
import { parseConfig } from './parse-config.ts';

const SEED = `version: 1
models:
  - name: llama3-8b-instruct
    backend: vllm
    backend_url: http://vllm-1:8000
    format: chat_completions
  - name: q4-cpu-llama
    backend: llamacpp
    backend_url: http://llama-cpp-1:8080
    format: chat_completions
`;

function issuesOf(text: string, env: Record<string, string> = {}) {
  try {
    parseConfig(text, { file: 'models.yaml', env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

describe('parseConfig', () => {
  it('loads the seed example from the original plan unchanged', () => {
    const cfg = parseConfig(SEED, { file: 'models.yaml' });
    expect(cfg.models.map((m) => [m.name, m.backend, m.upstreamModel])).toEqual([
      ['llama3-8b-instruct', 'vllm', 'llama3-8b-instruct'],
      ['q4-cpu-llama', 'llamacpp', 'q4-cpu-llama'],
    ]);
    expect(cfg.models[0]?.timeouts).toEqual({ connect: 5000, first_byte: 120000, total: 600000 });
    expect(Object.isFrozen(cfg.models[0])).toBe(true);
  });

  it('rejects a backend typo naming file, line and field path', () => {
    const issues = issuesOf(SEED.replace('backend: vllm', 'backend: vlm'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'models.yaml', line: 4, path: 'models[0].backend' });
    expect(issues[0]?.message).toContain("got 'vlm'");
    expect(String(new ConfigError([...issues]).message)).toMatch(/^models\.yaml:4:\d+: models\[0\]\.backend: /);
  });

  it('points a missing field at its parent and reports every issue', () => {
    const issues = issuesOf(`version: 1
models:
  - name: a
    backend: vllm
  - name: a
    backend: sim
    timeouts: { first_byte: soon }
`);
    expect(issues.map((i) => [i.line, i.path])).toEqual([
      [3, 'models[0].backend_url'],
      [7, 'models[1].timeouts.first_byte'],
    ]);
    const dup = issuesOf(`version: 1
models:
  - name: a
    backend: sim
  - name: b
    backend: sim
    aliases: [a]
`);
    expect(dup.map((i) => [i.line, i.path, i.message])).toEqual([[7, 'models[1].aliases[0]', "model name 'a' is already used by model 'a'"]]);
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf('version: 1\nmodels:\n  - name: a\n   backend: sim\n');
    expect(issues[0]?.line).toBe(4);
    expect(issues[0]?.message).toMatch(/^YAML syntax/);
  });

  it('rejects unknown keys (typos must not be silently ignored)', () => {
    const issues = issuesOf(SEED.replace('format: chat_completions', 'fromat: chat_completions'));
    expect(issues[0]).toMatchObject({ line: 3, path: 'models[0]' });
    expect(issues[0]?.message).toContain('fromat');
  });

  it('expands ${ENV} and ${ENV:-default} and names a missing variable', () => {
    const text = `version: 1
models:
  - name: a
    backend: openai
    backend_url: \${BASE:-http://localhost:9000/v1}
    headers:
      Authorization: Bearer \${KEY}
      X-Price: $$5
`;
    const cfg = parseConfig(text, { env: { KEY: 'sk-1' } });
    expect(cfg.models[0]?.headers).toEqual({ Authorization: 'Bearer sk-1', 'X-Price': '$5' });
    expect(cfg.models[0]?.backend_url).toBe('http://localhost:9000/v1');
    const issues = issuesOf(text);
    expect(issues).toMatchObject([{ line: 7, path: 'models[0].headers.Authorization' }]);
    expect(issues[0]?.message).toContain('KEY');
  });

  it('parses durations and rejects bad ones', () => {
    const cfg = parseConfig(`version: 1
models:
  - name: a
    backend: sim
    timeouts: { connect: 250ms, first_byte: 2s, total: 3m }
`);
    expect(cfg.models[0]?.timeouts).toEqual({ connect: 250, first_byte: 2000, total: 180000 });
  });

  it('requires backend_url except for the in-process simulator', () => {
    expect(() => parseConfig('version: 1\nmodels:\n  - name: a\n    backend: sim\n')).not.toThrow();
    expect(issuesOf('version: 1\nmodels:\n  - name: a\n    backend: sim\n    backend_url: http://x\n')[0]?.path).toBe('models[0].backend_url');
  });

  it('rejects an unsupported version', () => {
    expect(issuesOf(SEED.replace('version: 1', 'version: 2'))[0]).toMatchObject({ line: 1, path: 'version' });
  });
});

describe('parseConfig and secrets', () => {
  it('does not echo a wrong value that came from the environment', () => {
    const text = 'version: 1\nmodels:\n  - name: a\n    backend: "${KIND}"\n    backend_url: http://h\n';
    try {
      parseConfig(text, { env: { KIND: 'sk-secret-value' } });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as ConfigError).message).toContain('models[0].backend');
      expect((e as ConfigError).message).not.toContain('sk-secret-value');
    }
  });
});

describe('parseConfig: replicas, fallbacks, split, shadow', () => {
  const base = (extra: string) => `version: 1
models:
  - name: a
    backend: llamacpp
    targets:
      - { url: "http://a1:8080", weight: 2, max_concurrent: 4 }
      - { url: "http://a2:8080/" }
${extra}`;

  it('normalises backend_url and targets into one target list, with health defaults from server.health', () => {
    const cfg = parseConfig(`version: 1
server: { health: { interval: 5s, eject_after: 4 } }
models:
  - { name: one, backend: vllm, backend_url: "http://v:8000", health: { cooldown: 2s } }
  - { name: two, backend: openai, targets: [{ url: "http://o:1/v1" }] }
`);
    expect(cfg.models[0]?.targetConfigs).toEqual([{ url: 'http://v:8000', weight: 1, headers: {} }]);
    expect(cfg.models[0]?.healthSettings).toEqual({ interval: 5000, timeout: 2000, path: '/health', eject_after: 4, cooldown: 2000 });
    expect(cfg.models[1]?.healthSettings.path).toBe('/v1/models');
    expect(parseConfig('version: 1\nmetrics: { health_interval: 3s }\nmodels: [{ name: s, backend: sim }]\n').models[0]?.healthSettings.interval).toBe(3000);
  });

  it('rejects backend_url together with targets, a duplicate target and an affinity typo', () => {
    expect(issuesOf(base('    backend_url: http://x:1\n')).map((i) => i.path)).toEqual(['models[0].targets']);
    expect(issuesOf(base('').replace('http://a2:8080/', 'http://a1:8080'))[0]).toMatchObject({ path: 'models[0].targets[1].url', line: 7 });
    expect(issuesOf(base('    affinity: session\n'))[0]?.message).toContain("'key', 'user' or 'header:<name>'");
  });

  it('fallbacks, split members and shadows must name other models that can serve in their place', () => {
    const issues = issuesOf(
      base(`    fallbacks: [nope, a, e]
  - { name: e, backend: sim, format: embeddings }
  - { name: s, split: [{ model: a, weight: 1 }, { model: a, weight: 2 }], sticky: user }
  - { name: t, split: [{ model: s, weight: 1 }] }
  - { name: u, backend: sim, shadow: { model: u } }
`),
    );
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ['models[0].fallbacks[0]', "no model named 'nope'"],
      ['models[0].fallbacks[1]', 'a model cannot be its own fallback'],
      ['models[0].fallbacks[2]', "'e' serves embeddings, 'a' serves chat_completions"],
      ['models[2].split[1].model', "'a' is already a member of this split"],
      ['models[3].split[0].model', "'s' is a split model; a split member must be a model with a backend"],
      ['models[4].shadow.model', 'a model cannot be its own shadow'],
    ]);
  });

  it('a split model has no backend of its own', () => {
    const issues = issuesOf(base('  - { name: s, backend: sim, split: [{ model: a, weight: 1 }] }\n'));
    expect(issues[0]).toMatchObject({ path: 'models[1].backend' });
    expect(issues[0]?.message).toContain('split model routes to other models');
  });
});

describe('parseConfig: launch', () => {
  const launched = `version: 1
lifecycle: { memory_budget: 24GiB, groups: { gpu: { members: [a, ghost] } }, preload: [b] }
models:
  - name: a
    backend: llamacpp
    launch: { llamacpp: { model_path: /models/a.gguf, flags: [-c, "8192"] } }
  - name: b
    backend: vllm
    launch: { command: { cmd: [vllm, serve, org/model, --port, "\${PORT}"] } }
`;

  it('keeps ${PORT} under launch for the gateway to fill in, and parses sizes', () => {
    const cfg = parseConfig(launched.replace(', ghost', '').replace("--port, \"${PORT}\"] } }", "--port, \"${PORT}\"] } }\n    memory: 20GiB"), { env: { PORT: '8081' } });
    expect(cfg.models[1]?.launch?.command?.cmd).toEqual(['vllm', 'serve', 'org/model', '--port', '${PORT}']);
    expect(cfg.models[1]?.memory).toBe(20 * 2 ** 30);
    expect(cfg.lifecycle.memory_budget).toBe(24 * 2 ** 30);
  });

  it('names what is missing or wrong: group members, memory to budget, a launch with a backend_url', () => {
    const issues = issuesOf(launched.replace('launch: { llamacpp', 'backend_url: http://x:1\n    launch: { llamacpp'));
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ['lifecycle.groups.gpu.members[1]', "no model named 'ghost'"],
      ['models[0].backend_url', 'a model with launch is served by the process it starts: no backend_url or targets'],
      ['models[1].memory', "lifecycle budgets GPU memory: declare this model's memory (only llama.cpp models are estimated from their GGUF file)"],
    ]);
  });

  it('fails validation where processes cannot be started, saying so', () => {
    const text = 'version: 1\nmodels:\n  - name: a\n    backend: llamacpp\n    launch: { llamacpp: { model_path: /m.gguf } }\n';
    try {
      parseConfig(text, { capabilities: { runtime: 'Cloudflare Workers', limitStores: ['memory'] } });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as ConfigError).issues).toMatchObject([{ path: 'models[0].launch', line: 5 }]);
      expect((e as ConfigError).message).toContain('starting model servers on demand is not available on Cloudflare Workers: it cannot start processes');
    }
  });
});

describe('parseConfig: APIs, translation, prefix routes', () => {
  const apis = (extra: string) => `version: 1
models:
  - name: llama
    backend: llamacpp
    backend_url: http://l:8080
  - name: gpt
    backend: openai
    backend_url: http://o/v1
  - name: emb
    backend: vllm
    backend_url: http://v:8000
    format: embeddings
  - name: rr
    backend: vllm
    backend_url: http://v:8001
    format: rerank
${extra}`;

  it('derives what each model serves from backend and format; translate adds what the backend lacks', () => {
    const cfg = parseConfig(apis('  - name: bare\n    backend: openai\n    backend_url: http://o2\n    translate: [messages, responses]\n'));
    const served = Object.fromEntries(cfg.models.map((m) => [m.name, [m.nativeApis, m.translate]]));
    expect(served).toEqual({
      llama: [['chat', 'completions', 'responses', 'messages', 'tokenize'], []],
      gpt: [['chat', 'completions'], []],
      emb: [['embeddings', 'tokenize'], []],
      rr: [['rerank', 'score', 'tokenize'], []],
      bare: [['chat', 'completions'], ['messages', 'responses']],
    });
    // a single API may be written without the list; it replaces the native one
    expect(parseConfig(apis('')).models[0]?.nativeApis).toContain('messages');
    const one = parseConfig(apis('  - name: t\n    backend: llamacpp\n    backend_url: http://l2\n    translate: messages\n')).models[4]!;
    expect([one.nativeApis, one.translate]).toEqual([['chat', 'completions', 'responses', 'tokenize'], ['messages']]);
  });

  it('rejects translation without chat, an API both listed and translated, and bad prefix routes', () => {
    const issues = issuesOf(
      apis(`  - name: x
    backend: openai
    backend_url: http://x
    apis: [chat, messages]
    translate: [messages]
  - name: y
    backend: openai
    backend_url: http://y
    format: embeddings
    translate: responses
routes:
  - { prefix: /coder, model: llama }
  - { prefix: /coder, model: gpt }
  - { prefix: /admin, model: gpt }
  - { prefix: /a/b, model: gpt }
  - { prefix: /chat, model: ghost }
`),
    );
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ['models[4].translate[0]', "apis lists 'messages' as served by the backend; translate it or list it, not both"],
      ['models[5].translate', 'translation turns requests into chat completions: the model must serve chat'],
      ['routes[1].prefix', 'prefix /coder is listed twice'],
      ['routes[2].prefix', "/admin is one of the gateway's own paths"],
      ['routes[3].prefix', 'one path segment, like /coder'],
      ['routes[4].model', "no model named 'ghost'"],
    ]);
  });
});

describe('parseConfig: response cache', () => {
  const cached = (cache: string, top = '') => `version: 1
${top}models:
  - { name: a, backend: sim, cache: ${cache} }
  - { name: s, split: [{ model: a, weight: 1 }] }
`;

  it('cache: true takes the defaults; sizes and durations parse; false turns it off', () => {
    expect(parseConfig(cached('true')).models[0]?.cache).toEqual({
      ttl: 3_600_000, max_entries: 10_000, max_bytes: 64 * 2 ** 20, max_entry_bytes: 4 * 2 ** 20, only_deterministic: true, per_key: true, replay: 'fast', coalesce_timeout: 30_000,
    });
    const cfg = parseConfig(cached('{ ttl: 5m, max_bytes: 1MiB, replay: paced, namespace: shared }', 'cache: { max_bytes: 2GB }\n'));
    expect(cfg.models[0]?.cache).toMatchObject({ ttl: 300_000, max_bytes: 2 ** 20, replay: 'paced', namespace: 'shared' });
    expect(cfg.cache).toEqual({ store: 'memory', prefix: 'modeltainer:cache:', max_bytes: 2e9 });
    expect(parseConfig(cached('false')).models[0]?.cache).toBeUndefined();
  });

  it('names the field of a wrong setting, and a split model (its members cache)', () => {
    expect(issuesOf(cached('{ ttl: 10ms, replay: slow }').replace('split: [', 'cache: true, split: [')).map((i) => [i.path, i.message])).toEqual([
      ['models[0].cache.ttl', 'ttl must be at least 1s'],
      ['models[0].cache.replay', 'Invalid option: expected one of "fast"|"paced" (got \'slow\')'],
      ['models[1].cache', "a split model routes to other models; set 'cache' on those"],
    ]);
  });

  it('a store the runtime lacks fails validation naming the field, as rate_limits.store does', () => {
    const text = cached('true', 'cache: { store: redis, redis_url: "redis://r:6379" }\n');
    expect(() => parseConfig(text)).not.toThrow();
    for (const caps of [{ runtime: 'bun', limitStores: ['memory'] as const }, { runtime: 'Cloudflare Workers', limitStores: ['memory'] as const, cacheStores: ['memory', 'cache_api'] as const }]) {
      try {
        parseConfig(text, { capabilities: caps });
        throw new Error('expected a ConfigError');
      } catch (e) {
        expect((e as ConfigError).issues).toMatchObject([{ path: 'cache.store', line: 2 }]);
        expect((e as ConfigError).message).toContain(`cache store 'redis' is not available on ${caps.runtime}`);
      }
    }
    expect(issuesOf(cached('true', 'cache: { store: redis }\n')).map((i) => i.path)).toEqual(['cache.redis_url']);
  });
});
