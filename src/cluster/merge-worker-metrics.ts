const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

/**
 * One Prometheus text exposition from every worker's (`serve --workers N`): each sample gets a
 * `worker` label, and each family's samples stay together under one HELP and TYPE, as the
 * format requires. Sum over `worker` in queries for the gateway's totals.
 *
 * @example
 * mergeWorkerMetrics([{ worker: 1, text: 'a_total 1\n' }, { worker: 2, text: 'a_total 2\n' }]);
 * // 'a_total{worker="1"} 1\na_total{worker="2"} 2\n'
 */
export function mergeWorkerMetrics(parts: readonly { worker: number; text: string }[]): string {
  const families = new Map<string, { meta: string[]; samples: string[] }>();
  const familyOf = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { meta: [], samples: [] }));
    return f;
  };
  for (const { worker, text } of parts) {
    let current = '';
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (meta) {
        current = meta[2] as string;
        const f = familyOf(current);
        if (!f.meta.some((m) => m.startsWith(`# ${meta[1]} `))) f.meta.push(line);
        continue;
      }
      if (line.startsWith('#')) continue;
      const name = /^[^{\s]+/.exec(line)?.[0] ?? '';
      // a histogram's _bucket/_sum/_count belong to the family its TYPE line named
      const family = current && (name === current || SUFFIXES.some((x) => name === current + x)) ? current : name;
      familyOf(family).samples.push(withWorker(line, name, worker));
    }
  }
  let out = '';
  for (const f of families.values()) out += f.meta.map((m) => `${m}\n`).join('') + f.samples.map((s) => `${s}\n`).join('');
  return out;
}

function withWorker(line: string, name: string, worker: number): string {
  const rest = line.slice(name.length);
  if (rest.startsWith('{}')) return `${name}{worker="${worker}"}${rest.slice(2)}`;
  if (rest.startsWith('{')) return `${name}{worker="${worker}",${rest.slice(1)}`;
  return `${name}{worker="${worker}"}${rest}`;
}
